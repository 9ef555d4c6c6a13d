import { describe, expect, it } from "vitest";
import { readMonitoringConfig } from "./monitoring";
import { ConfigReader } from "./read";
import { readReportConfig } from "./report";

const SERVE = { enabled: true, image: "cli:1", serve: true, stuckAfter: "30m" };

function read(raw: Record<string, unknown>) {
  const reader = new ConfigReader(raw);
  const config = readMonitoringConfig(reader, readReportConfig(reader));
  return { config, errors: reader.errors.map((e) => e.message) };
}

describe("readMonitoringConfig", () => {
  it("is absent unless set", () => {
    expect(read({ report: SERVE })).toEqual({ config: undefined, errors: [] });
  });

  it("takes the defaults, and reads per-status thresholds and rule labels", () => {
    expect(read({ report: SERVE, monitoring: {} })).toEqual({
      errors: [],
      config: {
        prometheusRule: false,
        ruleLabels: {},
        stuckAlertAfterMs: {},
        defaultStuckAlertAfterMs: 2 * 3_600_000,
        alertForMs: 600_000,
        readFailureForMs: 900_000,
        grafanaDashboard: false,
        dashboardNamespace: undefined,
      },
    });
    const { config, errors } = read({
      report: SERVE,
      monitoring: {
        prometheusRule: "true",
        ruleLabels: { release: "kube-prometheus-stack" },
        stuckAlertAfter: { SENT_TO_MES: "30m", ACCEPTED: "4h" },
        defaultStuckAlertAfter: "1d",
        alertFor: "5m",
        grafanaDashboard: true,
        dashboardNamespace: "grafana",
      },
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      prometheusRule: true,
      ruleLabels: { release: "kube-prometheus-stack" },
      stuckAlertAfterMs: { SENT_TO_MES: 1_800_000, ACCEPTED: 4 * 3_600_000 },
      defaultStuckAlertAfterMs: 86_400_000,
      alertForMs: 300_000,
      grafanaDashboard: true,
      dashboardNamespace: "grafana",
    });
  });

  it("needs the exporter: the rules and the dashboard read its metrics", () => {
    expect(read({ report: { enabled: true, image: "cli:1" }, monitoring: { prometheusRule: true } }).errors).toEqual([
      "order-tracing:monitoring: set, but the report exporter is not: the alerts and the dashboard read the metrics of `order-tracing report --serve`; set report.enabled: true and report.serve: true (docs/alerts.md), or remove monitoring",
    ]);
  });

  it("names every wrong key with the expected form", () => {
    const { errors } = read({
      report: SERVE,
      monitoring: {
        prometheusRules: true,
        stuckAlertAfter: { sent_to_mes: "1h", DELIVERED: "1h", ACCEPTED: "soon", APPROVED: "10m" },
        alertFor: "5 minutes",
        ruleLabels: { "bad key!": "x", release: "not a value" },
        dashboardNamespace: "Grafana",
      },
    });
    expect(errors).toEqual([
      "order-tracing:monitoring.prometheusRules: unknown key; known keys are prometheusRule, ruleLabels, stuckAlertAfter, defaultStuckAlertAfter, alertFor, readFailureFor, grafanaDashboard, dashboardNamespace (is it a typo?)",
      'order-tracing:monitoring.stuckAlertAfter.sent_to_mes: expected an order status in capitals such as SENT_TO_MES, got "sent_to_mes"',
      "order-tracing:monitoring.stuckAlertAfter.DELIVERED: DELIVERED is terminal: an order there is finished and never stuck; remove it",
      expect.stringMatching(/^order-tracing:monitoring\.stuckAlertAfter\.ACCEPTED: expected a duration .*got "soon"$/),
      'order-tracing:monitoring.ruleLabels.bad key!: expected a Kubernetes label key such as "release", got "bad key!"',
      'order-tracing:monitoring.ruleLabels.release: expected a Kubernetes label value, got "not a value"',
      expect.stringMatching(/^order-tracing:monitoring\.alertFor: expected a duration .*got "5 minutes"$/),
      expect.stringMatching(
        /^order-tracing:monitoring\.dashboardNamespace: expected a DNS-1123 label .*got "Grafana"$/,
      ),
    ]);
  });

  it("refuses a threshold below report.stuckAfter, which could never fire", () => {
    expect(
      read({ report: SERVE, monitoring: { stuckAlertAfter: { APPROVED: "10m" }, defaultStuckAlertAfter: "20m" } })
        .errors,
    ).toEqual([
      "order-tracing:monitoring.stuckAlertAfter.APPROVED: shorter than report.stuckAfter (30m): the exporter counts an order as stuck only after report.stuckAfter, so this alert could never fire that early; raise it or lower report.stuckAfter",
      "order-tracing:monitoring.defaultStuckAlertAfter: shorter than report.stuckAfter (30m): the exporter counts an order as stuck only after report.stuckAfter, so this alert could never fire that early; raise it or lower report.stuckAfter",
    ]);
  });
});
