import { urlPort } from "../config/validators";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../config/guards";
import type { StorageConfig } from "../config/storage";
import { JAEGER_FILES, STORAGE_SECRET_KEYS, type StorageConnection } from "../jaeger/settings";
import { commonLabels } from "../labels";
import { toolVersion } from "../tool-versions";
import type { StorageReach } from "../network/pipeline-policies";
import { buildIndexCleanerCronJobSpec, indexCleanerArgs, indexCleanerEnv } from "../storage/index-cleaner";
import { PARTS, selectorLabels } from "../topology";
import { ElasticsearchCluster, elasticsearchMajorVersion } from "./elasticsearch";
import { OpenSearchDomain } from "./opensearch-domain";

export interface TraceStorageArgs {
  namespace: string;
  storage: StorageConfig;
  /** The storage password (a Pulumi secret); required for opensearch-aws and external. */
  password?: pulumi.Input<string>;
}

const COMPONENT = "storage";
/** The Secret with the storage password, read by Jaeger (as a file) and the cleaner (as env). */
const CREDENTIALS_SECRET = "trace-storage-credentials";
/** The jaeger-es-index-cleaner image of the Jaeger release pinned in tools/versions.env (v1 number). */
export function indexCleanerImage(): string {
  return `jaegertracing/jaeger-es-index-cleaner:${toolVersion("JAEGER_VERSION")}`;
}

/** How Jaeger and the cleaner reach the storage, for the namespace's NetworkPolicies (config only). */
export function storageReach(storage: StorageConfig, network: NetworkConfig): StorageReach {
  switch (storage.backend.kind) {
    case "elasticsearch":
      return { kind: "pods" };
    case "opensearch-aws":
      return { kind: "cidrs", cidrs: network.storageCidrs, port: 443 };
    case "external": {
      return { kind: "cidrs", cidrs: network.storageCidrs, port: urlPort(storage.backend.url) };
    }
  }
}

/**
 * Where traces are kept, per stack: the in-cluster Elasticsearch, an AWS OpenSearch Service domain,
 * or an external URL; and the retention job that deletes daily indices older than retentionDays.
 */
export class TraceStorage extends pulumi.ComponentResource {
  /** What Jaeger needs to write and read (the URL of a domain is known after it exists). */
  readonly connection: pulumi.Output<StorageConnection>;
  readonly cronJobName: pulumi.Output<string>;

  constructor(name: string, args: TraceStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:storage:TraceStorage", name, {}, opts);
    const { namespace, storage } = args;
    const backend = storage.backend;
    const child = { parent: this };
    const labels = commonLabels(COMPONENT);

    let credentialsSecret: k8s.core.v1.Secret | undefined;
    if (backend.kind !== "elasticsearch") {
      if (args.password === undefined) throw new Error(`storage.kind "${backend.kind}" needs the storage password`);
      credentialsSecret = new k8s.core.v1.Secret(
        `${name}-credentials`,
        {
          metadata: { name: CREDENTIALS_SECRET, namespace, labels },
          type: "Opaque",
          stringData: { [STORAGE_SECRET_KEYS.password]: pulumi.secret(args.password) },
        },
        child,
      );
    }

    let url: pulumi.Output<string>;
    let connection: pulumi.Output<StorageConnection>;
    switch (backend.kind) {
      case "elasticsearch": {
        const cluster = new ElasticsearchCluster(
          `${name}-elasticsearch`,
          { namespace, backend, diskSize: storage.diskSize },
          child,
        );
        url = pulumi.output(cluster.url);
        connection = pulumi.output({
          engine: "elasticsearch" as const,
          url: cluster.url,
          version: elasticsearchMajorVersion(backend.image),
        });
        break;
      }
      case "opensearch-aws": {
        const domain = new OpenSearchDomain(
          `${name}-opensearch`,
          { backend, diskBytes: storage.diskBytes, masterPassword: args.password! },
          child,
        );
        url = domain.url;
        connection = domain.url.apply((domainUrl) => ({
          engine: "opensearch" as const,
          url: domainUrl,
          basicAuth: { username: backend.username, secretName: CREDENTIALS_SECRET },
        }));
        break;
      }
      case "external":
        url = pulumi.output(backend.url);
        connection = pulumi.output({
          engine: backend.engine,
          url: backend.url,
          basicAuth: { username: backend.username, secretName: CREDENTIALS_SECRET },
          caSecretName: backend.caSecretName,
        });
        break;
    }
    this.connection = connection;

    const cleanerPods = selectorLabels(PARTS.indexCleaner);
    const caSecretName = backend.kind === "external" ? backend.caSecretName : undefined;
    const username = backend.kind === "elasticsearch" ? undefined : backend.username;
    const cronJob = new k8s.batch.v1.CronJob(
      `${name}-index-cleaner`,
      {
        metadata: { name: PARTS.indexCleaner, namespace, labels: { ...labels, ...cleanerPods } },
        spec: buildIndexCleanerCronJobSpec({
          schedule: storage.retention.schedule,
          labels: { ...labels, ...cleanerPods },
          args: url.apply((u) =>
            indexCleanerArgs({
              retentionDays: storage.retention.days,
              url: u,
              indexPrefix: storage.index.prefix,
              caFile: caSecretName ? JAEGER_FILES.ca : undefined,
            }),
          ),
          env: indexCleanerEnv({
            basicAuth: username
              ? { username, passwordSecret: { name: CREDENTIALS_SECRET, key: STORAGE_SECRET_KEYS.password } }
              : undefined,
          }),
          caSecretName,
        }),
      },
      { ...child, dependsOn: credentialsSecret ? [credentialsSecret] : [] },
    );
    this.cronJobName = cronJob.metadata.name;
    this.registerOutputs({ connection: this.connection, cronJobName: this.cronJobName });
  }
}
