/**
 * The end-to-end proof of issue 5: the sandbox (`order-tracing local up`) runs the real order path
 * (Shop → CRM → RabbitMQ → MES → S3 and back) with the instrumentation bundle, our collector and
 * Jaeger v2 on the dev stack's generated configs; the scenarios drive orders through it; and every
 * check reads Jaeger's query API, as a support engineer would. It runs twice (issue 17): with the
 * Node.js MES and its bundle, and with the JVM MES traced by the OpenTelemetry Java agent, which
 * has no scrubbing and no order rules of its own.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HAPPY_PATH } from "../../contract/trace";
import { QUEUES } from "../../examples/order-system/src/lib/topology";
import { fakeCustomer, fakeModel } from "../../cli/local/fake-customers";
import { OrderPath } from "../../cli/local/order-path";
import { readState, stillRunning, type ProcessIdentity } from "../../cli/local/state";
import { MES_VARIANTS, SANDBOX_SERVICES, type SandboxEndpoints } from "../../cli/local/endpoints";
import { ReconnectingBroker } from "../../examples/order-system/src/lib/amqp";
import { createLogger } from "../../examples/order-system/src/lib/log";
import { PII_CORPUS, pathSegment, probesFoundIn } from "../faults/pii-corpus";
import type { ScenarioName, ScenarioResult } from "../../cli/local/scenarios";
import type { ReportJson } from "../../cli/report/format";
import { LOG_CORRELATION_KEYS } from "../../instrumentation/src/log-correlation";
import { REPO, run } from "../support/project";
import { sandboxCli } from "../support/sandbox-cli";
import { MES_VARIANT_FACTS } from "../support/mes-variants";
import {
  JaegerTraces,
  consumes,
  describeSpans,
  failed,
  isS3,
  isStatusChange,
  kind,
  latestStatus,
  orderPathConnections,
  publishes,
  type Span,
} from "./jaeger-traces";
import { eventually } from "../support/poll";

/** A pino record of a sandbox service, as its log file (`<dir>/logs/<service>.log`) holds it. */
type LogRecord = { msg?: string } & Partial<
  Record<(typeof LOG_CORRELATION_KEYS)[keyof typeof LOG_CORRELATION_KEYS], string>
>;

/** Jaeger's query API may drop a trace id's leading zeros; log lines carry all 32 digits. */
const fullTraceId = (traceId: string): string => traceId.padStart(32, "0");

describe.each(MES_VARIANTS)("with the %s MES", (mes) => {
  const sandbox = sandboxCli(`e2e-${mes}`);
  const { dir, local } = sandbox;

  let endpoints: SandboxEndpoints;
  let jaeger: JaegerTraces;
  const results = new Map<ScenarioName, ScenarioResult>();
  let recorded: ProcessIdentity[] = [];

  function orderOf(scenario: ScenarioName, index = 0): string {
    const result = results.get(scenario);
    if (!result) throw new Error(`scenario ${scenario} did not run`);
    return result.orders[index].orderId;
  }

  /** The order's spans in Jaeger, once `ready` holds for them. */
  const orderSpans = (orderId: string, ready: (spans: Span[]) => boolean) =>
    jaeger.spansOfOrder(orderId, SANDBOX_SERVICES, ready);

  /** The JSON records a Node.js service logged about an order (the bundle's `order.id` field). */
  function logRecordsOfOrder(service: string, orderId: string): LogRecord[] {
    return readFileSync(path.join(dir, "logs", `${service}.log`), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogRecord)
      .filter((record) => record[LOG_CORRELATION_KEYS.orderId] === orderId);
  }

  // --- the sandbox ------------------------------------------------------------------------------------

  beforeAll(async () => {
    const up = await local("up", "--json", "--mes", mes);
    expect(up.code, `local up failed:\n${up.stderr}`).toBe(0);
    endpoints = JSON.parse(up.stdout) as SandboxEndpoints;
    jaeger = new JaegerTraces(endpoints.jaegerQuery);
    recorded = readState(dir)?.processes ?? [];
    for (const scenario of ["happy", "mes-logic-error", "broker-loss", "s3-model-deleted"] as const) {
      const outcome = await local("scenario", scenario, "--json");
      expect(outcome.code, `scenario ${scenario} failed:\n${outcome.stderr}\n${outcome.stdout}`).toBe(0);
      results.set(scenario, JSON.parse(outcome.stdout) as ScenarioResult);
    }
  });

  afterAll(async () => {
    // A safety net when a test failed before `down` ran; `down` with nothing running is a no-op.
    await local("down");
    sandbox.remove();
  });

  describe("order-tracing local (sandbox)", () => {
    it("up --json prints exactly the documented addresses, all on loopback", () => {
      expect(Object.keys(endpoints)).toEqual(["shop", "crm", "mes", "jaegerQuery", "otlpGrpc", "s3", "amqp"]);
      expect(Object.keys(endpoints.s3)).toEqual(["endpoint", "bucket", "accessKeyId", "secretAccessKey"]);
      for (const address of [
        endpoints.shop,
        endpoints.crm,
        endpoints.mes,
        endpoints.jaegerQuery,
        endpoints.otlpGrpc,
        endpoints.s3.endpoint,
        endpoints.amqp,
      ]) {
        expect(new URL(address).hostname).toBe("127.0.0.1");
      }
      expect(recorded.map((p) => p.name).sort()).toEqual(
        ["collector", "crm", "epmd", "gofakes3", "jaeger", "mes", "rabbitmq", "shop"].sort(),
      );
    });

    it("each scenario ends its orders in the status it reproduces", () => {
      const endings = Object.fromEntries(
        [...results].map(([scenario, result]) => [scenario, result.orders.map((o) => o.status)]),
      );
      expect(endings).toEqual({
        happy: ["DELIVERED", "DELIVERED"],
        "mes-logic-error": ["ACCEPTED"],
        "broker-loss": ["SENT_TO_MES"],
        "s3-model-deleted": ["SENT_TO_MES"],
      });
    });
  });

  describe("traces in Jaeger", () => {
    it("a happy order's spans cover every connection of the order path", async () => {
      const orderId = orderOf("happy");
      const spans = await orderSpans(
        orderId,
        (all) => latestStatus(all) === "DELIVERED" && all.some((s) => consumes(s, QUEUES.statusEvents)),
      );
      const connections = orderPathConnections(spans);
      expect(connections, describeSpans(spans)).toEqual(
        Object.fromEntries(Object.keys(connections).map((k) => [k, true])),
      );
    });

    it("every span of a happy order carries the required fields, and each status change its status and time", async () => {
      const orderId = orderOf("happy");
      const spans = await orderSpans(orderId, (all) => latestStatus(all) === "DELIVERED");
      const problems: string[] = [];
      for (const span of spans) {
        const where = `${span.service} ${span.operation}`;
        if (!/^[0-9a-f]{16,32}$/.test(span.traceId)) problems.push(`${where}: trace id ${span.traceId}`);
        if (!/^[0-9a-f]{16}$/.test(span.spanId)) problems.push(`${where}: span id ${span.spanId}`);
        if (!(SANDBOX_SERVICES as readonly string[]).includes(span.service)) problems.push(`${where}: service.name`);
        if (!span.processTags["k8s.node.name"] && !span.processTags["host.name"]) problems.push(`${where}: no node id`);
        if (span.tags["order.id"] !== orderId) problems.push(`${where}: order.id ${String(span.tags["order.id"])}`);
        if (span.tags["http.request.method"] !== undefined && !span.tags["url.full"] && !span.tags["url.path"]) {
          problems.push(`${where}: HTTP span without url.full or url.path`);
        }
        if (isStatusChange(span)) {
          const changedAt = String(span.tags["order.status_changed_at"]);
          if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(changedAt))
            problems.push(`${where}: changed at ${changedAt}`);
          if (!span.tags["order.status"] || !span.tags["order.previous_status"])
            problems.push(`${where}: status fields`);
        }
      }
      expect(problems).toEqual([]);
      const statuses = spans.filter(isStatusChange).map((s) => s.tags["order.status"]);
      expect(new Set(statuses)).toEqual(new Set(HAPPY_PATH));
    });

    it("MES's spans carry order.id, and its statuses are recorded once each, in order, with MES's times", async () => {
      const orderId = orderOf("happy");
      const spans = await orderSpans(orderId, (all) => latestStatus(all) === "DELIVERED");
      const mesSpans = spans.filter((s) => s.service === "mes");
      // The work order's consume, the model fetch, three status events: MES's part of the path.
      expect(mesSpans.length, describeSpans(spans)).toBeGreaterThanOrEqual(5);
      expect(mesSpans.filter((s) => s.tags["order.id"] !== orderId).map((s) => s.operation)).toEqual([]);
      const changes = new Map<unknown, Span[]>();
      for (const span of spans.filter(isStatusChange)) {
        changes.set(span.tags["order.status"], [...(changes.get(span.tags["order.status"]) ?? []), span]);
      }
      const at = (status: string) => Date.parse(String(changes.get(status)?.[0]?.tags["order.status_changed_at"]));
      const chain = ["ACCEPTED", "IN_PRODUCTION", "MANUFACTURED", "SHIPPED", "DELIVERED"] as const;
      for (const [i, status] of chain.entries()) {
        expect(changes.get(status), status).toHaveLength(1);
        const previous = HAPPY_PATH[HAPPY_PATH.indexOf(status) - 1];
        expect(changes.get(status)?.[0].tags["order.previous_status"], status).toBe(previous);
        if (i > 0) expect(at(status), `${chain[i - 1]} → ${status}`).toBeGreaterThanOrEqual(at(chain[i - 1]));
      }
      // MES's status changes are what MES reported (the event's time), recorded where CRM consumed the
      // event: in the trace of MES's publish, so the MES span that made the change is its ancestor.
      for (const status of ["ACCEPTED", "IN_PRODUCTION", "MANUFACTURED"]) {
        const change = changes.get(status)?.[0];
        const trace = spans.filter((s) => s.traceId === change?.traceId);
        expect(
          trace.some((s) => s.service === "mes" && publishes(s, QUEUES.statusEvents)),
          status,
        ).toBe(true);
      }
    });

    it("the personal-data corpus sent through MES's URLs, headers and AMQP messages never reaches Jaeger", async () => {
      // A TPU order fails on every production start (HTTP 500): each request is an error, so the tail
      // sampler keeps its trace and the scan below sees every one. A fresh one: MES keeps its orders in
      // memory, and broker-loss restarted it.
      const orders = new OrderPath(endpoints);
      const stuck = await orders.placeOrder({
        customer: fakeCustomer(50),
        model: fakeModel(50),
        material: "TPU",
        quantity: 1,
      });
      expect((await orders.approve(stuck)).httpStatus).toBe(200);
      expect(await orders.waitForStatus(stuck, "ACCEPTED", 30_000)).toBe("ACCEPTED");
      const probeOrder = "00000000-0000-4000-8000-";
      const enc = encodeURIComponent;
      for (const probe of PII_CORPUS) {
        const query = `customer=${enc(probe.value)}&ref=${enc(probe.value).replace(/%20/g, "+")}`;
        const headers = {
          authorization: `Bearer ${probe.value}`,
          cookie: `session=${enc(probe.value)}`,
          "x-customer": probe.value,
          "user-agent": `probe-client (${probe.value})`,
        };
        const failing = await fetch(`${endpoints.mes}/orders/${stuck}/start?${query}`, { method: "POST", headers });
        expect(failing.status).toBe(500);
        const unknown = await fetch(`${endpoints.mes}/orders/${pathSegment(probe)}?${query}`, { headers });
        expect(unknown.status).toBe(404);
      }
      // Work orders whose model key names the customer: MES's model fetch fails (no such object),
      // so the S3 request's URL, with the probe in its path, is in a kept trace.
      const broker = new ReconnectingBroker(endpoints.amqp, [QUEUES.workOrders], createLogger("pii-probe"));
      await broker.start();
      try {
        for (const [i, probe] of PII_CORPUS.entries()) {
          const orderId = `${probeOrder}${String(i).padStart(12, "0")}`;
          await broker.publish(QUEUES.workOrders, {
            orderId,
            material: "PLA",
            quantity: 1,
            modelKey: `models/${orderId}/${probe.value}.stl`,
            customer: { name: probe.value, contact: probe.value },
          });
        }
      } finally {
        await broker.close();
      }
      const failedServerSpans = (spans: Span[]) =>
        spans.filter((s) => kind(s) === "server" && failed(s) && String(s.tags["url.path"]).includes(stuck));
      // The bundle names the order from the S3 key; the Java agent, with no baggage here, does not, and
      // the request's URL (its path scrubbed) still says which object was asked for.
      const failedFetches = (spans: Span[]) =>
        spans.filter(
          (s) =>
            isS3(s, "GetObject") &&
            failed(s) &&
            (String(s.tags["order.id"]).startsWith(probeOrder) || String(s.tags["url.full"]).includes(probeOrder)),
        );
      const traces = await eventually(
        () => jaeger.search("mes"),
        (found) => {
          const spans = found.flatMap((t) => t.spans);
          return (
            failedServerSpans(spans).length >= PII_CORPUS.length && failedFetches(spans).length >= PII_CORPUS.length
          );
        },
        150_000,
        (found) => `${found.length} MES traces so far`,
      );
      const spans = traces.flatMap((t) => t.spans);
      // Without baggage, MES's server span still gets order.id: the collector reads it from the path.
      expect(failedServerSpans(spans).filter((s) => s.tags["order.id"] !== stuck)).toEqual([]);
      const everything = JSON.stringify(traces.map((t) => t.raw));
      expect(probesFoundIn(everything).map((p) => `${p.kind}: ${p.value}`)).toEqual([]);
    });

    it("mes-logic-error: Jaeger shows MES failing at production start, with the exception, and the order left ACCEPTED", async () => {
      const orderId = orderOf("mes-logic-error");
      const spans = await orderSpans(orderId, (all) =>
        all.some((s) => s.service === "mes" && kind(s) === "server" && failed(s)),
      );
      const failure = spans.filter((s) => s.service === "mes" && failed(s));
      expect(failure.map((s) => s.tags["http.response.status_code"]).filter(Boolean)).toContain(500);
      // The exception event keeps its type; the collector redacts exception messages (they may quote
      // personal data), and the span status carries the error's description.
      const exceptions = failure.flatMap((s) => s.events).filter((e) => e.event === "exception");
      const expected = MES_VARIANT_FACTS[mes];
      expect(exceptions.map((e) => e["exception.type"])).toContain(expected.exceptionType);
      if (expected.statusDescription !== undefined) {
        expect(failure.map((s) => String(s.tags["otel.status_description"] ?? ""))).toContainEqual(
          expect.stringContaining(expected.statusDescription),
        );
      }
      expect(latestStatus(spans)).toBe("ACCEPTED");
      expect(spans.filter(isStatusChange).map((s) => s.tags["order.status"])).not.toContain("IN_PRODUCTION");
    });

    // The JVM MES is not ours to instrument for logs (its own slf4j logging, no bundle): with it, the
    // CRM side and the report are checked, MES's own lines only with the Node.js MES.
    it("mes-logic-error: the order's trace id and order id are in MES's and CRM's log lines, and the report links them", async () => {
      const orderId = orderOf("mes-logic-error");
      const spans = await orderSpans(orderId, (all) =>
        all.some((s) => s.service === "mes" && kind(s) === "server" && failed(s)),
      );
      const failing = spans.find((s) => s.service === "mes" && kind(s) === "server" && failed(s));
      const failingTrace = fullTraceId(failing?.traceId ?? "");
      const orderTraces = new Set(spans.map((s) => fullTraceId(s.traceId)));
      const crm = logRecordsOfOrder("crm", orderId);

      // CRM logged the order, and each of its lines about it is in one of the order's traces.
      expect(crm.map((r) => r.msg)).toContain("order status changed by MES");
      for (const record of crm)
        expect(orderTraces, JSON.stringify(record)).toContain(record[LOG_CORRELATION_KEYS.traceId]);

      if (mes === "nodejs") {
        const mesLines = logRecordsOfOrder("mes", orderId);
        const lines = mesLines.map((r) => JSON.stringify(r)).join("\n");
        // MES's error line was written inside the failing request: its trace, one of its spans, the order.
        const error = mesLines.find((r) => r[LOG_CORRELATION_KEYS.traceId] === failingTrace);
        expect(error, `no MES line in trace ${failingTrace}:\n${lines}`).toMatchObject({ msg: "request failed" });
        const spansOfFailingTrace = spans.filter((s) => fullTraceId(s.traceId) === failingTrace).map((s) => s.spanId);
        expect(spansOfFailingTrace).toContain(error?.[LOG_CORRELATION_KEYS.spanId]);
        for (const record of mesLines) {
          expect(orderTraces, JSON.stringify(record)).toContain(record[LOG_CORRELATION_KEYS.traceId]);
        }
        // The status event joins them: MES's ACCEPTED line and CRM's line about it share a trace.
        const accepted = mesLines.find((r) => r.msg === "order status changed");
        const crmOfAccepted = crm.find((r) => r.msg === "order status changed by MES");
        expect(crmOfAccepted?.[LOG_CORRELATION_KEYS.traceId]).toBe(accepted?.[LOG_CORRELATION_KEYS.traceId]);
      }

      // The report's row for the order names the failing trace and links to its logs.
      const template = "https://logs.internal.example/search?q=trace_id:{traceId}&order={orderId}";
      const report = await run(
        process.execPath,
        [
          path.join(REPO, "bin", "order-tracing.js"),
          "report",
          "--jaeger-url",
          endpoints.jaegerQuery,
          "--since",
          "1h",
        ].concat(["--stuck-after", "1s", "--format", "json", "--logs-url-template", template]),
        { cwd: REPO, timeoutMs: 120_000 },
      );
      expect(report.code, report.stderr).toBe(0);
      const row = (JSON.parse(report.stdout) as ReportJson).stuck.find((s) => s.orderId === orderId);
      expect(row).toMatchObject({ status: "ACCEPTED", service: "mes", traceId: failingTrace });
      expect(row?.logsUrl).toBe(`https://logs.internal.example/search?q=trace_id:${failingTrace}&order=${orderId}`);
    });

    it("broker-loss: Jaeger shows the work order published by CRM and never consumed by MES", async () => {
      const orderId = orderOf("broker-loss");
      const spans = await orderSpans(orderId, (all) => latestStatus(all) === "SENT_TO_MES");
      expect(spans.filter((s) => s.service === "crm" && publishes(s, QUEUES.workOrders))).toHaveLength(1);
      expect(spans.filter((s) => consumes(s, QUEUES.workOrders))).toEqual([]);
      expect(spans.filter((s) => s.service === "mes")).toEqual([]);
    });

    it("s3-model-deleted: Jaeger shows MES's model fetch failing and the work order rejected", async () => {
      const orderId = orderOf("s3-model-deleted");
      const spans = await orderSpans(orderId, (all) => all.some((s) => s.service === "mes" && isS3(s, "GetObject")));
      const fetch = spans.filter((s) => s.service === "mes" && isS3(s, "GetObject"));
      expect(fetch.every(failed), describeSpans(fetch)).toBe(true);
      // This order runs after broker-loss restarted the broker: CRM published it and MES consumed it,
      // so both reconnected by themselves.
      const consumed = spans.filter((s) => s.service === "mes" && consumes(s, QUEUES.workOrders));
      expect(consumed).toHaveLength(1);
      expect(consumed.every(failed)).toBe(true);
      expect(latestStatus(spans)).toBe("SENT_TO_MES");
    });

    it("no customer name, e-mail, phone or address sent to the shop appears anywhere in Jaeger", async () => {
      const everything = JSON.stringify(
        await Promise.all(SANDBOX_SERVICES.map(async (service) => (await jaeger.search(service)).map((t) => t.raw))),
      );
      // Sanity: the scan covers the order traces (it would pass trivially on an empty Jaeger).
      expect(everything).toContain(orderOf("happy"));
      const leaks: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (const value of Object.values(fakeCustomer(i))) if (everything.includes(value)) leaks.push(value);
      }
      expect(leaks).toEqual([]);
    });
  });

  describe("order-tracing local down", () => {
    it("stops every process that up started, and nothing is left running", async () => {
      // The broker-loss scenario restarted MES and the broker: the state file has their new pids.
      const latest = readState(dir)?.processes ?? [];
      const down = await local("down");
      expect(down.code, down.stderr).toBe(0);
      expect([...recorded, ...latest].filter(stillRunning)).toEqual([]);
      expect(readState(dir)).toBeUndefined();
    });
  });
});
