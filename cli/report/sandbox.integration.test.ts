import { setTimeout as delay } from "node:timers/promises";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEndpoints } from "../local/endpoints";
import { fakeCustomer, fakeModel } from "../local/fake-customers";
import { OrderPath } from "../local/order-path";
import type { ScenarioName, ScenarioResult } from "../local/scenarios";
import { REPO, run } from "../../test/support/project";
import type { ReportJson } from "./format";
import { fetchWindow } from "./jaeger-client";
import { parseDuration } from "./duration";
import { buildReport } from "./lifecycle";
import { HAPPY_PATH } from "../../contract/trace";
import { TERMINAL } from "./order-contract";
import { statusOwnersArg } from "./options";
import { readDevStack } from "../local/pipeline";
import { freePort, LOOPBACK, startProcess, waitForHttp } from "../../sandbox/process";
import { ALERTS, buildAlertRuleGroups, rulesFileYaml } from "../../infra/monitoring/rules";
import { METRIC_NAMES } from "./metric-names";
import { startPrometheus, type PrometheusAlert, type PrometheusSample } from "./testing/prometheus";
import { pollUntil } from "../../test/support/poll";

/**
 * The report on the real order path: the sandbox (`order-tracing local up`: Shop, CRM, MES with
 * the instrumentation bundle, RabbitMQ, S3, our collector and Jaeger v2 on the dev stack's
 * configs) runs the four scenarios of the brief, and `order-tracing report` must attribute each
 * stuck order to the status it hangs in and the service where it stopped.
 */

const CLI = path.join(REPO, "bin", "order-tracing.js");
const SCENARIOS: ScenarioName[] = ["happy", "mes-logic-error", "broker-loss", "s3-model-deleted"];
/** The dev stack's collector holds each trace 30 s for its tail-sampling decision. */
const JAEGER_WAIT_MS = 180_000;
const STUCK_AFTER = "5s";
/** Where the last run's outputs go, for docs/report.md. */
const SAMPLE_DIR = process.env.ORDER_TRACING_REPORT_SAMPLE_DIR;

const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-report-sandbox-"));
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: REPO, timeoutMs: 420_000 });
/** The dev stack's status owners (CRM records MES's statuses for it), as the CronJob passes them. */
const STATUS_OWNERS = statusOwnersArg(readDevStack(REPO).reportStatusOwners);
let endpoints: SandboxEndpoints;
const results = new Map<ScenarioName, ScenarioResult>();
const orderOf = (scenario: ScenarioName, index = 0) => results.get(scenario)!.orders[index].orderId;
/** An order MES accepted and nobody started: it waits in MES, though its trace ends in CRM. */
let acceptedOrder: string;

beforeAll(async () => {
  const up = await cli("local", "up", "--json", "--dir", dir);
  expect(up.code, `local up failed:\n${up.stderr}`).toBe(0);
  endpoints = JSON.parse(up.stdout) as SandboxEndpoints;
  for (const scenario of SCENARIOS) {
    const outcome = await cli("local", "scenario", scenario, "--json", "--dir", dir);
    expect(outcome.code, `scenario ${scenario} failed:\n${outcome.stderr}\n${outcome.stdout}`).toBe(0);
    results.set(scenario, JSON.parse(outcome.stdout) as ScenarioResult);
  }
  const orders = new OrderPath(endpoints);
  acceptedOrder = await orders.placeOrder({
    customer: fakeCustomer(90),
    model: fakeModel(90),
    material: "PLA",
    quantity: 1,
  });
  expect((await orders.approve(acceptedOrder)).httpStatus).toBe(200);
  expect(await orders.waitForStatus(acceptedOrder, "ACCEPTED", 30_000)).toBe("ACCEPTED");
  // Wait until Jaeger holds every scenario's traces: each stuck order stuck, with its failure if any.
  const expectedStuck = [
    orderOf("mes-logic-error"),
    orderOf("broker-loss"),
    orderOf("s3-model-deleted"),
    acceptedOrder,
  ];
  const deadline = Date.now() + JAEGER_WAIT_MS;
  for (;;) {
    const now = Date.now();
    const fetched = await fetchWindow({
      baseUrl: new URL(endpoints.jaegerQuery),
      startMs: now - 3_600_000,
      endMs: now,
      pageSize: 1000,
    });
    const report = buildReport(fetched.spans, {
      now,
      stuckAfterMs: parseDuration(STUCK_AFTER)!,
      jaegerUiUrl: endpoints.jaegerQuery,
    });
    const stuck = new Map(report.stuck.map((s) => [s.orderId, s]));
    const happyOrders = results.get("happy")!.orders.length;
    const delivered = report.byStatus.find((r) => r.status === "DELIVERED")?.current ?? 0;
    const failuresIn = stuck.get(orderOf("mes-logic-error"))?.error && stuck.get(orderOf("s3-model-deleted"))?.error;
    if ((expectedStuck.every((id) => stuck.has(id)) && failuresIn && delivered >= happyOrders) || now > deadline) break;
    await delay(5_000);
  }
}, 900_000);

afterAll(async () => {
  await cli("local", "down", "--dir", dir);
  rmSync(dir, { recursive: true, force: true });
});

describe("order-tracing report on the sandbox's four scenarios", () => {
  let json: ReportJson;

  it("runs on the sandbox's Jaeger and prints the JSON contract", async () => {
    expect(STATUS_OWNERS).toBe("ACCEPTED=mes,IN_PRODUCTION=mes,MANUFACTURED=mes");
    const report = (...format: string[]) =>
      cli(
        "report",
        "--jaeger-url",
        endpoints.jaegerQuery,
        "--since",
        "1h",
        "--stuck-after",
        STUCK_AFTER,
        "--status-owners",
        STATUS_OWNERS,
        ...format,
      );
    const result = await report("--format", "json");
    expect(result.code, result.stderr).toBe(0);
    json = JSON.parse(result.stdout) as ReportJson;
    if (SAMPLE_DIR) {
      mkdirSync(SAMPLE_DIR, { recursive: true });
      writeFileSync(path.join(SAMPLE_DIR, "sandbox-report.json"), result.stdout);
      writeFileSync(path.join(SAMPLE_DIR, "sandbox-report.txt"), (await report()).stdout);
    }
    expect(Object.keys(json)).toEqual(["stuck", "byStatus", "byService", "summary"]);
  });

  it("lists exactly the scenarios' stuck orders, each in the status it hangs in", () => {
    expect(Object.fromEntries(json.stuck.map((s) => [s.orderId, s.status]))).toEqual({
      [orderOf("mes-logic-error")]: "ACCEPTED",
      [orderOf("broker-loss")]: "SENT_TO_MES",
      [orderOf("s3-model-deleted")]: "SENT_TO_MES",
      [acceptedOrder]: "ACCEPTED",
    });
  });

  it("mes-logic-error: MES failed at the production start request, with the exception type and its error", () => {
    const stuck = json.stuck.find((s) => s.orderId === orderOf("mes-logic-error"))!;
    expect(stuck).toMatchObject({ service: "mes", operation: "POST /orders/:id/start", reason: "failed" });
    expect(stuck.error).toMatch(/^TypeError \(HTTP 500\): .*nozzleTemperatureC/);
  });

  it("broker-loss: CRM recorded SENT_TO_MES and its trace ends at CRM's publish of the work order", () => {
    const stuck = json.stuck.find((s) => s.orderId === orderOf("broker-loss"))!;
    expect(stuck).toMatchObject({
      service: "crm",
      operation: "mes.work-orders publish",
      reason: "recorded-status",
      error: null,
      traceEnd: { service: "crm", operation: "mes.work-orders publish" },
    });
  });

  it("s3-model-deleted: MES's model fetch from S3 failed with NoSuchKey", () => {
    const stuck = json.stuck.find((s) => s.orderId === orderOf("s3-model-deleted"))!;
    expect(stuck).toMatchObject({
      service: "mes",
      operation: "S3.GetObject",
      reason: "failed",
      error: "NoSuchKey (HTTP 404)",
    });
  });

  it("accepted but never started: the order waits in MES, which owns ACCEPTED, though its trace ends in CRM", () => {
    // CRM records ACCEPTED when it consumes MES's status event; the stack names MES its owner. The
    // last thing MES did for the order was publishing that event.
    const stuck = json.stuck.find((s) => s.orderId === acceptedOrder)!;
    expect(stuck).toMatchObject({
      status: "ACCEPTED",
      service: "mes",
      operation: "crm.order-status publish",
      reason: "configured-owner",
      error: null,
      traceEnd: { service: "crm", operation: "crm.order-status process" },
    });
  });

  const reportWith = async (...owners: string[]) => {
    const result = await cli(
      "report",
      "--jaeger-url",
      endpoints.jaegerQuery,
      "--since",
      "1h",
      "--stuck-after",
      STUCK_AFTER,
      "--format",
      "json",
      ...owners,
    );
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as ReportJson).stuck;
  };

  it("without owners, the service that recorded the status holds the order", async () => {
    const stuck = await reportWith();
    expect(stuck.find((s) => s.orderId === acceptedOrder)).toMatchObject({
      service: "crm",
      operation: "crm.order-status process",
      reason: "recorded-status",
    });
    // A failure wins over any owner.
    expect(stuck.find((s) => s.orderId === orderOf("mes-logic-error"))).toMatchObject({
      service: "mes",
      reason: "failed",
    });
  });

  it("names an owner that never saw the order, without an operation", async () => {
    const stuck = await reportWith("--status-owners", "SENT_TO_MES=mes");
    // MES never received the lost work order: the owner has no span for it since the status change.
    expect(stuck.find((s) => s.orderId === orderOf("broker-loss"))).toMatchObject({
      service: "mes",
      operation: "",
      reason: "configured-owner",
    });
  });

  it("links each stuck order to a trace that Jaeger serves", async () => {
    for (const stuck of json.stuck) {
      expect(stuck.traceUrl.startsWith(`${endpoints.jaegerQuery.replace(/\/+$/, "")}/trace/`)).toBe(true);
      const traceId = stuck.traceUrl.split("/trace/")[1];
      const answer = await fetch(`${endpoints.jaegerQuery.replace(/\/+$/, "")}/api/v3/traces/${traceId}`);
      expect(answer.status).toBe(200);
    }
  });

  it("times every service of the order path and the statuses the orders passed", () => {
    expect(json.byService.map((s) => s.service).sort()).toEqual(["crm", "mes", "shop"]);
    expect(json.byService.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 3);
    const statuses = Object.fromEntries(json.byStatus.map((s) => [s.status, s]));
    expect(statuses.SENT_TO_MES.stuckCount).toBe(2);
    expect(statuses.ACCEPTED.stuckCount).toBe(2);
    // The happy orders went the whole way: every status before DELIVERED has a time.
    for (const status of HAPPY_PATH.filter((status) => !TERMINAL.has(status))) {
      expect(statuses[status]?.p50Ms, status).toBeTypeOf("number");
    }
    // Worst first: the two statuses with stuck orders lead.
    expect(
      json.byStatus
        .slice(0, 2)
        .map((s) => s.status)
        .sort(),
    ).toEqual(["ACCEPTED", "SENT_TO_MES"]);
  });
});

/**
 * The exporter on the same sandbox: `order-tracing report --serve` reads the sandbox's Jaeger, and a
 * real Prometheus (Debian's package) scrapes it every 2 s and evaluates the stack's alerting rules
 * (infra/monitoring/rules.ts) with short thresholds: it must see the scenarios' stuck orders per
 * status and service, and fire the stuck-orders alert for both statuses they hang in.
 */
describe("order-tracing report --serve scraped by a real Prometheus", () => {
  const serveDir = path.join(dir, "serve");
  let metricsText = "";
  let samples: PrometheusSample[] = [];
  let firing: PrometheusAlert[] = [];

  it("exports the stuck orders, and Prometheus fires the alert", async () => {
    const started = Date.now();
    const port = await freePort();
    const exporter = startProcess({
      name: "report-serve",
      command: process.execPath,
      args: [
        CLI,
        "report",
        "--jaeger-url",
        endpoints.jaegerQuery,
        "--serve",
        "--listen",
        `${LOOPBACK}:${port}`,
        "--interval",
        "3s",
        "--since",
        "1h",
        "--stuck-after",
        STUCK_AFTER,
        "--status-owners",
        STATUS_OWNERS,
      ],
      cwd: REPO,
      logDir: serveDir,
    });
    const prometheus = await startPrometheus({
      target: `${LOOPBACK}:${port}`,
      job: "order-report",
      interval: "2s",
      dir: serveDir,
      rulesYaml: rulesFileYaml(
        buildAlertRuleGroups({
          stuckThresholdsMs: { SENT_TO_MES: 10_000, ACCEPTED: 10_000 },
          defaultStuckThresholdMs: 10_000,
          stuckForMs: 4_000,
          readFailureForMs: 60_000,
          evaluationIntervalMs: 2_000,
        }),
      ),
    });
    try {
      await waitForHttp(`http://${LOOPBACK}:${port}/healthz`, { timeoutMs: 60_000, process: exporter });
      await pollUntil(
        async () => {
          samples = await prometheus.query(METRIC_NAMES.ordersStuck);
          firing = (await prometheus.alerts()).filter(
            (a) => a.labels.alertname === ALERTS.stuck && a.state === "firing",
          );
          return new Set(firing.map((a) => a.labels.status)).size >= 2;
        },
        120_000,
        2_000,
      );
      metricsText = await (await fetch(`http://${LOOPBACK}:${port}/metrics`)).text();
      const page = await (await fetch(`http://${LOOPBACK}:${port}/`)).text();
      for (const scenario of ["mes-logic-error", "broker-loss", "s3-model-deleted"] as const)
        expect(page).toContain(orderOf(scenario));
      // The served page is the report page (page.ts) of the exporter's last read.
      expect(page).toContain(`data-order-id="${acceptedOrder}"`);
      const read = await prometheus.query(METRIC_NAMES.readSuccess);
      expect(read.map((s) => s.value[1])).toEqual(["1"]);
      console.log(
        `report --serve + Prometheus: alert firing ${Math.round((Date.now() - started) / 1000)} s after start`,
      );
    } finally {
      await prometheus.stop();
      await exporter.stop();
    }
    if (SAMPLE_DIR) {
      mkdirSync(SAMPLE_DIR, { recursive: true });
      writeFileSync(path.join(SAMPLE_DIR, "sandbox-metrics.txt"), metricsText);
      writeFileSync(path.join(SAMPLE_DIR, "sandbox-alerts.json"), JSON.stringify(firing, null, 2));
    }

    const stuck = Object.fromEntries(samples.map((s) => [`${s.metric.status}/${s.metric.service}`, s.value[1]]));
    // ACCEPTED/mes: the TPU order (MES failed) and the accepted order nobody started (MES recorded it).
    expect(stuck).toEqual({ "ACCEPTED/mes": "2", "SENT_TO_MES/crm": "1", "SENT_TO_MES/mes": "1" });
    expect(samples.every((s) => s.metric.job === "order-report")).toBe(true);
    expect(firing.map((a) => a.labels.status).sort()).toEqual(["ACCEPTED", "SENT_TO_MES"]);
    expect(metricsText).toContain(`${METRIC_NAMES.timeInStatus}_bucket{le="1",status="CREATED"}`);
    expect(metricsText).toMatch(new RegExp(`^${METRIC_NAMES.oldestStuckAge}\\{status="ACCEPTED"\\} \\d`, "m"));
  });
});
