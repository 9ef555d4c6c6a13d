import { setTimeout as delay } from "node:timers/promises";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MES_VARIANTS, type SandboxEndpoints } from "../local/endpoints";
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
import { MES_VARIANT_FACTS } from "../../test/support/mes-variants";
import { PII_CORPUS, probesFoundIn, type Probe } from "../../test/faults/pii-corpus";

/**
 * The report on the real order path: the sandbox (`order-tracing local up`: Shop, CRM, MES with
 * the instrumentation bundle, RabbitMQ, S3, our collector and Jaeger v2 on the dev stack's
 * configs) runs the four scenarios of the brief, and `order-tracing report` must attribute each
 * stuck order to the status it hangs in and the service where it stopped. It runs with the Node.js
 * MES and with the JVM MES traced by the OpenTelemetry Java agent (issue 17), each on its own
 * sandbox; what the report shows differently for them is MES_VARIANT_FACTS.
 */

const CLI = path.join(REPO, "bin", "order-tracing.js");
const SCENARIOS: ScenarioName[] = ["happy", "mes-logic-error", "broker-loss", "s3-model-deleted"];
/** The dev stack's collector holds each trace 30 s for its tail-sampling decision. */
const JAEGER_WAIT_MS = 180_000;
const STUCK_AFTER = "5s";
/** Where the last run's outputs go (`<name>-<variant>.<ext>`), for docs/report.md and docs/non-node-services.md. */
const SAMPLE_DIR = process.env.ORDER_TRACING_REPORT_SAMPLE_DIR;

const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: REPO, timeoutMs: 420_000 });
/** The dev stack's status owners (CRM records MES's statuses for it), as the CronJob passes them. */
const STATUS_OWNERS = statusOwnersArg(readDevStack(REPO).reportStatusOwners);

/** The accepted order's customer: one probe of each kind from the personal-data corpus. */
const probeOf = (kind: Probe["kind"], index: number): string => PII_CORPUS.filter((p) => p.kind === kind)[index].value;
const PROBE_CUSTOMER = {
  name: probeOf("name", 3),
  email: probeOf("email", 3),
  phone: probeOf("phone", 3),
  address: probeOf("address", 3),
};
/**
 * Personal data that entered the sandbox: the probe customer, and the scenarios' fake customers
 * (each scenario numbers its customers from 0). None of it may reach the report. Matched as written
 * and URL-encoded (as `name` probes: a phone's last seven digits alone could occur in a trace id).
 */
const PERSONAL_DATA: Probe[] = [PROBE_CUSTOMER, ...Array.from({ length: 10 }, (_, i) => fakeCustomer(i))].flatMap(
  (customer) => Object.values(customer).map((value) => ({ kind: "name" as const, value })),
);

describe.each(MES_VARIANTS)("order-tracing report on the sandbox's four scenarios, %s MES", (mes) => {
  const facts = MES_VARIANT_FACTS[mes].report;
  const dir = mkdtempSync(path.join(tmpdir(), `order-tracing-report-sandbox-${mes}-`));
  let endpoints: SandboxEndpoints;
  const results = new Map<ScenarioName, ScenarioResult>();
  const orderOf = (scenario: ScenarioName, index = 0) => results.get(scenario)!.orders[index].orderId;
  /** An order MES accepted and nobody started: it waits in MES, though its trace ends in CRM. */
  let acceptedOrder: string;
  /** Every output of the report this suite read (table, JSON, page), for the personal-data check. */
  const outputs: string[] = [];
  const sample = (name: string, text: string) => {
    if (!SAMPLE_DIR) return;
    mkdirSync(SAMPLE_DIR, { recursive: true });
    const dot = name.lastIndexOf(".");
    writeFileSync(path.join(SAMPLE_DIR, `${name.slice(0, dot)}-${mes}${name.slice(dot)}`), text);
  };

  beforeAll(async () => {
    const up = await cli("local", "up", "--json", "--mes", mes, "--dir", dir);
    expect(up.code, `local up failed:\n${up.stderr}`).toBe(0);
    endpoints = JSON.parse(up.stdout) as SandboxEndpoints;
    for (const scenario of SCENARIOS) {
      const outcome = await cli("local", "scenario", scenario, "--json", "--dir", dir);
      expect(outcome.code, `scenario ${scenario} failed:\n${outcome.stderr}\n${outcome.stdout}`).toBe(0);
      results.set(scenario, JSON.parse(outcome.stdout) as ScenarioResult);
    }
    const orders = new OrderPath(endpoints);
    acceptedOrder = await orders.placeOrder({
      customer: PROBE_CUSTOMER,
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
      if ((expectedStuck.every((id) => stuck.has(id)) && failuresIn && delivered >= happyOrders) || now > deadline)
        break;
      await delay(5_000);
    }
  }, 900_000);

  afterAll(async () => {
    await cli("local", "down", "--dir", dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (...args: string[]) => {
    const result = await cli(
      "report",
      "--jaeger-url",
      endpoints.jaegerQuery,
      "--since",
      "1h",
      "--stuck-after",
      STUCK_AFTER,
      ...args,
    );
    expect(result.code, result.stderr).toBe(0);
    outputs.push(result.stdout);
    return result.stdout;
  };
  const stuckOf = async (...owners: string[]) =>
    (JSON.parse(await report("--format", "json", ...owners)) as ReportJson).stuck;

  describe("order-tracing report", () => {
    let json: ReportJson;
    const stuckOrder = (orderId: string) => json.stuck.find((s) => s.orderId === orderId);

    it("runs on the sandbox's Jaeger and prints the JSON contract", async () => {
      expect(STATUS_OWNERS).toBe("ACCEPTED=mes,IN_PRODUCTION=mes,MANUFACTURED=mes");
      const text = await report("--format", "json", "--status-owners", STATUS_OWNERS);
      json = JSON.parse(text) as ReportJson;
      sample("sandbox-report.json", text);
      sample("sandbox-report.txt", await report("--status-owners", STATUS_OWNERS));
      await report("--format", "html", "--status-owners", STATUS_OWNERS);
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
      const stuck = stuckOrder(orderOf("mes-logic-error"))!;
      expect(stuck).toMatchObject({
        status: "ACCEPTED",
        service: "mes",
        operation: facts.logicError.operation,
        reason: "failed",
      });
      expect(stuck.error).toMatch(facts.logicError.error);
    });

    it("broker-loss: CRM recorded SENT_TO_MES and its trace ends at CRM's publish of the work order", () => {
      expect(stuckOrder(orderOf("broker-loss"))).toMatchObject({
        status: "SENT_TO_MES",
        service: "crm",
        operation: "mes.work-orders publish",
        reason: "recorded-status",
        error: null,
        traceEnd: { service: "crm", operation: "mes.work-orders publish" },
      });
    });

    it("s3-model-deleted: MES's model fetch from S3 failed with NoSuchKey", () => {
      expect(stuckOrder(orderOf("s3-model-deleted"))).toMatchObject({
        status: "SENT_TO_MES",
        service: "mes",
        operation: facts.modelDeleted.operation,
        reason: "failed",
        error: facts.modelDeleted.error,
      });
    });

    it("accepted but never started: the order waits in MES, which owns ACCEPTED, though its trace ends in CRM", () => {
      // CRM records ACCEPTED when it consumes MES's status event; the stack names MES its owner. The
      // last thing MES did for the order was publishing that event.
      expect(stuckOrder(acceptedOrder)).toMatchObject({
        status: "ACCEPTED",
        service: "mes",
        operation: facts.accepted.operation,
        reason: "configured-owner",
        error: null,
        traceEnd: facts.accepted.traceEnd,
      });
    });

    it("without owners, the service that recorded the status holds the order", async () => {
      const stuck = await stuckOf();
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
      const stuck = await stuckOf("--status-owners", "SENT_TO_MES=mes");
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

    it("shows no personal data in any output, though the orders carried customers' data through MES", () => {
      // The table, the JSON (three times) and the page, each listing the probe customer's order.
      expect(outputs).toHaveLength(5);
      for (const output of outputs) expect(output).toContain(acceptedOrder);
      expect(probesFoundIn(outputs.join("\n"), PERSONAL_DATA).map((p) => `${p.kind}: ${p.value}`)).toEqual([]);
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
        expect(probesFoundIn(page, PERSONAL_DATA)).toEqual([]);
        const read = await prometheus.query(METRIC_NAMES.readSuccess);
        expect(read.map((s) => s.value[1])).toEqual(["1"]);
        console.log(
          `report --serve + Prometheus: alert firing ${Math.round((Date.now() - started) / 1000)} s after start`,
        );
      } finally {
        await prometheus.stop();
        await exporter.stop();
      }
      sample("sandbox-metrics.txt", metricsText);
      sample("sandbox-alerts.json", JSON.stringify(firing, null, 2));

      const stuck = Object.fromEntries(samples.map((s) => [`${s.metric.status}/${s.metric.service}`, s.value[1]]));
      // ACCEPTED/mes: the TPU order (MES failed) and the accepted order nobody started (MES recorded it).
      expect(stuck).toEqual({ "ACCEPTED/mes": "2", "SENT_TO_MES/crm": "1", "SENT_TO_MES/mes": "1" });
      expect(samples.every((s) => s.metric.job === "order-report")).toBe(true);
      expect(firing.map((a) => a.labels.status).sort()).toEqual(["ACCEPTED", "SENT_TO_MES"]);
      expect(metricsText).toContain(`${METRIC_NAMES.timeInStatus}_bucket{le="1",status="CREATED"}`);
      expect(metricsText).toMatch(new RegExp(`^${METRIC_NAMES.oldestStuckAge}\\{status="ACCEPTED"\\} \\d`, "m"));
    });
  });
});
