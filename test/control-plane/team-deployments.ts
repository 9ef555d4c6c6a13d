import type { KubeApi, KubeObject } from "../support/kube-api";

/**
 * Shop, CRM and MES as their owning teams deploy them, before the tracing stack exists: each team
 * applies its own namespace and Deployment with server-side apply under its own field manager
 * (`kubectl apply --server-side --field-manager=team-<name>`), with its own labels, env and volumes.
 * Nothing here is personal data: hosts are internal example names, values are configuration.
 */
export interface TeamApp {
  team: string;
  /** The team's field manager. */
  fieldManager: string;
  namespace: KubeObject;
  deployment: KubeObject;
  /** The container the stack instruments (order-tracing:instrumentation.services[].container). */
  container: string;
}

/** The teams' registry (scripts/cluster.sh mirrors it to its local registry). */
export const TEAM_REGISTRY = "registry.example.internal";

/** The repository path and tag of a team's image in TEAM_REGISTRY. */
export function teamImagePath(name: string, version: string): string {
  return `${name}/api:${version}`;
}

export interface TeamAppOptions {
  image: string;
  env: { name: string; value: string }[];
  volumes: Record<string, unknown>[];
  mounts: { name: string; mountPath: string; readOnly?: boolean }[];
  sidecars?: Record<string, unknown>[];
  /** 2 when absent. */
  replicas?: number;
  /** The app container's readiness probe; none when absent. */
  readinessProbe?: Record<string, unknown>;
}

export function teamApp(name: string, options: TeamAppOptions): TeamApp {
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "order-system", team: name };
  return {
    team: name,
    fieldManager: `team-${name}`,
    container: name,
    namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { team: name } } },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: name, labels, annotations: { "example.internal/owner": `${name}-team` } },
      spec: {
        replicas: options.replicas ?? 2,
        selector: { matchLabels: { "app.kubernetes.io/name": name } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name,
                image: `${TEAM_REGISTRY}/${teamImagePath(name, options.image)}`,
                ports: [{ name: "http", containerPort: 8080 }],
                env: options.env,
                ...(options.readinessProbe ? { readinessProbe: options.readinessProbe } : {}),
                volumeMounts: options.mounts,
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
              },
              ...(options.sidecars ?? []),
            ],
            volumes: options.volumes,
          },
        },
      },
    },
  };
}

export const TEAM_APPS: readonly TeamApp[] = [
  teamApp("shop", {
    image: "2.4.1",
    env: [
      { name: "PORT", value: "8080" },
      { name: "CRM_URL", value: "http://crm.crm.svc.cluster.local:8080" },
      { name: "MODEL_BUCKET", value: "models" },
    ],
    volumes: [{ name: "config", configMap: { name: "shop-config" } }],
    mounts: [{ name: "config", mountPath: "/etc/shop", readOnly: true }],
  }),
  teamApp("crm", {
    image: "5.0.3",
    env: [
      { name: "PORT", value: "8080" },
      { name: "AMQP_URL", value: "amqp://rabbitmq.crm.svc.cluster.local:5672" },
      { name: "NODE_ENV", value: "production" },
    ],
    volumes: [
      { name: "config", configMap: { name: "crm-config" } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ],
    mounts: [
      { name: "config", mountPath: "/etc/crm", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  }),
  teamApp("mes", {
    image: "1.9.0",
    env: [
      { name: "PORT", value: "8080" },
      { name: "AMQP_URL", value: "amqp://rabbitmq.crm.svc.cluster.local:5672" },
      { name: "S3_ENDPOINT", value: "https://s3.example.internal" },
    ],
    volumes: [{ name: "vendor-license", secret: { secretName: "mes-vendor-license" } }],
    mounts: [{ name: "vendor-license", mountPath: "/etc/mes/license", readOnly: true }],
    // The vendor's own log shipper: a second container the injection must leave alone.
    sidecars: [
      {
        name: "log-shipper",
        image: `${TEAM_REGISTRY}/mes/log-shipper:0.8.2`,
        env: [{ name: "LOG_DIR", value: "/var/log/mes" }],
      },
    ],
  }),
];

/** Applies a team's namespace and Deployment as the team does, with strict field validation. */
export async function deployAsTeam(api: KubeApi, app: TeamApp): Promise<KubeObject> {
  await api.apply(app.namespace, { fieldManager: app.fieldManager });
  return api.apply(app.deployment, { fieldManager: app.fieldManager });
}
