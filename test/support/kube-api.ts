import { readFileSync } from "node:fs";
import { request } from "node:https";
import yaml from "js-yaml";

/** A Kubernetes object as the API server returns it (only the fields the tests read are typed). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
  deletionTimestamp?: string;
  [field: string]: unknown;
}

/** One entry of `metadata.managedFields`: which manager owns which fields (FieldsV1 trie). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  fieldsType: "FieldsV1";
  fieldsV1: FieldsV1;
  subresource?: string;
}
export type FieldsV1 = { [path: string]: FieldsV1 };

export interface ApplyOptions {
  fieldManager: string;
  /** Take over fields other managers own (SSA force). */
  force?: boolean;
  /** Validate and merge on the server without persisting anything. */
  dryRun?: boolean;
}

/** An API server answer outside 2xx, with the server's Status message. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${statusMessage(body)}`);
  }
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

interface Credentials {
  server: URL;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

interface Kubeconfig {
  "current-context"?: string;
  contexts: { name: string; context: { cluster: string; user: string } }[];
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/**
 * A small client of the Kubernetes API over HTTPS with a client certificate: what the tests need
 * (get, server-side apply with strict field validation, delete, discovery) and nothing more, so
 * they need no kubectl.
 */
export class KubeApi {
  private readonly discovery = new Map<string, Promise<ApiResourceList>>();

  private constructor(private readonly credentials: Credentials) {}

  /** Reads the cluster and the client certificate of a context of a kubeconfig with embedded data. */
  static fromKubeconfig(file: string, contextName?: string): KubeApi {
    const config = yaml.load(readFileSync(file, "utf8")) as Kubeconfig;
    const name = contextName ?? config["current-context"];
    const context = config.contexts.find((c) => c.name === name)?.context;
    const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
    const user = config.users.find((u) => u.name === context?.user)?.user;
    if (!context || !cluster || !user) throw new Error(`${file}: no complete context "${name}"`);
    const decode = (data: string) => Buffer.from(data, "base64");
    return new KubeApi({
      server: new URL(cluster.server),
      ca: decode(cluster["certificate-authority-data"]),
      cert: decode(user["client-certificate-data"]),
      key: decode(user["client-key-data"]),
    });
  }

  /** GET of an API path; undefined when the object does not exist. */
  async get<T = KubeObject>(path: string): Promise<T | undefined> {
    const { status, body } = await this.send("GET", path);
    if (status === 404) return undefined;
    return JSON.parse(body) as T;
  }

  /** GET of an API path that must exist. */
  async mustGet<T = KubeObject>(path: string): Promise<T> {
    const found = await this.get<T>(path);
    if (found === undefined) throw new KubeApiError("GET", path, 404, "not found");
    return found;
  }

  /**
   * Server-side apply of a whole object with strict field validation: an unknown or duplicated
   * field is an error, not a dropped field.
   */
  async apply(object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const path = await this.pathOf(object);
    const query = new URLSearchParams({ fieldManager: options.fieldManager, fieldValidation: "Strict" });
    if (options.force) query.set("force", "true");
    if (options.dryRun) query.set("dryRun", "All");
    const { body } = await this.send("PATCH", `${path}?${query}`, {
      contentType: "application/apply-patch+yaml",
      body: JSON.stringify(object),
    });
    return JSON.parse(body) as KubeObject;
  }

  /** DELETE of an API path; a missing object is not an error. */
  async delete(path: string): Promise<void> {
    await this.send("DELETE", path);
  }

  /** The API path of an object (`/apis/<group>/<version>/namespaces/<ns>/<resource>/<name>`), from discovery. */
  async pathOf(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Promise<string> {
    const groupVersion = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    let resources = this.discovery.get(groupVersion);
    if (!resources) {
      resources = this.mustGet<ApiResourceList>(groupVersion);
      this.discovery.set(groupVersion, resources);
    }
    const resource = (await resources).resources.find((r) => r.kind === object.kind && !r.name.includes("/"));
    if (!resource) throw new Error(`the API server serves no ${object.kind} in ${object.apiVersion}`);
    const namespace = object.metadata.namespace ?? "default";
    const scope = resource.namespaced ? `/namespaces/${namespace}` : "";
    return `${groupVersion}${scope}/${resource.name}/${object.metadata.name}`;
  }

  /**
   * Any request (e.g. through the API server's service or pod proxy), answered with its status and
   * body whatever the status.
   */
  request(
    method: string,
    path: string,
    payload?: { contentType: string; body: string },
  ): Promise<{ status: number; body: string }> {
    return this.send(method, path, payload, false);
  }

  private send(
    method: string,
    path: string,
    payload?: { contentType: string; body: string },
    failOnError = true,
  ): Promise<{ status: number; body: string }> {
    const { server, ca, cert, key } = this.credentials;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: server.hostname,
          port: server.port,
          method,
          path,
          ca,
          cert,
          key,
          headers: {
            accept: "application/json",
            ...(payload ? { "content-type": payload.contentType } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            const body = Buffer.concat(chunks).toString("utf8");
            if (failOnError && status >= 300 && status !== 404) reject(new KubeApiError(method, path, status, body));
            else resolve({ status, body });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 30s`)));
      req.on("error", reject);
      req.end(payload?.body);
    });
  }
}
