import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../cli/report/metric-names";
import { run } from "../../test/support/project";
import { buildStuckOrdersDashboard, dashboardQueries } from "./dashboard";
import { ALERTS, buildAlertRuleGroups, rulesFileYaml } from "./rules";

/**
 * The alerting rules under Prometheus's own rule unit tester (`promtool test rules`, Debian's
 * prometheus package, installed by scripts/install-system-deps.sh) on synthetic series: the
 * per-status thresholds, the default threshold, the hold time, and the read-failure rules.
 */

const PROMTOOL = "/usr/bin/promtool";
const MINUTE = 60_000;
const PAGE = "https://tracing.internal.example/orders/";
const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const groups = buildAlertRuleGroups({
  stuckThresholdsMs: { SENT_TO_MES: 30 * MINUTE, ACCEPTED: 120 * MINUTE },
  defaultStuckThresholdMs: 60 * MINUTE,
  stuckForMs: 5 * MINUTE,
  readFailureForMs: 10 * MINUTE,
  pageUrl: PAGE,
});

const age = (status: string) => `${METRIC_NAMES.oldestStuckAge}{status="${status}"}`;
/** The annotations Prometheus renders for a stuck alert (`$value` is the oldest age, in seconds). */
const stuckAnnotations = (summary: string, status: string, humanized: string) => ({
  summary,
  description:
    `The oldest order in ${status} has been there for ${humanized}; ${METRIC_NAMES.ordersStuck} gives the count ` +
    `per service. Stuck orders, their service and trace: ${PAGE}`,
});
const cannotRead = groups[0].rules.find((r) => r.alert === ALERTS.cannotRead)!.annotations;
const absent = groups[0].rules.find((r) => r.alert === ALERTS.absent)!.annotations;

const tests = {
  rule_files: ["rules.yml"],
  evaluation_interval: "1m",
  tests: [
    {
      name: "stuck orders: per-status and default thresholds, after the hold time",
      interval: "1m",
      input_series: [
        // The oldest stuck order's age grows a minute per minute.
        { series: age("SENT_TO_MES"), values: "0+60x90" },
        { series: age("ACCEPTED"), values: "0+60x90" },
        { series: age("IN_PRODUCTION"), values: "0+60x90" },
        { series: METRIC_NAMES.readSuccess, values: "1x90" },
      ],
      alert_rule_test: [
        // 31 min > 30 min since minute 31, pending for 5 minutes: nothing yet at 33 min.
        { eval_time: "33m", alertname: ALERTS.stuck, exp_alerts: [] },
        {
          eval_time: "40m",
          alertname: ALERTS.stuck,
          exp_alerts: [
            {
              exp_labels: { severity: "warning", threshold: "30m", status: "SENT_TO_MES" },
              exp_annotations: stuckAnnotations(
                "Orders stuck in SENT_TO_MES for longer than 30m",
                "SENT_TO_MES",
                "40m 0s",
              ),
            },
          ],
        },
        {
          // IN_PRODUCTION has no threshold of its own: the default hour applies; ACCEPTED's 2h is not reached.
          eval_time: "70m",
          alertname: ALERTS.stuck,
          exp_alerts: [
            {
              exp_labels: { severity: "warning", threshold: "30m", status: "SENT_TO_MES" },
              exp_annotations: stuckAnnotations(
                "Orders stuck in SENT_TO_MES for longer than 30m",
                "SENT_TO_MES",
                "1h 10m 0s",
              ),
            },
            {
              exp_labels: { severity: "warning", threshold: "1h", status: "IN_PRODUCTION" },
              exp_annotations: stuckAnnotations(
                "Orders stuck in IN_PRODUCTION for longer than 1h",
                "IN_PRODUCTION",
                "1h 10m 0s",
              ),
            },
          ],
        },
        { eval_time: "70m", alertname: ALERTS.cannotRead, exp_alerts: [] },
        { eval_time: "70m", alertname: ALERTS.absent, exp_alerts: [] },
      ],
    },
    {
      name: "the report cannot read Jaeger",
      interval: "1m",
      input_series: [{ series: METRIC_NAMES.readSuccess, values: "1x10 0x30" }],
      alert_rule_test: [
        { eval_time: "15m", alertname: ALERTS.cannotRead, exp_alerts: [] },
        {
          eval_time: "25m",
          alertname: ALERTS.cannotRead,
          exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: cannotRead }],
        },
        { eval_time: "25m", alertname: ALERTS.stuck, exp_alerts: [] },
      ],
    },
    {
      name: "no metrics from the report at all",
      interval: "1m",
      input_series: [{ series: 'up{job="other"}', values: "1x30" }],
      alert_rule_test: [
        { eval_time: "5m", alertname: ALERTS.absent, exp_alerts: [] },
        {
          eval_time: "15m",
          alertname: ALERTS.absent,
          exp_alerts: [{ exp_labels: { severity: "warning" }, exp_annotations: absent }],
        },
      ],
    },
  ],
};

describe("alerting rules under promtool", () => {
  it("pass promtool check rules and promtool test rules on synthetic series", async () => {
    writeFileSync(path.join(dir, "rules.yml"), rulesFileYaml(groups));
    writeFileSync(path.join(dir, "rules.test.yml"), yaml.dump(tests, { lineWidth: -1 }));
    const check = await run(PROMTOOL, ["check", "rules", "rules.yml"], { cwd: dir, timeoutMs: 60_000 });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: 5 rules found/);
    const test = await run(PROMTOOL, ["test", "rules", "rules.test.yml"], { cwd: dir, timeoutMs: 60_000 });
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/SUCCESS/);
  });

  it("fails promtool when a threshold is not met (the tests can fail)", async () => {
    const wrong = structuredClone(tests);
    wrong.tests[0].alert_rule_test[0] = wrong.tests[0].alert_rule_test[1];
    wrong.tests[0].alert_rule_test[0].eval_time = "33m";
    writeFileSync(path.join(dir, "rules.yml"), rulesFileYaml(groups));
    writeFileSync(path.join(dir, "wrong.test.yml"), yaml.dump(wrong, { lineWidth: -1 }));
    const test = await run(PROMTOOL, ["test", "rules", "wrong.test.yml"], { cwd: dir, timeoutMs: 60_000 });
    expect(test.code).not.toBe(0);
    expect(test.stdout + test.stderr).toMatch(new RegExp(ALERTS.stuck));
  });
});

describe("the dashboard's queries", () => {
  it("are valid PromQL (promtool check rules, Grafana's interval macros replaced)", async () => {
    const exprs = dashboardQueries(buildStuckOrdersDashboard());
    expect(exprs.length).toBeGreaterThan(10);
    const rules = exprs.map((expr, i) => ({
      record: `order_tracing:dashboard_query_${i + 1}`,
      expr: expr.replaceAll("$__rate_interval", "5m").replaceAll("$__interval", "1m"),
    }));
    writeFileSync(path.join(dir, "dashboard.yml"), yaml.dump({ groups: [{ name: "dashboard", rules }] }));
    const check = await run(PROMTOOL, ["check", "rules", "dashboard.yml"], { cwd: dir, timeoutMs: 60_000 });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
