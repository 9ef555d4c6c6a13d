import { SERVE_PORT } from "../cli/report/options";

/**
 * Names and ports of the pipeline's parts, defined once: components, network policies, the
 * injection, the local sandbox and the tests all read them from here.
 */
export const PORTS = {
  /** OTLP from the apps into the collector gateway (and from the collector into Jaeger). */
  otlpGrpc: 4317,
  otlpHttp: 4318,
  collectorHealth: 13133,
  /** The collector's own metrics (Prometheus pull): queue sizes, refused and dropped spans. */
  collectorMetrics: 8888,
  /** Jaeger query: HTTP API + UI, and gRPC API (api_v3 / api_v2). */
  jaegerQueryHttp: 16686,
  jaegerQueryGrpc: 16685,
  jaegerHealth: 13133,
  /** Jaeger's gRPC health service (healthcheckv2 always serves it; nothing outside the pod uses it). */
  jaegerHealthGrpc: 13132,
  /** Jaeger's own metrics (Prometheus pull). */
  jaegerMetrics: 8888,
  elasticsearchHttp: 9200,
  elasticsearchTransport: 9300,
  oauth2Proxy: 4180,
  /** `order-tracing report --serve`: /metrics for Prometheus, the stuck-orders page for the proxy. */
  orderReportHttp: SERVE_PORT,
  /** Cluster DNS (kube-dns / CoreDNS), UDP and TCP: egress NetworkPolicies must allow it. */
  dns: 53,
} as const;

/**
 * Cluster DNS as EKS, kubeadm and GKE run it: CoreDNS pods labelled k8s-app=kube-dns in kube-system.
 * The peer of every egress NetworkPolicy rule that allows name lookups (on PORTS.dns).
 */
export const CLUSTER_DNS_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** The `app.kubernetes.io/name` of each part; also the base name of its Kubernetes objects. */
export const PARTS = {
  collector: "otel-collector",
  /** Second tier of the two-tier collector layout: tail sampling behind the trace-id load balancer. */
  collectorSampler: "otel-collector-sampler",
  jaeger: "jaeger",
  elasticsearch: "elasticsearch",
  indexCleaner: "jaeger-index-cleaner",
  oauth2Proxy: "oauth2-proxy",
  /** The scheduled `order-tracing report` (CronJob): reads Jaeger query, logs the JSON. */
  orderReport: "order-report",
} as const;

export type Part = (typeof PARTS)[keyof typeof PARTS];

/**
 * The label of the app namespaces whose workloads are instrumented (Shop, CRM, MES): the injection
 * sets it on those namespaces, and the collector's NetworkPolicy admits OTLP from them.
 */
export const INSTRUMENTED_NAMESPACE_LABEL = { key: "order-tracing/instrumented", value: "true" } as const;

/** The labels a part's pods carry and its Services and NetworkPolicies select on. */
export function selectorLabels(part: Part): Record<string, string> {
  return { "app.kubernetes.io/name": part, "app.kubernetes.io/instance": "order-tracing" };
}

/** In-cluster DNS name of a part's Service. */
export function serviceHost(part: Part, namespace: string): string {
  return `${part}.${namespace}.svc.cluster.local`;
}
