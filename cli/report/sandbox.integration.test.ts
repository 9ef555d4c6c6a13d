import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MES_VARIANTS, type MesVariant, type SandboxEndpoints } from "../local/endpoints";
import type { ScenarioName, ScenarioResult } from "../local/scenarios";
import { REPO, run } from "../../test/support/project";
import type { ReportJson } from "./format";
import { fetchWindow } from "./jaeger-client";
import { parseDuration } from "./duration";
import { buildReport } from "./lifecycle";
import { ORDER_LIFECYCLE, TERMINAL_STATUSES } from "./order-contract";

/**
 * The report on the real order path: the sandbox (`order-tracing local up`: Shop, CRM, MES with
 * the instrumentation bundle, RabbitMQ, S3, our collector and Jaeger v2 on the dev stack's
 * configs) runs the four scenarios of the brief, and `order-tracing report` must attribute each
 * stuck order to the status it hangs in and the service where it stopped. It runs with the Node.js
 * MES and with the JVM MES (issue 17: the Java agent, MES's statuses from CRM's consume rules).
 */

const CLI = path.join(REPO, "bin", "order-tracing.js");
const SCENARIOS: ScenarioName[] = ["happy", "mes-logic-error", "broker-loss", "s3-model-deleted"];
/** The dev stack's collector holds each trace 30 s for its tail-sampling decision. */
const JAEGER_WAIT_MS = 180_000;
const STUCK_AFTER = "5s";
/** Where the last run's outputs go, for README "Reading the report" (`-jvm` for the JVM MES's). */
const SAMPLE_DIR = process.env.ORDER_TRACING_REPORT_SAMPLE_DIR;
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { cwd: REPO, timeoutMs: 420_000 });

/**
 * How MES's failures read in the report's error column (robust to the column's exact wording).
 * The JVM MES: the Java agent records the exception's type but no status description, and the
 * report's error column reads the description only, so it is empty for now: issue 22 (the exception
 * type in the error column) is to fill it; then this entry gets its pattern
 * (/NullPointerException/, /NoSuchKey/). The attribution (status, service, operation) is checked.
 */
const MES_ERRORS: Record<MesVariant, { logic: RegExp; s3: boolean } | undefined> = {
  nodejs: { logic: /nozzleTemperatureC|TypeError/, s3: true },
  jvm: undefined,
};

describe.each(MES_VARIANTS)("order-tracing report on the sandbox's four scenarios, %s MES", (mes) => {
  const dir = mkdtempSync(path.join(tmpdir(), `order-tracing-report-sandbox-${mes}-`));
  let endpoints: SandboxEndpoints;
  const results = new Map<ScenarioName, ScenarioResult>();
  const orderOf = (scenario: ScenarioName, index = 0) => results.get(scenario)!.orders[index].orderId;

  beforeAll(async () => {
    const up = await cli("local", "up", "--json", "--mes", mes, "--dir", dir);
    expect(up.code, `local up failed:\n${up.stderr}`).toBe(0);
    endpoints = JSON.parse(up.stdout) as SandboxEndpoints;
    for (const scenario of SCENARIOS) {
      const outcome = await cli("local", "scenario", scenario, "--json", "--dir", dir);
      expect(outcome.code, `scenario ${scenario} failed:\n${outcome.stderr}\n${outcome.stdout}`).toBe(0);
      results.set(scenario, JSON.parse(outcome.stdout) as ScenarioResult);
    }
    // Wait until Jaeger holds every scenario's traces: each stuck order stuck, with its failure if any.
    const expectedStuck = [orderOf("mes-logic-error"), orderOf("broker-loss"), orderOf("s3-model-deleted")];
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
      // Each MES failure attributed to MES, with its error where the report can show one.
      const failuresIn = (["mes-logic-error", "s3-model-deleted"] as const).every((scenario) => {
        const row = stuck.get(orderOf(scenario));
        return row?.service === "mes" && (MES_ERRORS[mes] === undefined || Boolean(row.error));
      });
      if ((expectedStuck.every((id) => stuck.has(id)) && failuresIn && delivered >= happyOrders) || now > deadline)
        break;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }, 900_000);

  afterAll(async () => {
    await cli("local", "down", "--dir", dir);
    rmSync(dir, { recursive: true, force: true });
  });

  describe("the report", () => {
    let json: ReportJson;

    it("runs on the sandbox's Jaeger and prints the JSON contract", async () => {
      const report = (...format: string[]) =>
        cli("report", "--jaeger-url", endpoints.jaegerQuery, "--since", "1h", "--stuck-after", STUCK_AFTER, ...format);
      const result = await report("--format", "json");
      expect(result.code, result.stderr).toBe(0);
      json = JSON.parse(result.stdout) as ReportJson;
      if (SAMPLE_DIR) {
        const suffix = mes === "nodejs" ? "" : `-${mes}`;
        mkdirSync(SAMPLE_DIR, { recursive: true });
        writeFileSync(path.join(SAMPLE_DIR, `sandbox-report${suffix}.json`), result.stdout);
        writeFileSync(path.join(SAMPLE_DIR, `sandbox-report${suffix}.txt`), (await report()).stdout);
      }
      expect(Object.keys(json)).toEqual(["stuck", "byStatus", "byService"]);
    });

    it("lists exactly the scenarios' stuck orders, each in the status it hangs in", () => {
      expect(Object.fromEntries(json.stuck.map((s) => [s.orderId, s.status]))).toEqual({
        [orderOf("mes-logic-error")]: "ACCEPTED",
        [orderOf("broker-loss")]: "SENT_TO_MES",
        [orderOf("s3-model-deleted")]: "SENT_TO_MES",
      });
    });

    it("mes-logic-error: MES failed starting production, with its error", () => {
      const stuck = json.stuck.find((s) => s.orderId === orderOf("mes-logic-error"))!;
      expect(stuck.service).toBe("mes");
      expect(stuck.operation).toMatch(/POST/);
      const errors = MES_ERRORS[mes];
      if (errors) expect(stuck.error).toMatch(errors.logic);
    });

    it("broker-loss: the trace ends at CRM's publish of the work order, without an error", () => {
      const stuck = json.stuck.find((s) => s.orderId === orderOf("broker-loss"))!;
      expect(stuck.service).toBe("crm");
      // The publish span of the work-order queue (amqplib names it after the queue).
      expect(stuck.operation).toMatch(/publish|send|work/i);
      expect(stuck.error).toBeNull();
    });

    it("s3-model-deleted: MES's model fetch from S3 failed", () => {
      const stuck = json.stuck.find((s) => s.orderId === orderOf("s3-model-deleted"))!;
      expect(stuck.service).toBe("mes");
      expect(stuck.operation).toMatch(/GetObject/);
      if (MES_ERRORS[mes]?.s3) expect(stuck.error).not.toBeNull();
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
      expect(statuses.ACCEPTED.stuckCount).toBe(1);
      // The happy orders went the whole way: every status before DELIVERED has a time.
      for (const status of ORDER_LIFECYCLE.filter((status) => !TERMINAL_STATUSES.has(status))) {
        expect(statuses[status]?.p50Ms, status).toBeTypeOf("number");
      }
      // Worst first: the two statuses with stuck orders lead.
      expect(json.byStatus.slice(0, 2).map((s) => s.status)).toEqual(["SENT_TO_MES", "ACCEPTED"]);
    });
  });
});
