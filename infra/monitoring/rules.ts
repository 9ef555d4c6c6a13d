import * as yaml from "js-yaml";
import { formatDuration } from "../../cli/report/duration";
import { METRIC_NAMES } from "../../cli/report/metric-names";

/**
 * The alerting rules on the metrics of `order-tracing report --serve`, as data: one builder for
 * both the Prometheus Operator's PrometheusRule (infra/components/order-report) and the plain
 * Prometheus rules file (`rulesFileYaml`), which promtool tests and the sandbox's Prometheus loads.
 */

export const ALERTS = {
  stuck: "OrderTracingOrdersStuck",
  cannotRead: "OrderTracingReportCannotReadJaeger",
  absent: "OrderTracingReportAbsent",
} as const;

export const RULE_GROUP = "order-tracing";

export interface AlertRulesSettings {
  /** Alert when the oldest stuck order of a status has been there longer than this (ms), per status. */
  stuckThresholdsMs: Readonly<Record<string, number>>;
  /** The threshold of every status not listed above (ms). */
  defaultStuckThresholdMs: number;
  /** How long a stuck condition must hold before the alert fires (ms). */
  stuckForMs: number;
  /** How long reads of Jaeger must keep failing (or the metrics be missing) before alerting (ms). */
  readFailureForMs: number;
  /** How often Prometheus evaluates the group (ms); the server's global interval when absent. */
  evaluationIntervalMs?: number;
  /** The page that lists the stuck orders, linked from the alerts. */
  pageUrl?: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertingRule[];
}

/** Prometheus's duration form (`1h30m`, `45s`); a whole number of milliseconds at least. */
export function promDuration(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ];
  let rest = Math.round(ms);
  let text = "";
  for (const [unit, size] of units) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text || "0s";
}

/** A PromQL regex that matches exactly these label values. */
const exactly = (values: readonly string[]) => values.map((v) => v.replace(/[\\.^$|?*+()[\]{}]/g, "\\$&")).join("|");

export function buildAlertRuleGroups(settings: AlertRulesSettings): RuleGroup[] {
  const page = settings.pageUrl ? ` Stuck orders, their service and trace: ${settings.pageUrl}` : "";
  const stuckRule = (selector: string, thresholdMs: number, statusText: string): AlertingRule => ({
    alert: ALERTS.stuck,
    expr: `max by (status) (${METRIC_NAMES.oldestStuckAge}${selector}) > ${thresholdMs / 1000}`,
    for: promDuration(settings.stuckForMs),
    labels: { severity: "warning", threshold: formatDuration(thresholdMs) },
    annotations: {
      summary: `Orders stuck in ${statusText} for longer than ${formatDuration(thresholdMs)}`,
      description:
        "The oldest order in {{ $labels.status }} has been there for {{ $value | humanizeDuration }}; " +
        `${METRIC_NAMES.ordersStuck} gives the count per service.${page}`,
    },
  });
  const listed = Object.keys(settings.stuckThresholdsMs).sort();
  const rules: AlertingRule[] = [
    ...listed.map((status) => stuckRule(`{status="${status}"}`, settings.stuckThresholdsMs[status], status)),
    stuckRule(
      listed.length > 0 ? `{status!~"${exactly(listed)}"}` : "",
      settings.defaultStuckThresholdMs,
      "{{ $labels.status }}",
    ),
    {
      alert: ALERTS.cannotRead,
      expr: `max(${METRIC_NAMES.readSuccess}) == 0`,
      for: promDuration(settings.readFailureForMs),
      labels: { severity: "warning" },
      annotations: {
        summary: "The order report cannot read Jaeger",
        description:
          "order-tracing report --serve has failed to read Jaeger query for {{ $labels.for }} or longer; stuck orders " +
          "are not being detected. Its log names the reason (Jaeger unreachable, or an answer it cannot read).",
      },
    },
    {
      alert: ALERTS.absent,
      expr: `absent(${METRIC_NAMES.readSuccess})`,
      for: promDuration(settings.readFailureForMs),
      labels: { severity: "warning" },
      annotations: {
        summary: "No metrics from the order report",
        description:
          "Prometheus has no order_tracing_report_* series: the order-report Deployment is down, or its scrape " +
          "(prometheus.io/* annotations, the NetworkPolicy's scraper namespace) does not reach it.",
      },
    },
  ];
  // The annotation of the read-failure rule names its own hold time.
  for (const rule of rules)
    rule.annotations.description = rule.annotations.description.replace("{{ $labels.for }}", rule.for);
  return [
    {
      name: RULE_GROUP,
      ...(settings.evaluationIntervalMs === undefined ? {} : { interval: promDuration(settings.evaluationIntervalMs) }),
      rules,
    },
  ];
}

/** The plain Prometheus rules file (`rule_files:`) for clusters without the Prometheus Operator. */
export function rulesFileYaml(groups: readonly RuleGroup[]): string {
  return (
    "# Generated by infra/monitoring/rules.ts (docs/alerts.md); do not edit.\n" +
    yaml.dump({ groups }, { lineWidth: -1, noRefs: true, sortKeys: false })
  );
}
