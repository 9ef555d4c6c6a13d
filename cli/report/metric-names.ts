/**
 * Names and labels of the metrics of `order-tracing report --serve`: a contract. The exporter
 * (./metrics.ts), the alerting rules (infra/monitoring/rules.ts) and the Grafana dashboard
 * (infra/monitoring/dashboard.ts) read them from here, and docs/alerts.md lists them. No imports,
 * so the stack reads them without loading the exporter's library.
 */

export const METRIC_PREFIX = "order_tracing_";

export const METRIC_NAMES = {
  ordersStuck: "order_tracing_orders_stuck",
  oldestStuckAge: "order_tracing_oldest_stuck_order_age_seconds",
  ordersInStatus: "order_tracing_orders_in_status",
  timeInStatus: "order_tracing_time_in_status_seconds",
  serviceTimeShare: "order_tracing_service_time_share",
  readSuccess: "order_tracing_report_read_success",
  readsTotal: "order_tracing_report_reads_total",
  readDuration: "order_tracing_report_read_duration_seconds",
  lastSuccess: "order_tracing_report_last_success_timestamp_seconds",
  ordersTracked: "order_tracing_report_orders_tracked",
  tracesHeld: "order_tracing_report_traces_held",
} as const;

/** The labels the metrics carry; the rules and the dashboard group by these. */
export const METRIC_LABELS = { status: "status", service: "service", result: "result" } as const;

/**
 * Time-in-status buckets, seconds to days: a status left within a second (CRM's automatic steps),
 * minutes (MES start), hours (an operator's approval, production) and days (shipping).
 */
export const TIME_IN_STATUS_BUCKETS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 345_600, 604_800,
];
