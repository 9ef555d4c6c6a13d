import { describe, expect, it } from "vitest";
import {
  buildReport,
  distribution,
  errorText,
  operationName,
  orderTransitions,
  percentile,
  type ReportOptions,
} from "./lifecycle";
import { STATUS_CHANGE_SPAN } from "../../contract/trace";
import type { ReportSpan } from "./spans";
import { ERRORS, OPERATIONS, syntheticOrderSpans } from "./testing/synthetic-orders";

const T0 = Date.parse("2026-11-25T08:00:00.000Z");
const MINUTE = 60_000;
const UI = "https://jaeger.internal.example/";

let nextSpanId = 1;
function span(fields: Partial<ReportSpan> & Pick<ReportSpan, "traceId" | "service" | "startMs">): ReportSpan {
  return {
    spanId: (nextSpanId++).toString(16).padStart(16, "0"),
    operation: "work",
    endMs: fields.startMs + 1,
    failed: false,
    ...fields,
  };
}

/** An `order.status_change` span; `changedAt` undefined leaves the attribute out. */
function statusChange(
  orderId: string,
  traceId: string,
  service: string,
  previous: string | undefined,
  next: string,
  atMs: number,
  changedAt: string | undefined = new Date(atMs).toISOString(),
  parent?: ReportSpan,
): ReportSpan {
  return span({
    traceId,
    service,
    operation: STATUS_CHANGE_SPAN,
    startMs: atMs,
    endMs: atMs + 0.1,
    orderId,
    status: next,
    previousStatus: previous,
    statusChangedAt: changedAt,
    parentSpanId: parent?.spanId,
  });
}

const options = (now: number, stuckAfterMs = 30 * MINUTE): ReportOptions => ({ now, stuckAfterMs, jaegerUiUrl: UI });

describe("orderTransitions", () => {
  it("orders the changes of an order spread over several traces, whatever order the spans arrive in", () => {
    const spans = [
      statusChange("o1", "t3", "mes", "SENT_TO_MES", "ACCEPTED", T0 + 30 * MINUTE),
      statusChange("o1", "t1", "shop", undefined, "CREATED", T0),
      statusChange("o1", "t2", "crm", "SUBMITTED", "APPROVED", T0 + 20 * MINUTE),
      statusChange("o1", "t1", "crm", "CREATED", "SUBMITTED", T0 + 1_000),
      statusChange("o1", "t2", "crm", "APPROVED", "SENT_TO_MES", T0 + 21 * MINUTE),
    ];
    expect(orderTransitions(spans).map((t) => t.status)).toEqual([
      "CREATED",
      "SUBMITTED",
      "APPROVED",
      "SENT_TO_MES",
      "ACCEPTED",
    ]);
  });

  it("follows order.previous_status over timestamps when a service's clock is behind", () => {
    // MES's clock runs 5 minutes slow: its ACCEPTED is stamped before CRM's SENT_TO_MES.
    const spans = [
      statusChange("o1", "t2", "crm", "SUBMITTED", "APPROVED", T0),
      statusChange("o1", "t2", "crm", "APPROVED", "SENT_TO_MES", T0 + 1_000),
      statusChange("o1", "t2", "mes", "SENT_TO_MES", "ACCEPTED", T0 + 2_000 - 5 * MINUTE),
    ];
    expect(orderTransitions(spans).map((t) => t.status)).toEqual(["APPROVED", "SENT_TO_MES", "ACCEPTED"]);
  });

  it("uses the span's start when order.status_changed_at is missing or unreadable", () => {
    const spans = [
      statusChange("o1", "t1", "shop", undefined, "CREATED", T0, undefined),
      statusChange("o1", "t1", "crm", "CREATED", "SUBMITTED", T0 + 5_000, "not a time"),
    ];
    expect(orderTransitions(spans).map((t) => [t.status, t.at])).toEqual([
      ["CREATED", T0],
      ["SUBMITTED", T0 + 5_000],
    ]);
  });

  it("prefers order.status_changed_at over the span's start when both are there", () => {
    const change = statusChange("o1", "t1", "crm", "CREATED", "SUBMITTED", T0, new Date(T0 + 42).toISOString());
    expect(orderTransitions([change])[0].at).toBe(T0 + 42);
  });

  it("bridges a lost status change and a window that starts mid-life", () => {
    // SUBMITTED fell before the window; the SENT_TO_MES span was lost (ACCEPTED names it as previous).
    const spans = [
      statusChange("o1", "t2", "crm", "SUBMITTED", "APPROVED", T0),
      statusChange("o1", "t3", "mes", "SENT_TO_MES", "ACCEPTED", T0 + MINUTE),
      statusChange("o1", "t4", "mes", "ACCEPTED", "IN_PRODUCTION", T0 + 2 * MINUTE),
    ];
    expect(orderTransitions(spans).map((t) => t.status)).toEqual(["APPROVED", "ACCEPTED", "IN_PRODUCTION"]);
  });

  it("counts a repeated change (a redelivered message) once, so it cannot move the order back", () => {
    const spans = [
      statusChange("o1", "t1", "mes", "SENT_TO_MES", "ACCEPTED", T0),
      statusChange("o1", "t2", "mes", "ACCEPTED", "IN_PRODUCTION", T0 + MINUTE),
      statusChange("o1", "t3", "mes", "SENT_TO_MES", "ACCEPTED", T0 + 2 * MINUTE),
    ];
    const chain = orderTransitions(spans);
    expect(chain.map((t) => t.status)).toEqual(["ACCEPTED", "IN_PRODUCTION"]);
    expect(chain[0].at).toBe(T0);
  });

  it("reads the instrumentation's NONE and UNKNOWN previous status as no link", () => {
    // SUBMITTED's process never saw CREATED (UNKNOWN); the chain still starts at CREATED (NONE).
    const spans = [
      statusChange("o1", "t1", "crm", "UNKNOWN", "SUBMITTED", T0 - 2_000),
      statusChange("o1", "t1", "shop", "NONE", "CREATED", T0 - 3_000),
      statusChange("o1", "t2", "crm", "SUBMITTED", "APPROVED", T0),
    ];
    expect(orderTransitions(spans).map((t) => [t.status, t.previousStatus])).toEqual([
      ["CREATED", undefined],
      ["SUBMITTED", undefined],
      ["APPROVED", "SUBMITTED"],
    ]);
  });

  it("takes changes without previous status by time", () => {
    const spans = [
      statusChange("o1", "t2", "crm", undefined, "APPROVED", T0 + MINUTE),
      statusChange("o1", "t1", "crm", undefined, "SUBMITTED", T0),
    ];
    expect(orderTransitions(spans).map((t) => t.status)).toEqual(["SUBMITTED", "APPROVED"]);
  });
});

describe("percentile", () => {
  it("is the nearest-rank percentile, null without values", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe("buildReport", () => {
  const step = 2 * MINUTE;

  it("finds no stuck order when every order is delivered, and times each status", () => {
    const spans = syntheticOrderSpans(
      [
        { orderId: "ord-1", outcome: "delivered", createdAt: T0 },
        { orderId: "ord-2", outcome: "delivered", createdAt: T0 + MINUTE },
      ],
      step,
    );
    const report = buildReport(spans, options(T0 + 24 * 60 * MINUTE));
    expect(report.orders).toBe(2);
    expect(report.traces).toBe(12);
    expect(report.stuck).toEqual([]);
    const row = (status: string) => report.byStatus.find((r) => r.status === status);
    // SUBMITTED at +150 ms, APPROVED at +step +10 ms.
    expect(row("SUBMITTED")).toMatchObject({ stuckCount: 0, p50Ms: step - 140, p95Ms: step - 140, entered: 2 });
    expect(row("APPROVED")).toMatchObject({ p50Ms: 10 });
    // A terminal status is never left: no time in it, never stuck.
    expect(row("DELIVERED")).toMatchObject({ stuckCount: 0, p50Ms: null, p95Ms: null, current: 2 });
  });

  it("attributes each stuck order to the status, service and operation where it stopped", () => {
    const spans = syntheticOrderSpans(
      [
        { orderId: "ord-logic", outcome: "mes-logic-error", createdAt: T0 },
        { orderId: "ord-broker", outcome: "broker-loss", createdAt: T0 + MINUTE },
        { orderId: "ord-s3", outcome: "s3-model-deleted", createdAt: T0 + 2 * MINUTE },
        { orderId: "ord-ok", outcome: "delivered", createdAt: T0 },
      ],
      step,
    );
    const now = T0 + 3 * 60 * MINUTE;
    const report = buildReport(spans, options(now));
    const stuck = Object.fromEntries(report.stuck.map((s) => [s.orderId, s]));
    expect(Object.keys(stuck).sort()).toEqual(["ord-broker", "ord-logic", "ord-s3"]);
    expect(stuck["ord-logic"]).toMatchObject({
      status: "SENT_TO_MES",
      since: new Date(T0 + step + 20).toISOString(),
      service: "mes",
      operation: OPERATIONS.consume,
      reason: "failed",
      error: ERRORS.mesLogic,
      traceEnd: { service: "mes", operation: OPERATIONS.consume },
    });
    expect(stuck["ord-broker"]).toMatchObject({
      status: "SENT_TO_MES",
      service: "crm",
      operation: OPERATIONS.publish,
      reason: "recorded-status",
      error: null,
      traceEnd: { service: "crm", operation: OPERATIONS.publish },
    });
    // The innermost failure names the cause (the S3 read), not the consumer that failed because of it.
    expect(stuck["ord-s3"]).toMatchObject({
      status: "SENT_TO_MES",
      service: "mes",
      operation: OPERATIONS.getModel,
      reason: "failed",
      error: ERRORS.s3DeletedText,
    });
    const approvalTrace = spans.find((s) => s.orderId === "ord-logic" && s.status === "SENT_TO_MES")!.traceId;
    expect(stuck["ord-logic"].traceUrl).toBe(`https://jaeger.internal.example/trace/${approvalTrace}`);
    // Longest stuck first; worst status first.
    expect(report.stuck.map((s) => s.orderId)).toEqual(["ord-logic", "ord-broker", "ord-s3"]);
    expect(report.byStatus[0]).toMatchObject({ status: "SENT_TO_MES", stuckCount: 3, current: 3 });
  });

  it("calls an order stuck only after --stuck-after in a non-terminal status", () => {
    const spans = syntheticOrderSpans([{ orderId: "ord-1", outcome: "in-production", createdAt: T0 }], step);
    const inProductionAt = spans.find((s) => s.status === "IN_PRODUCTION")!.startMs;
    expect(buildReport(spans, options(inProductionAt + 29 * MINUTE)).stuck).toEqual([]);
    const later = buildReport(spans, options(inProductionAt + 31 * MINUTE));
    expect(later.stuck).toMatchObject([
      { orderId: "ord-1", status: "IN_PRODUCTION", service: "mes", operation: "POST /orders/:id/start", error: null },
    ]);
    expect(later.stuck[0].stuckForMs).toBe(31 * MINUTE);
  });

  it("never calls an order in a terminal status stuck, whatever its age", () => {
    const spans = [
      statusChange("o1", "t1", "crm", "SUBMITTED", "REJECTED", T0),
      statusChange("o2", "t2", "crm", "SUBMITTED", "CANCELLED", T0),
    ];
    const report = buildReport(spans, options(T0 + 7 * 24 * 60 * MINUTE));
    expect(report.stuck).toEqual([]);
    expect(report.orders).toBe(2);
  });

  it("clamps a stay that clock skew makes negative to zero and keeps the order moving", () => {
    const spans = [
      statusChange("o1", "t1", "crm", "APPROVED", "SENT_TO_MES", T0),
      statusChange("o1", "t1", "mes", "SENT_TO_MES", "ACCEPTED", T0 - 3 * MINUTE),
      statusChange("o1", "t2", "mes", "ACCEPTED", "IN_PRODUCTION", T0 + MINUTE),
    ];
    const report = buildReport(spans, options(T0 + 2 * MINUTE));
    expect(report.byStatus.find((r) => r.status === "SENT_TO_MES")).toMatchObject({ p50Ms: 0, current: 0 });
    expect(report.byStatus.find((r) => r.status === "ACCEPTED")).toMatchObject({ p50Ms: 4 * MINUTE });
    expect(report.byStatus.find((r) => r.status === "IN_PRODUCTION")).toMatchObject({ current: 1 });
  });

  it("does not judge an order seen only through spans without status changes", () => {
    const lookup = span({ traceId: "t9", service: "shop", operation: "GET /orders/:id", startMs: T0, orderId: "old" });
    const report = buildReport([lookup], options(T0 + 48 * 60 * MINUTE));
    expect(report.orders).toBe(0);
    expect(report.stuck).toEqual([]);
    expect(report.byService).toMatchObject([{ service: "shop", entrySpans: 1 }]);
  });

  it("ignores other orders' spans when it looks for where an order stopped", () => {
    const root = span({ traceId: "t1", service: "crm", operation: "POST /batch", startMs: T0, endMs: T0 + 100 });
    const mine = statusChange("mine", "t1", "crm", "APPROVED", "SENT_TO_MES", T0 + 10, undefined, root);
    const minePublish = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      startMs: T0 + 20,
      orderId: "mine",
      parentSpanId: root.spanId,
    });
    const otherFailure = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      startMs: T0 + 30,
      orderId: "other",
      parentSpanId: root.spanId,
      failed: true,
      error: "channel closed",
    });
    const report = buildReport([root, mine, minePublish, otherFailure], options(T0 + 60 * MINUTE));
    expect(report.stuck).toMatchObject([{ orderId: "mine", service: "crm", operation: "publish", error: null }]);
  });

  it("passes status-change spans by: the trace ends at the last thing the service did", () => {
    // CRM publishes the work order, then records SENT_TO_MES: the trace ends at the publish.
    const root = span({ traceId: "t1", service: "crm", operation: "approve", startMs: T0, endMs: T0 + 50 });
    const publish = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      startMs: T0 + 10,
      orderId: "o1",
      parentSpanId: root.spanId,
    });
    const change = statusChange("o1", "t1", "crm", "APPROVED", "SENT_TO_MES", T0 + 30, undefined, root);
    const report = buildReport([root, publish, change], options(T0 + 60 * MINUTE));
    expect(report.stuck).toMatchObject([{ service: "crm", operation: "publish", error: null }]);
  });

  it("follows the branch where work went on, when siblings start in the same millisecond", () => {
    // Express: the body parser middleware and the request handler start together; the handler
    // goes on to publish the work order.
    const root = span({ traceId: "t1", service: "crm", operation: "POST approve", startMs: T0, endMs: T0 + 20 });
    const handler = span({
      traceId: "t1",
      service: "crm",
      operation: "request handler",
      startMs: T0,
      parentSpanId: root.spanId,
    });
    const parser = span({
      traceId: "t1",
      service: "crm",
      operation: "middleware - jsonParser",
      startMs: T0,
      parentSpanId: root.spanId,
    });
    const publish = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      startMs: T0 + 3,
      orderId: "o1",
      parentSpanId: handler.spanId,
    });
    const change = statusChange("o1", "t1", "crm", "APPROVED", "SENT_TO_MES", T0 + 19, undefined, handler);
    const report = buildReport([root, handler, parser, publish, change], options(T0 + 60 * MINUTE));
    expect(report.stuck).toMatchObject([{ service: "crm", operation: "publish" }]);
  });

  it("follows causality, not clocks, to the end of the trace", () => {
    // MES's clock is slow: its consumer span starts "before" CRM's publish that caused it.
    const root = span({ traceId: "t1", service: "crm", operation: "approve", startMs: T0, endMs: T0 + 50 });
    const change = statusChange("o1", "t1", "crm", "APPROVED", "SENT_TO_MES", T0 + 10, undefined, root);
    const publish = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      startMs: T0 + 20,
      orderId: "o1",
      parentSpanId: root.spanId,
    });
    const consume = span({
      traceId: "t1",
      service: "mes",
      operation: "process",
      startMs: T0 - 60_000,
      orderId: "o1",
      parentSpanId: publish.spanId,
    });
    const report = buildReport([consume, publish, change, root], options(T0 + 60 * MINUTE));
    // Nothing failed: CRM recorded SENT_TO_MES, so it holds the order; the trace ends in MES.
    expect(report.stuck).toMatchObject([
      {
        service: "crm",
        operation: "publish",
        reason: "recorded-status",
        traceEnd: { service: "mes", operation: "process" },
      },
    ]);
  });

  it("times services by their entry spans and shares the time each spent itself", () => {
    // shop 100 ms, calling crm for 60 ms of it; crm publishes; mes consumes after crm answered.
    const shop = span({ traceId: "t1", service: "shop", operation: "POST /orders", startMs: T0, endMs: T0 + 100 });
    const client = span({
      traceId: "t1",
      service: "shop",
      startMs: T0 + 20,
      endMs: T0 + 85,
      parentSpanId: shop.spanId,
    });
    const crm = span({ traceId: "t1", service: "crm", startMs: T0 + 25, endMs: T0 + 85, parentSpanId: client.spanId });
    const mes = span({ traceId: "t1", service: "mes", startMs: T0 + 200, endMs: T0 + 300, parentSpanId: crm.spanId });
    const change = statusChange("o1", "t1", "crm", "CREATED", "SUBMITTED", T0 + 30, undefined, crm);
    const report = buildReport([shop, client, crm, mes, change], options(T0 + MINUTE));
    expect(report.byService).toEqual([
      { service: "mes", p50Ms: 100, p95Ms: 100, share: 0.5, entrySpans: 1 },
      { service: "crm", p50Ms: 60, p95Ms: 60, share: 0.3, entrySpans: 1 },
      { service: "shop", p50Ms: 100, p95Ms: 100, share: 0.2, entrySpans: 1 },
    ]);
  });

  it("waiting after a status event consumed elsewhere: the service that recorded the status holds the order", () => {
    // MES accepted the order (its status event announces ACCEPTED) and nobody started production:
    // the trace ends at CRM consuming the event, but the order waits in MES.
    const spans = syntheticOrderSpans([{ orderId: "ord-acc", outcome: "accepted", createdAt: T0 }], step);
    const report = buildReport(spans, options(T0 + 3 * 60 * MINUTE));
    const acceptedTrace = spans.find((s) => s.status === "ACCEPTED")!.traceId;
    expect(report.stuck).toEqual([
      expect.objectContaining({
        orderId: "ord-acc",
        status: "ACCEPTED",
        service: "mes",
        operation: OPERATIONS.publishStatus,
        reason: "recorded-status",
        error: null,
        traceEnd: { service: "crm", operation: OPERATIONS.consumeStatus },
        traceId: acceptedTrace,
        traceUrl: `https://jaeger.internal.example/trace/${acceptedTrace}`,
      }),
    ]);
  });

  it("a configured owner holds a status that another service records on its behalf", () => {
    // A JVM MES without status rules: CRM records ACCEPTED when it consumes MES's event.
    const root = span({
      traceId: "t1",
      service: "crm",
      operation: "POST /orders/:id/approve",
      kind: "server",
      startMs: T0,
    });
    const publish = span({
      traceId: "t1",
      service: "crm",
      operation: "publish",
      kind: "producer",
      request: OPERATIONS.publish,
      startMs: T0 + 5,
      orderId: "o1",
      parentSpanId: root.spanId,
    });
    const consume = span({
      traceId: "t1",
      service: "mes",
      operation: "mes.work-orders receive",
      kind: "consumer",
      request: OPERATIONS.consume,
      startMs: T0 + 10,
      orderId: "o1",
      parentSpanId: publish.spanId,
    });
    const event = span({
      traceId: "t1",
      service: "mes",
      operation: "crm.order-status send",
      kind: "producer",
      request: OPERATIONS.publishStatus,
      startMs: T0 + 20,
      orderId: "o1",
      parentSpanId: consume.spanId,
    });
    const mirror = span({
      traceId: "t1",
      service: "crm",
      operation: "crm.order-status receive",
      kind: "consumer",
      request: OPERATIONS.consumeStatus,
      startMs: T0 + 30,
      orderId: "o1",
      parentSpanId: event.spanId,
    });
    const change = statusChange("o1", "t1", "crm", "SENT_TO_MES", "ACCEPTED", T0 + 31, undefined, mirror);
    const spans = [root, publish, consume, event, mirror, change];
    const byDefault = buildReport(spans, options(T0 + 60 * MINUTE));
    expect(byDefault.stuck).toMatchObject([
      { service: "crm", operation: OPERATIONS.consumeStatus, reason: "recorded-status" },
    ]);
    const configured = buildReport(spans, { ...options(T0 + 60 * MINUTE), statusOwners: { ACCEPTED: "mes" } });
    expect(configured.stuck).toMatchObject([
      {
        service: "mes",
        operation: OPERATIONS.publishStatus,
        reason: "configured-owner",
        error: null,
        traceEnd: { service: "crm", operation: OPERATIONS.consumeStatus },
      },
    ]);
    // An owner configured for another status changes nothing here.
    expect(
      buildReport(spans, { ...options(T0 + 60 * MINUTE), statusOwners: { IN_PRODUCTION: "mes" } }).stuck[0].service,
    ).toBe("crm");
  });

  it("failing after the last status change: the failing service, named by the request it served, with its error", () => {
    // The MES logic error: Express's request handler throws inside POST /orders/:id/start (500).
    const server = span({
      traceId: "t2",
      service: "mes",
      operation: "POST /orders/:id/start",
      kind: "server",
      request: "POST /orders/:id/start",
      startMs: T0 + MINUTE,
      endMs: T0 + MINUTE + 5,
      orderId: "o1",
      failed: true,
      httpStatus: 500,
      error: "Cannot read properties of undefined (reading 'nozzleTemperatureC')",
    });
    const handler = span({
      traceId: "t2",
      service: "mes",
      operation: "request handler - /orders/:id/start",
      kind: "internal",
      startMs: T0 + MINUTE + 1,
      orderId: "o1",
      parentSpanId: server.spanId,
      failed: true,
      errorType: "TypeError",
      error: "Cannot read properties of undefined (reading 'nozzleTemperatureC')",
    });
    const accepted = statusChange("o1", "t1", "mes", "SENT_TO_MES", "ACCEPTED", T0);
    const report = buildReport([accepted, server, handler], options(T0 + 60 * MINUTE));
    expect(report.stuck).toMatchObject([
      {
        status: "ACCEPTED",
        service: "mes",
        operation: "POST /orders/:id/start",
        reason: "failed",
        error: "TypeError (HTTP 500): Cannot read properties of undefined (reading 'nozzleTemperatureC')",
        traceId: "t2".padStart(32, "0"), // as the log lines carry it
        traceUrl: "https://jaeger.internal.example/trace/t2",
      },
    ]);
    // A failure before the trace that set the status is history, not the reason it is stuck now.
    const later = statusChange("o1", "t3", "mes", "SENT_TO_MES", "ACCEPTED", T0 + 2 * MINUTE);
    expect(buildReport([later, { ...server, startMs: T0 }, handler], options(T0 + 60 * MINUTE)).stuck).toMatchObject([
      { reason: "recorded-status", error: null },
    ]);
  });

  it("failing in a client call: the call itself is the operation, its exception type and response code the error", () => {
    const consume = span({
      traceId: "t1",
      service: "mes",
      operation: "mes.work-orders process",
      kind: "consumer",
      request: OPERATIONS.consume,
      startMs: T0,
      orderId: "o1",
      failed: true,
      error: "UnknownError",
    });
    const getObject = span({
      traceId: "t1",
      service: "mes",
      operation: "S3.GetObject",
      kind: "client",
      startMs: T0 + 1,
      orderId: "o1",
      parentSpanId: consume.spanId,
      failed: true,
      errorType: "NoSuchKey",
      httpStatus: 404,
      error: "UnknownError",
    });
    const sent = statusChange("o1", "t0", "crm", "APPROVED", "SENT_TO_MES", T0 - 1_000);
    const report = buildReport([sent, consume, getObject], options(T0 + 60 * MINUTE));
    expect(report.stuck).toMatchObject([
      { service: "mes", operation: "S3.GetObject", reason: "failed", error: "NoSuchKey (HTTP 404)" },
    ]);
  });

  it("links traces under the UI base given, without a doubled slash", () => {
    const spans = [statusChange("o1", "abc", "crm", "SUBMITTED", "APPROVED", T0)];
    const report = buildReport(spans, {
      now: T0 + 2 * 60 * MINUTE,
      stuckAfterMs: MINUTE,
      jaegerUiUrl: "http://j:16686/",
    });
    expect(report.stuck[0].traceUrl).toBe("http://j:16686/trace/abc");
  });
});

describe("operationName", () => {
  const index = { parentOf: (s: ReportSpan) => spans.find((p) => p.spanId === s.parentSpanId) };
  const server = span({
    traceId: "t",
    service: "mes",
    operation: "POST",
    kind: "server",
    request: "POST /orders/:id/start",
    startMs: T0,
  });
  const handler = span({
    traceId: "t",
    service: "mes",
    operation: "request handler",
    startMs: T0,
    parentSpanId: server.spanId,
  });
  const s3 = span({
    traceId: "t",
    service: "mes",
    operation: "S3.GetObject",
    kind: "client",
    startMs: T0,
    parentSpanId: handler.spanId,
  });
  const spans = [server, handler, s3];

  it("names a span inside a request by the request, and a call out by the call", () => {
    expect(operationName(index, handler)).toBe("POST /orders/:id/start");
    expect(operationName(index, server)).toBe("POST /orders/:id/start");
    expect(operationName(index, s3)).toBe("S3.GetObject");
  });

  it("keeps the span's name where nothing better is known", () => {
    const lone = span({ traceId: "u", service: "crm", operation: "cleanup", startMs: T0 });
    expect(operationName(index, lone)).toBe("cleanup");
  });
});

describe("the Java agent's RabbitMQ spans (a JVM MES)", () => {
  // An order MES accepted and nobody started, traced as the Java agent traces MES: it consumes the
  // work order, fetches the model, publishes its status event to the default exchange, waits for the
  // broker's confirm and acknowledges the work order last, after CRM consumed the event.
  const order = "o-jvm";
  const crmPublish = span({
    traceId: "j",
    service: "crm",
    operation: "publish",
    kind: "producer",
    request: "mes.work-orders publish",
    startMs: T0,
    orderId: order,
  });
  const consume = span({
    traceId: "j",
    service: "mes",
    operation: "mes.work-orders process",
    kind: "consumer",
    request: "mes.work-orders process",
    startMs: T0 + 2,
    parentSpanId: crmPublish.spanId,
    orderId: order,
  });
  const getObject = span({
    traceId: "j",
    service: "mes",
    operation: "S3.GetObject",
    kind: "client",
    startMs: T0 + 3,
    parentSpanId: consume.spanId,
    orderId: order,
  });
  const publish = span({
    traceId: "j",
    service: "mes",
    operation: "<default> publish",
    kind: "producer",
    request: "crm.order-status publish",
    startMs: T0 + 5,
    parentSpanId: consume.spanId,
    orderId: order,
  });
  const confirms = span({
    traceId: "j",
    service: "mes",
    operation: "Channel.waitForConfirmsOrDie",
    kind: "client",
    housekeeping: true,
    startMs: T0 + 6,
    parentSpanId: consume.spanId,
    orderId: order,
  });
  const crmConsume = span({
    traceId: "j",
    service: "crm",
    operation: "crm.order-status process",
    kind: "consumer",
    request: "crm.order-status process",
    startMs: T0 + 7,
    parentSpanId: publish.spanId,
    orderId: order,
  });
  const accepted = statusChange(order, "j", "crm", "SENT_TO_MES", "ACCEPTED", T0 + 8, undefined, crmConsume);
  const ack = span({
    traceId: "j",
    service: "mes",
    operation: "basic.ack",
    kind: "client",
    housekeeping: true,
    startMs: T0 + 9,
    parentSpanId: consume.spanId,
    orderId: order,
  });
  const spans = [crmPublish, consume, getObject, publish, confirms, crmConsume, accepted, ack];

  it("names an acknowledgement by the message it settles", () => {
    const index = { parentOf: (s: ReportSpan) => spans.find((p) => p.spanId === s.parentSpanId) };
    expect(operationName(index, ack)).toBe("mes.work-orders process");
    expect(operationName(index, confirms)).toBe("mes.work-orders process");
    expect(operationName(index, publish)).toBe("crm.order-status publish");
  });

  it("passes the acknowledgement by: MES last published the status event, and the trace ends in CRM", () => {
    const report = buildReport(spans, { ...options(T0 + 60 * MINUTE, MINUTE), statusOwners: { ACCEPTED: "mes" } });
    expect(report.stuck).toHaveLength(1);
    expect(report.stuck[0]).toMatchObject({
      orderId: order,
      status: "ACCEPTED",
      service: "mes",
      operation: "crm.order-status publish",
      reason: "configured-owner",
      traceEnd: { service: "crm", operation: "crm.order-status process" },
    });
  });
});

describe("errorText", () => {
  const noParent = { parentOf: () => undefined };
  const failing = (fields: Partial<ReportSpan>) =>
    span({ traceId: "t", service: "mes", startMs: T0, failed: true, ...fields });

  it("prefers the exception type and the response code, then a description that says more", () => {
    expect(errorText(noParent, failing({ errorType: "NoSuchKey", httpStatus: 404, error: "UnknownError" }))).toBe(
      "NoSuchKey (HTTP 404)",
    );
    expect(errorText(noParent, failing({ errorType: "TypeError", error: "x is undefined" }))).toBe(
      "TypeError: x is undefined",
    );
    expect(errorText(noParent, failing({ error: "NoSuchKey: The key does not exist.", httpStatus: 404 }))).toBe(
      "NoSuchKey: The key does not exist. (HTTP 404)",
    );
    expect(errorText(noParent, failing({ errorType: "NoSuchKey", error: "NoSuchKey: gone" }))).toBe("NoSuchKey: gone");
  });

  it("shows a catch-all description only when the span says nothing else", () => {
    expect(errorText(noParent, failing({ error: "UnknownError", httpStatus: 503 }))).toBe("HTTP 503");
    expect(errorText(noParent, failing({ error: "UnknownError" }))).toBe("UnknownError");
    expect(errorText(noParent, failing({}))).toBeNull();
  });
});

describe("distribution", () => {
  it("counts sorted stays per bucket, longer than a week in the last", () => {
    expect(distribution([5, 1_000, 1_001, 59_000, 8 * 86_400_000])).toEqual([2, 1, 1, 0, 0, 0, 0, 0, 1]);
    expect(distribution([])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
