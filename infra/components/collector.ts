import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildCollectorConfig, renderCollectorConfig } from "../collector/config";
import { buildCollectorDeploymentSpec, COLLECTOR_CONFIG_FILE } from "../collector/deployment";
import { collectorTiers, type CollectorTierPlan } from "../collector/settings";
import type { CollectorConfig } from "../config/collector";
import { commonLabels } from "../labels";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../topology";

export interface CollectorGatewayArgs {
  /** The tracing namespace (validated name); the composition root orders it after the namespace. */
  namespace: string;
  collector: CollectorConfig;
}

const COMPONENT = "collector";

/**
 * The OpenTelemetry Collector gateway every instrumented service sends OTLP to: it drops probe
 * spans, adds Kubernetes metadata, scrubs personal data, tail-samples and exports to Jaeger
 * (docs/collector.md). With the two-tier layout, routers behind the `otel-collector`
 * Service spread traces by trace id over samplers behind a headless Service.
 */
export class CollectorGateway extends pulumi.ComponentResource {
  /** What apps put in OTEL_EXPORTER_OTLP_ENDPOINT for OTLP gRPC. */
  readonly otlpGrpcEndpoint: pulumi.Output<string>;
  /** The same gateway over OTLP/HTTP (base URL; the SDK appends /v1/traces). */
  readonly otlpHttpEndpoint: pulumi.Output<string>;

  constructor(name: string, args: CollectorGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:tracing:CollectorGateway", name, {}, opts);
    const { namespace, collector } = args;
    const tiers = collectorTiers(collector, namespace);

    // Only the tier that receives from apps looks pods up (k8s_attributes); the samplers get no token.
    const [entry] = tiers;
    const reader = this.kubernetesReader(name, namespace, entry);
    for (const tier of tiers) this.tier(tier, namespace, collector, tier === entry ? reader : undefined);

    const pods = selectorLabels(PARTS.collector);
    new k8s.core.v1.Service(
      name,
      {
        metadata: { name: PARTS.collector, namespace, labels: { ...commonLabels(COMPONENT), ...pods } },
        spec: {
          type: "ClusterIP",
          selector: pods,
          ports: [
            { name: "otlp-grpc", port: PORTS.otlpGrpc, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
            { name: "otlp-http", port: PORTS.otlpHttp, targetPort: "otlp-http", protocol: "TCP", appProtocol: "http" },
          ],
        },
      },
      { parent: this },
    );

    if (collector.layout === "two-tier") {
      // Headless: DNS returns one address per ready sampler, which the routers' load-balancing
      // exporter hashes trace ids over. Only the routers use it.
      const samplers = selectorLabels(PARTS.collectorSampler);
      new k8s.core.v1.Service(
        `${name}-samplers`,
        {
          metadata: {
            name: PARTS.collectorSampler,
            namespace,
            labels: { ...commonLabels(COMPONENT), ...samplers },
          },
          spec: {
            clusterIP: "None",
            selector: samplers,
            ports: [{ name: "otlp-grpc", port: PORTS.otlpGrpc, targetPort: "otlp-grpc", protocol: "TCP" }],
          },
        },
        { parent: this },
      );
    }

    const host = serviceHost(PARTS.collector, namespace);
    this.otlpGrpcEndpoint = pulumi.output(`http://${host}:${PORTS.otlpGrpc}`);
    this.otlpHttpEndpoint = pulumi.output(`http://${host}:${PORTS.otlpHttp}`);
    this.registerOutputs({ otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
  }

  /**
   * The ServiceAccount of the tier that enriches spans, allowed to read pods, namespaces and
   * replicasets cluster-wide: the instrumented services live in their own namespaces.
   */
  private kubernetesReader(name: string, namespace: string, tier: CollectorTierPlan): k8s.core.v1.ServiceAccount {
    const labels = { ...commonLabels(COMPONENT), ...selectorLabels(tier.part) };
    const account = new k8s.core.v1.ServiceAccount(
      name,
      { metadata: { name: tier.part, namespace, labels } },
      { parent: this },
    );
    // Cluster-scoped names are shared by every namespace: the tracing namespace makes them unique.
    const clusterName = `${namespace}-${tier.part}`;
    const role = new k8s.rbac.v1.ClusterRole(
      name,
      {
        metadata: { name: clusterName, labels },
        rules: [
          { apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "watch", "list"] },
          { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "watch", "list"] },
        ],
      },
      { parent: this },
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      name,
      {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
      },
      { parent: this },
    );
    return account;
  }

  /** One tier: its generated config, its Deployment, and a disruption budget when it has replicas to spare. */
  private tier(
    tier: CollectorTierPlan,
    namespace: string,
    collector: CollectorConfig,
    reader: k8s.core.v1.ServiceAccount | undefined,
  ): void {
    const pods = selectorLabels(tier.part);
    const labels = { ...commonLabels(COMPONENT), ...pods, "order-tracing/collector-role": tier.role };
    const metadata = { name: tier.part, namespace, labels };
    const child = { parent: this };
    const configText = renderCollectorConfig(buildCollectorConfig(tier.settings));

    const configMap = new k8s.core.v1.ConfigMap(
      tier.part,
      { metadata, data: { [COLLECTOR_CONFIG_FILE]: configText } },
      child,
    );
    const account =
      reader ?? new k8s.core.v1.ServiceAccount(tier.part, { metadata, automountServiceAccountToken: false }, child);

    new k8s.apps.v1.Deployment(
      tier.part,
      {
        metadata,
        spec: buildCollectorDeploymentSpec({
          tier,
          collector,
          pods,
          labels,
          configText,
          configMapName: configMap.metadata.name,
          serviceAccountName: account.metadata.name,
          readsKubernetes: reader !== undefined,
        }),
      },
      child,
    );

    if (tier.replicas > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        tier.part,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: pods } } },
        child,
      );
    }
  }
}
