import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { JaegerConfig } from "../config/jaeger";
import { buildJaegerConfig, buildJaegerUiConfig, renderJaegerConfig } from "../jaeger/config";
import { buildJaegerDeploymentSpec, jaegerVolumes } from "../jaeger/deployment";
import { clusterJaegerSettings, type StorageConnection } from "../jaeger/settings";
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

    const configText = pulumi.output(args.storage).apply((storage) =>
      renderJaegerConfig(
        buildJaegerConfig(
          clusterJaegerSettings({
            storage,
            indexPrefix: args.index.prefix,
            replicas: args.index.replicas,
            retentionDays: args.retentionDays,
            basePath: jaeger.basePath,
            memoryLimitBytes: jaeger.memoryLimitBytes,
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

    // Only the storage's volumes wait for its connection (a domain's URL is known after it exists).
    const volumes = pulumi.output(args.storage).apply((storage) => jaegerVolumes(configMap.metadata.name, storage));
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: buildJaegerDeploymentSpec({
          jaeger,
          pods,
          labels,
          serviceAccountName: serviceAccount.metadata.name,
          configChecksum: configText.apply((text) => sha256(text + uiConfig)),
          volumes: volumes.apply((v) => v.volumes),
          volumeMounts: volumes.apply((v) => v.mounts),
        }),
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
