import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { goMemoryLimit, memoryLimiterFor } from "../collector/config";
import type { JaegerConfig } from "../config/jaeger";
import { parseQuantity } from "../config/validators";
import { buildJaegerConfig, buildJaegerUiConfig, renderJaegerConfig } from "../jaeger/config";
import {
  CA_SECRET_KEY,
  CLUSTER_JAEGER_PORTS,
  clusterJaegerSettings,
  JAEGER_FILES,
  STORAGE_SECRET_KEYS,
  type StorageConnection,
} from "../jaeger/settings";
import { commonLabels } from "../labels";
import { toolVersion } from "../tool-versions";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../topology";

export interface JaegerArgs {
  namespace: string;
  jaeger: JaegerConfig;
  /** Where the traces go (its URL may be known only after the storage exists). */
  storage: pulumi.Input<StorageConnection>;
  index: { prefix: string; replicas: number };
  retentionDays: number;
}

const COMPONENT = "jaeger";
/** The non-root user of the jaegertracing/jaeger image. */
const JAEGER_UID = 10001;

/** The Jaeger v2 image of the release pinned in tools/versions.env. */
export function defaultJaegerImage(): string {
  return `jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}`;
}

/**
 * Jaeger v2 as one Deployment that receives OTLP from the collector, writes to Elasticsearch or
 * OpenSearch, and serves query and the UI (docs/operations.md "Jaeger v2: one Deployment"). Its Service is
 * ClusterIP only: the UI is reached through the access path, never directly.
 */
export class Jaeger extends pulumi.ComponentResource {
  /** In-cluster URL of query (UI and HTTP API), with the base path. */
  readonly queryUrl: pulumi.Output<string>;
  /** `host:port` the collector exports OTLP gRPC to. */
  readonly otlpEndpoint: pulumi.Output<string>;
  /** Query as the access proxy and the report job reach it. */
  readonly query: { host: string; podLabels: Record<string, string> };

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:tracing:Jaeger", name, {}, opts);
    const { namespace, jaeger } = args;
    const child = { parent: this };
    const pods = selectorLabels(PARTS.jaeger);
    const labels = { ...commonLabels(COMPONENT), ...pods };
    const metadata = { name: PARTS.jaeger, namespace, labels };
    const memoryLimitBytes = parseQuantity(jaeger.resources.limits.memory) ?? 0;

    const configText = pulumi.output(args.storage).apply((storage) =>
      renderJaegerConfig(
        buildJaegerConfig(
          clusterJaegerSettings({
            storage,
            indexPrefix: args.index.prefix,
            replicas: args.index.replicas,
            retentionDays: args.retentionDays,
            basePath: jaeger.basePath,
            memoryLimitBytes,
          }),
        ),
      ),
    );
    const uiConfig = JSON.stringify(buildJaegerUiConfig(), null, 2);
    const configMap = new k8s.core.v1.ConfigMap(
      name,
      { metadata, data: { "config.yaml": configText, "ui.json": uiConfig } },
      child,
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      name,
      // Jaeger never calls the Kubernetes API.
      { metadata, automountServiceAccountToken: false },
      child,
    );

    const volumes: pulumi.Input<k8s.types.input.core.v1.Volume>[] = [
      { name: "config", configMap: { name: configMap.metadata.name } },
    ];
    const mounts: pulumi.Input<k8s.types.input.core.v1.VolumeMount>[] = [
      { name: "config", mountPath: JAEGER_FILES.configDir, readOnly: true },
    ];
    const storageVolumes = pulumi.output(args.storage).apply((storage) => {
      const extra: { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } = {
        volumes: [],
        mounts: [],
      };
      if (storage.basicAuth) {
        extra.volumes.push({
          name: "storage-auth",
          secret: {
            secretName: storage.basicAuth.secretName,
            items: [{ key: STORAGE_SECRET_KEYS.password, path: "password" }],
          },
        });
        extra.mounts.push({ name: "storage-auth", mountPath: JAEGER_FILES.passwordDir, readOnly: true });
      }
      if (storage.caSecretName) {
        extra.volumes.push({
          name: "storage-ca",
          secret: { secretName: storage.caSecretName, items: [{ key: CA_SECRET_KEY, path: CA_SECRET_KEY }] },
        });
        extra.mounts.push({ name: "storage-ca", mountPath: JAEGER_FILES.caDir, readOnly: true });
      }
      return extra;
    });

    new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas: jaeger.replicas,
          selector: { matchLabels: pods },
          template: {
            metadata: {
              labels,
              // A config change rolls the pods (Jaeger reads its config only at start).
              annotations: { "checksum/config": configText.apply((text) => sha256(text + uiConfig)) },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: JAEGER_UID,
                runAsGroup: JAEGER_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "jaeger",
                  image: jaeger.image ?? defaultJaegerImage(),
                  args: ["--config", JAEGER_FILES.config],
                  env: [
                    // The Go runtime collects harder before the memory limiter and the OOM killer act.
                    { name: "GOMEMLIMIT", value: goMemoryLimit(memoryLimiterFor(memoryLimitBytes)) },
                  ],
                  ports: [
                    { name: "otlp-grpc", containerPort: CLUSTER_JAEGER_PORTS.otlpGrpc, protocol: "TCP" },
                    { name: "otlp-http", containerPort: CLUSTER_JAEGER_PORTS.otlpHttp, protocol: "TCP" },
                    { name: "query-http", containerPort: CLUSTER_JAEGER_PORTS.queryHttp, protocol: "TCP" },
                    { name: "query-grpc", containerPort: CLUSTER_JAEGER_PORTS.queryGrpc, protocol: "TCP" },
                    { name: "health", containerPort: CLUSTER_JAEGER_PORTS.health, protocol: "TCP" },
                    { name: "metrics", containerPort: PORTS.jaegerMetrics, protocol: "TCP" },
                  ],
                  // Ready when every component (storage included) reports OK; alive while it listens,
                  // so a storage outage makes pods unready without restarting them in a loop.
                  readinessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 10 },
                  livenessProbe: {
                    tcpSocket: { port: "query-http" },
                    initialDelaySeconds: 10,
                    periodSeconds: 20,
                    failureThreshold: 6,
                  },
                  resources: jaeger.resources,
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: storageVolumes.apply((extra) => [
                    ...(mounts as k8s.types.input.core.v1.VolumeMount[]),
                    ...extra.mounts,
                  ]),
                },
              ],
              volumes: storageVolumes.apply((extra) => [
                ...(volumes as k8s.types.input.core.v1.Volume[]),
                ...extra.volumes,
              ]),
            },
          },
        },
      },
      child,
    );

    new k8s.core.v1.Service(
      name,
      {
        metadata,
        spec: {
          // Never exposed outside the cluster: the UI goes through the access path.
          type: "ClusterIP",
          selector: pods,
          ports: [
            { name: "otlp-grpc", port: PORTS.otlpGrpc, targetPort: "otlp-grpc", protocol: "TCP" },
            { name: "otlp-http", port: PORTS.otlpHttp, targetPort: "otlp-http", protocol: "TCP" },
            { name: "query-http", port: PORTS.jaegerQueryHttp, targetPort: "query-http", protocol: "TCP" },
            { name: "query-grpc", port: PORTS.jaegerQueryGrpc, targetPort: "query-grpc", protocol: "TCP" },
          ],
        },
      },
      child,
    );

    if (jaeger.replicas > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: pods } } },
        child,
      );
    }

    const host = serviceHost(PARTS.jaeger, namespace);
    const basePath = jaeger.basePath === "/" ? "" : jaeger.basePath;
    this.queryUrl = pulumi.output(`http://${host}:${PORTS.jaegerQueryHttp}${basePath}`);
    this.otlpEndpoint = pulumi.output(`${host}:${PORTS.otlpGrpc}`);
    this.query = { host, podLabels: pods };
    this.registerOutputs({ queryUrl: this.queryUrl, otlpEndpoint: this.otlpEndpoint });
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
