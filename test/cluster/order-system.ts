import { mkdirSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { startProcess, waitForPort, type ManagedProcess } from "../../sandbox/process";
import { SANDBOX_S3_CREDENTIALS, SANDBOX_S3_REGION } from "../../sandbox/s3";
import { deployAsTeam, teamApp, TEAM_APPS, type TeamApp } from "../control-plane/team-deployments";
import type { KubeApi, KubeObject } from "../support/kube-api";

/** scripts/cluster.sh's bridge gateway: the host's address on the pods' network. */
export const POD_GATEWAY = "10.244.0.1";
/** The namespace of the Services that stand for what runs on the host (RabbitMQ, S3, OpenSearch). */
export const BACKENDS_NAMESPACE = "order-backends";
const BACKENDS_MANAGER = "cluster-test-backends";
const CLUSTER_DOMAIN = "cluster.local";
/** The port every team's container listens on (the `http` port of test/control-plane's manifests). */
export const APP_PORT = 8080;

/** A service on the host, reachable from pods as `<name>.<BACKENDS_NAMESPACE>.svc`. */
export interface HostBackend {
  /** `<name>.<namespace>.svc.cluster.local` */
  host: string;
  port: number;
  relay: ManagedProcess;
  stop(): Promise<void>;
}

/** The name pods reach the host's service `name` by (exposeHostService). */
export function hostServiceName(name: string): string {
  return `${name}.${BACKENDS_NAMESPACE}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * Makes a service listening on the host's loopback `port` reachable from pods, as scripts/cluster.sh
 * does for the API server: a relay (socat) on the bridge gateway, same port, forwarding to loopback
 * (the service sees a loopback client, as RabbitMQ's guest user requires), and a Service without a
 * selector whose EndpointSlice names the relay.
 */
export async function exposeHostService(
  api: KubeApi,
  name: string,
  port: number,
  logDir: string,
): Promise<HostBackend> {
  mkdirSync(logDir, { recursive: true });
  const relay = startProcess({
    name: `relay-${name}`,
    command: "socat",
    args: [`TCP-LISTEN:${port},bind=${POD_GATEWAY},reuseaddr,fork`, `TCP:127.0.0.1:${port}`],
    logDir,
  });
  await waitForPort(port, { host: POD_GATEWAY, process: relay, timeoutMs: 10_000 });
  await api.apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: BACKENDS_NAMESPACE } },
    { fieldManager: BACKENDS_MANAGER },
  );
  await api.apply(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: BACKENDS_NAMESPACE },
      spec: { ports: [{ name: "tcp", port, targetPort: port }] },
    },
    { fieldManager: BACKENDS_MANAGER },
  );
  await api.apply(
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name, namespace: BACKENDS_NAMESPACE, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: [POD_GATEWAY], conditions: { ready: true } }],
      ports: [{ name: "tcp", protocol: "TCP", port }],
    } as KubeObject,
    { fieldManager: BACKENDS_MANAGER },
  );
  return {
    host: hostServiceName(name),
    port,
    relay,
    stop: async () => void (await relay.stop()),
  };
}

/**
 * Plays the one part of an ingress controller that `pulumi up` waits for: no controller runs on this
 * cluster, so each Ingress that appears in `namespace` without an address gets the one a controller
 * would report (the bridge gateway) in its status. Runs until the returned function is called.
 */
export function reportIngressAddresses(api: KubeApi, namespace: string): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const list = await api.get<{ items: (KubeObject & { status?: { loadBalancer?: { ingress?: unknown[] } } })[] }>(
          `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
        );
        for (const ingress of list?.items ?? []) {
          if (ingress.status?.loadBalancer?.ingress?.length) continue;
          await api.request(
            "PATCH",
            `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${ingress.metadata.name}/status`,
            {
              contentType: "application/merge-patch+json",
              body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: POD_GATEWAY }] } } }),
            },
          );
        }
      } catch {
        // The API server answers the next round (an Ingress without an address only delays `up`).
      }
      await delay(1_000);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

export interface Backends {
  amqpUrl: string;
  s3Endpoint: string;
  bucket: string;
}

const imageOf = (team: string) => {
  const image = (
    TEAM_APPS.find((a) => a.team === team)?.deployment.spec as {
      template: { spec: { containers: { image: string }[] } };
    }
  ).template.spec.containers[0].image;
  return image.slice(image.lastIndexOf(":") + 1);
};

/**
 * Shop, CRM and MES as their teams deploy them on the cluster: test/control-plane's manifests
 * (names, labels, field managers, image names in the teams' registry), with the settings the
 * running services need (backends, listen address), one replica each (orders are kept in memory)
 * and a readiness probe on their port.
 */
export function clusterTeamApps(backends: Backends): TeamApp[] {
  const common = [
    { name: "PORT", value: String(APP_PORT) },
    { name: "HOST", value: "0.0.0.0" },
  ];
  const s3 = [
    { name: "S3_ENDPOINT", value: backends.s3Endpoint },
    { name: "MODELS_BUCKET", value: backends.bucket },
    { name: "AWS_REGION", value: SANDBOX_S3_REGION },
    { name: "AWS_ACCESS_KEY_ID", value: SANDBOX_S3_CREDENTIALS.accessKeyId },
    { name: "AWS_SECRET_ACCESS_KEY", value: SANDBOX_S3_CREDENTIALS.secretAccessKey },
  ];
  const readinessProbe = { tcpSocket: { port: "http" }, periodSeconds: 1 };
  const tmp = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };
  const tmpMount = { name: "tmp", mountPath: "/tmp" };
  const app = (name: string, env: { name: string; value: string }[]) =>
    teamApp(name, {
      image: imageOf(name),
      env: [...common, ...env],
      volumes: [tmp],
      mounts: [tmpMount],
      replicas: 1,
      readinessProbe,
    });
  return [
    app("shop", [{ name: "CRM_URL", value: `http://crm.crm.svc.${CLUSTER_DOMAIN}:${APP_PORT}` }, ...s3]),
    app("crm", [{ name: "AMQP_URL", value: backends.amqpUrl }]),
    app("mes", [{ name: "AMQP_URL", value: backends.amqpUrl }, ...s3]),
  ];
}

/** A team's Service for its Deployment, applied by the team with its own field manager. */
export async function deployServiceAsTeam(api: KubeApi, app: TeamApp): Promise<void> {
  await api.apply(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: app.team, namespace: app.team },
      spec: {
        selector: { "app.kubernetes.io/name": app.team },
        ports: [{ name: "http", port: APP_PORT, targetPort: "http" }],
      },
    },
    { fieldManager: app.fieldManager },
  );
}

export { deployAsTeam };

/** A JSON request to a team's Service through the API server's service proxy. */
export async function callService(
  api: KubeApi,
  team: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined; text: string }> {
  const answer = await api.request(
    method,
    `/api/v1/namespaces/${team}/services/${team}:http/proxy${path}`,
    body === undefined ? undefined : { contentType: "application/json", body: JSON.stringify(body) },
  );
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: answer.status, json, text: answer.body };
}
