import { DURATION_FORM, parseDuration } from "../../cli/report/duration";
import { TERMINAL_STATUSES } from "../../contract/trace";
import { dnsLabel } from "./validators";
import type { ConfigReader } from "./read";
import type { ConfigKeyDoc } from "./reference";
import type { ReportConfig } from "./report";
import { hasErrorsUnder, refuseUnknownFields } from "./sections";

/**
 * `order-tracing:monitoring`: alerting rules and the Grafana dashboard on the metrics of
 * `order-tracing report --serve` (docs/alerts.md). Absent when the section is not set.
 */
export interface MonitoringConfig {
  /** Render a PrometheusRule (Prometheus Operator); otherwise a ConfigMap with the plain rules file. */
  prometheusRule: boolean;
  /** Labels of the PrometheusRule / rules ConfigMap, e.g. the operator's ruleSelector (`release: …`). */
  ruleLabels: Record<string, string>;
  /** Per status: alert when its oldest stuck order has been there longer than this (ms). */
  stuckAlertAfterMs: Record<string, number>;
  /** The threshold of every other status (ms). */
  defaultStuckAlertAfterMs: number;
  /** How long a stuck condition holds before the alert fires (ms). */
  alertForMs: number;
  /** How long the exporter's reads must fail (or its metrics be missing) before alerting (ms). */
  readFailureForMs: number;
  /** Render the dashboard as a ConfigMap labelled for Grafana's sidecar. */
  grafanaDashboard: boolean;
  /** Where that ConfigMap goes (the namespace Grafana's sidecar watches); default the tracing namespace. */
  dashboardNamespace?: string;
}

export const MONITORING_DEFAULTS = {
  defaultStuckAlertAfter: "2h",
  alertFor: "10m",
  readFailureFor: "15m",
} as const;

const FIELDS = {
  monitoring: [
    "prometheusRule",
    "ruleLabels",
    "stuckAlertAfter",
    "defaultStuckAlertAfter",
    "alertFor",
    "readFailureFor",
    "grafanaDashboard",
    "dashboardNamespace",
  ],
} as const;

/** An order status as the order services write it (`SENT_TO_MES`). */
const STATUS = /^[A-Z][A-Z0-9_]*$/;
/** A Kubernetes label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function durationMs(read: ConfigReader, key: string, fallback: string): number {
  const text = read.string(key, fallback, (v) =>
    parseDuration(v) === undefined ? `expected ${DURATION_FORM}, got "${v}"` : undefined,
  );
  return parseDuration(text) ?? parseDuration(fallback)!;
}

/**
 * Reads `order-tracing:monitoring`. The rules and the dashboard read the exporter's metrics, so the
 * section needs `report.serve: true`; a threshold below `report.stuckAfter` could never fire (the
 * exporter counts an order as stuck only after that), so it is refused.
 */
export function readMonitoringConfig(
  read: ConfigReader,
  report: ReportConfig | undefined,
): MonitoringConfig | undefined {
  const fields = read.fieldsOf("monitoring");
  if (fields === undefined) return undefined;
  refuseUnknownFields(read, FIELDS);
  if (report?.serve === undefined) {
    read.fail(
      "monitoring",
      "set, but the report exporter is not: the alerts and the dashboard read the metrics of `order-tracing report " +
        "--serve`; set report.enabled: true and report.serve: true (docs/alerts.md), or remove monitoring",
    );
  }

  const stuckAlertAfterMs: Record<string, number> = {};
  for (const status of read.fieldsOf("monitoring.stuckAlertAfter") ?? []) {
    const key = `monitoring.stuckAlertAfter.${status}`;
    if (!STATUS.test(status)) {
      read.fail(key, `expected an order status in capitals such as SENT_TO_MES, got "${status}"`);
      continue;
    }
    if ((TERMINAL_STATUSES as readonly string[]).includes(status)) {
      read.fail(key, `${status} is terminal: an order there is finished and never stuck; remove it`);
      continue;
    }
    stuckAlertAfterMs[status] = durationMs(read, key, "1h");
  }
  const config: MonitoringConfig = {
    prometheusRule: read.boolean("monitoring.prometheusRule", false),
    ruleLabels: readLabels(read, "monitoring.ruleLabels"),
    stuckAlertAfterMs,
    defaultStuckAlertAfterMs: durationMs(
      read,
      "monitoring.defaultStuckAlertAfter",
      MONITORING_DEFAULTS.defaultStuckAlertAfter,
    ),
    alertForMs: durationMs(read, "monitoring.alertFor", MONITORING_DEFAULTS.alertFor),
    readFailureForMs: durationMs(read, "monitoring.readFailureFor", MONITORING_DEFAULTS.readFailureFor),
    grafanaDashboard: read.boolean("monitoring.grafanaDashboard", false),
    dashboardNamespace: read.string("monitoring.dashboardNamespace", undefined, dnsLabel),
  };

  const stuckAfterMs = report ? parseDuration(report.stuckAfter) : undefined;
  if (stuckAfterMs !== undefined && !hasErrorsUnder(read, "monitoring.stuckAlertAfter")) {
    const thresholds: [string, number][] = [
      ...Object.entries(stuckAlertAfterMs).map(([s, ms]): [string, number] => [`monitoring.stuckAlertAfter.${s}`, ms]),
      ["monitoring.defaultStuckAlertAfter", config.defaultStuckAlertAfterMs],
    ];
    for (const [key, ms] of thresholds) {
      if (ms < stuckAfterMs && !hasErrorsUnder(read, key)) {
        read.fail(
          key,
          `shorter than report.stuckAfter (${report!.stuckAfter}): the exporter counts an order as stuck only after ` +
            `report.stuckAfter, so this alert could never fire that early; raise it or lower report.stuckAfter`,
        );
      }
    }
  }
  return config;
}

function readLabels(read: ConfigReader, key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const name of read.fieldsOf(key) ?? []) {
    if (!LABEL_KEY.test(name) || name.length > 316) {
      read.fail(`${key}.${name}`, `expected a Kubernetes label key such as "release", got "${name}"`);
      continue;
    }
    const value = read.string(`${key}.${name}`, "", (v) =>
      LABEL_VALUE.test(v) && v.length <= 63 ? undefined : `expected a Kubernetes label value, got "${v}"`,
    );
    labels[name] = value;
  }
  return labels;
}

/** The `order-tracing:*` keys this module reads (alerting and the dashboard): docs/configuration.md is generated from them. */
export const MONITORING_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["monitoring.prometheusRule", "monitoring.ruleLabels"],
    type: "boolean, labels",
    default: "`false`, `{}`",
    meaning:
      "render the alerting rules as a PrometheusRule (Prometheus Operator) with these labels; otherwise as the ConfigMap `order-tracing-prometheus-rules`. Needs `report.serve: true`. See [Alerts](alerts.md)",
  },
  {
    keys: ["monitoring.stuckAlertAfter", "monitoring.defaultStuckAlertAfter"],
    type: "map status → duration, duration",
    default: `\`{}\`, \`${MONITORING_DEFAULTS.defaultStuckAlertAfter}\``,
    meaning:
      "alert when an order has been stuck in that status (every other status: the default) longer than this; at least `report.stuckAfter`",
  },
  {
    keys: ["monitoring.alertFor", "monitoring.readFailureFor"],
    type: "duration, duration",
    default: `\`${MONITORING_DEFAULTS.alertFor}\`, \`${MONITORING_DEFAULTS.readFailureFor}\``,
    meaning: "how long a stuck condition, or the exporter's failure to read Jaeger, holds before its alert fires",
  },
  {
    keys: ["monitoring.grafanaDashboard", "monitoring.dashboardNamespace"],
    type: "boolean, DNS label",
    default: "`false`, the tracing namespace",
    meaning: "render the Grafana dashboard as a ConfigMap labelled `grafana_dashboard` in that namespace",
  },
];
