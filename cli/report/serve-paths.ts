/**
 * The paths the exporter serves; the Deployment's probes and Prometheus's scrape use them. The page
 * is also served under `proxiedPage`: the OIDC proxy in front of the Jaeger UI routes that prefix to
 * the exporter (it keeps the path, and the longest prefix wins over Jaeger's `/`), so people reach
 * the page at `https://<UI host>/stuck-orders/` and nothing else of the exporter (no /metrics).
 */
export const SERVE_PATHS = {
  page: "/",
  proxiedPage: "/stuck-orders/",
  metrics: "/metrics",
  health: "/healthz",
} as const;
