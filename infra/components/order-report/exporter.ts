import type * as k8s from "@pulumi/kubernetes";
import { SERVE_PATHS } from "../../../cli/report/serve-paths";
import { PORTS } from "../../topology";
import { buildReportNetworkPolicy, CONTAINER_SECURITY, POD_SECURITY, RESOURCES } from "./cronjob";

type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** The exporter's container port name (the Service and the probes refer to it). */
const PORT_NAME = "http";

/**
 * The `prometheus.io/*` annotations that annotation-based scrape configs (the Prometheus Helm
 * chart's `kubernetes-pods` and `kubernetes-service-endpoints` jobs) follow; on the pods and the
 * Service alike.
 */
export const SCRAPE_ANNOTATIONS: Record<string, string> = {
  "prometheus.io/scrape": "true",
  "prometheus.io/port": String(PORTS.orderReportHttp),
  "prometheus.io/path": SERVE_PATHS.metrics,
};

export interface ReportExporterParams {
  image: string;
  jaegerQueryUrl: string;
  jaegerUiUrl?: string;
  since: string;
  stuckAfter: string;
  /** Time between reads of Jaeger (`--interval`). */
  interval: string;
  serviceAccountName: string;
  /** Labels of the exporter's pods (the Deployment's selector is `selector`, a subset). */
  podLabels: Record<string, string>;
  selector: Record<string, string>;
}

/** `order-tracing report --serve` as the Deployment runs it: all interfaces of the pod, one port. */
export function exporterArgs(
  params: Pick<ReportExporterParams, "jaegerQueryUrl" | "jaegerUiUrl" | "since" | "stuckAfter" | "interval">,
): string[] {
  return [
    "report",
    "--jaeger-url",
    params.jaegerQueryUrl,
    "--serve",
    "--listen",
    `0.0.0.0:${PORTS.orderReportHttp}`,
    "--interval",
    params.interval,
    "--since",
    params.since,
    "--stuck-after",
    params.stuckAfter,
    ...(params.jaegerUiUrl ? ["--jaeger-ui-url", params.jaegerUiUrl] : []),
  ];
}

/**
 * One replica: the exporter holds the window in memory and two replicas would only double the reads
 * of Jaeger (and the series). Recreate, not a rolling update, for the same reason.
 */
export function buildReportExporterDeploymentSpec(params: ReportExporterParams): DeploymentSpec {
  const probe = (periodSeconds: number) => ({
    httpGet: { path: SERVE_PATHS.health, port: PORT_NAME },
    periodSeconds,
    timeoutSeconds: 5,
  });
  return {
    replicas: 1,
    strategy: { type: "Recreate" },
    selector: { matchLabels: params.selector },
    template: {
      metadata: { labels: params.podLabels, annotations: SCRAPE_ANNOTATIONS },
      spec: {
        serviceAccountName: params.serviceAccountName,
        // The exporter talks only to Jaeger query, never to the Kubernetes API.
        automountServiceAccountToken: false,
        securityContext: POD_SECURITY,
        containers: [
          {
            name: "report",
            image: params.image,
            args: exporterArgs(params),
            ports: [{ name: PORT_NAME, containerPort: PORTS.orderReportHttp, protocol: "TCP" }],
            readinessProbe: probe(10),
            livenessProbe: { ...probe(30), failureThreshold: 5 },
            resources: RESOURCES,
            securityContext: CONTAINER_SECURITY,
          },
        ],
      },
    },
  };
}

export function buildReportExporterServiceSpec(selector: Record<string, string>): ServiceSpec {
  return {
    type: "ClusterIP",
    selector,
    ports: [{ name: PORT_NAME, port: PORTS.orderReportHttp, targetPort: PORT_NAME, protocol: "TCP" }],
  };
}

/**
 * The exporter's pods: Prometheus (pods of the scraper namespace) and the OIDC proxy (the page) may
 * connect to the exporter's port, and nothing else; they reach only Jaeger query and cluster DNS.
 */
export function buildReportExporterNetworkPolicy(parts: {
  exporterPods: Record<string, string>;
  jaegerPods: Record<string, string>;
  scraperNamespace: string;
  /** The OIDC proxy's pods, when the access path serves the page. */
  proxyPods?: Record<string, string>;
}): NetworkPolicySpec {
  const port = [{ protocol: "TCP", port: PORTS.orderReportHttp }];
  return buildReportNetworkPolicy(parts.exporterPods, parts.jaegerPods, [
    {
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": parts.scraperNamespace } } }],
      ports: port,
    },
    ...(parts.proxyPods ? [{ from: [{ podSelector: { matchLabels: parts.proxyPods } }], ports: port }] : []),
  ]);
}
