import { describe, expect, it } from "vitest";
import { reportJson, reportTable } from "./format";
import { buildReport } from "./lifecycle";
import { syntheticOrderSpans } from "./testing/synthetic-orders";

const T0 = Date.parse("2026-11-25T08:00:00.000Z");
const NOW = T0 + 3 * 3_600_000;
const report = buildReport(
  syntheticOrderSpans([
    { orderId: "ord-1", outcome: "delivered", createdAt: T0 },
    { orderId: "ord-2", outcome: "mes-logic-error", createdAt: T0 },
    { orderId: "ord-3", outcome: "broker-loss", createdAt: T0 + 60_000 },
  ]),
  { now: NOW, stuckAfterMs: 30 * 60_000, jaegerUiUrl: "http://127.0.0.1:16686" },
);

const context = { startMs: T0 - 3_600_000, endMs: NOW, stuckAfterMs: 30 * 60_000 };

describe("reportJson", () => {
  it("has the fields of the design's contract first, in its order, and adds fields only after them", () => {
    const json = reportJson(report, context);
    expect(Object.keys(json)).toEqual(["stuck", "byStatus", "byService", "summary"]);
    expect(Object.keys(json.stuck[0])).toEqual([
      "orderId",
      "status",
      "since",
      "service",
      "operation",
      "error",
      "traceId",
      "traceUrl",
      "reason",
      "traceEnd",
      "logsUrl",
    ]);
    expect(json.stuck.map((order) => order.logsUrl)).toEqual([null, null]);
    for (const order of json.stuck) {
      expect(order.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(order.traceUrl.endsWith(order.traceId.replace(/^0+/, ""))).toBe(true);
    }
    expect(Object.keys(json.byStatus[0])).toEqual([
      "status",
      "stuckCount",
      "p50Ms",
      "p95Ms",
      "current",
      "entered",
      "distribution",
    ]);
    expect(Object.keys(json.byService[0])).toEqual(["service", "p50Ms", "p95Ms", "share", "entrySpans"]);
    expect(json.byStatus[0]).toMatchObject({ status: "SENT_TO_MES", stuckCount: 2, p50Ms: 580, p95Ms: 580 });
    // Three orders left SENT_TO_MES?: only the delivered one did, after 580 ms (the ≤1 s bucket).
    expect(json.byStatus[0].distribution).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(json.summary).toEqual({
      from: "2026-11-25T07:00:00.000Z",
      to: "2026-11-25T11:00:00.000Z",
      stuckAfterMs: 30 * 60_000,
      orders: 3,
      traces: 10,
      timeInStatusBucketsMs: [1_000, 10_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000],
      statusOwners: {},
    });
  });
});

describe("reportTable", () => {
  const text = reportTable(report, context);
  const lines = text.split("\n");

  it("summarises the window and lists worst statuses first", () => {
    expect(lines[0]).toBe(
      "Orders from 2026-11-25T07:00:00.000Z to 2026-11-25T11:00:00.000Z: 3 with status changes, 2 stuck " +
        "(in a non-terminal status for more than 30m); 10 traces.",
    );
    const statusHeader = lines.findIndex((l) => l.startsWith("STATUS"));
    expect(lines[statusHeader + 1]).toMatch(/^SENT_TO_MES\s+2\s+2\s+3\s+580ms\s+580ms$/);
  });

  it("aligns every column of a table", () => {
    const header = lines.findIndex((l) => l.startsWith("ORDER"));
    const rows = lines.slice(header, header + 3);
    const traceColumn = rows.map((row) =>
      row.startsWith("ORDER") ? row.search(/\bTRACE\s+TRACE ID/) : row.indexOf("http://"),
    );
    expect(new Set(traceColumn).size).toBe(1);
    expect(rows[1]).toContain('unknown material "unobtainium"');
    expect(rows[1]).toMatch(
      /ord-2\s+SENT_TO_MES\s+.*\s+mes\s+mes\.work-orders process\s+failed here\s+unknown material/,
    );
    expect(rows[2]).toMatch(
      /ord-3\s+SENT_TO_MES\s+2h 57m\s+\S+\s+crm\s+mes\.work-orders publish\s+recorded the status\s+-\s+crm mes\.work-orders publish\s+http:\/\/127\.0\.0\.1:16686\/trace\/\S+\s+[0-9a-f]{32}$/,
    );
    expect(rows[0]).not.toContain("LOGS");
  });
});

describe("logs links", () => {
  const template =
    "https://logs.internal.example/search?q=trace_id:{traceId}&order={orderId}&svc={service}&from={from}&to={to}";
  const spans = syntheticOrderSpans([
    { orderId: "ord-2", outcome: "mes-logic-error", createdAt: T0 },
    { orderId: "ord-3", outcome: "broker-loss", createdAt: T0 + 60_000 },
  ]);
  const firstSpanOf = (orderId: string) =>
    Math.min(...spans.filter((s) => s.orderId === orderId).map((s) => s.startMs));
  const linked = buildReport(spans, {
    now: NOW,
    stuckAfterMs: 30 * 60_000,
    jaegerUiUrl: "http://127.0.0.1:16686",
    logsUrlTemplate: template,
  });

  it("gives every stuck order the template filled with its trace, order, service and time range", () => {
    expect(linked.stuck.map((order) => order.orderId)).toEqual(["ord-2", "ord-3"]);
    for (const order of linked.stuck) {
      const url = new URL(order.logsUrl ?? "");
      expect(url.searchParams.get("q")).toBe(`trace_id:${order.traceId}`);
      expect(url.searchParams.get("order")).toBe(order.orderId);
      expect(url.searchParams.get("svc")).toBe(order.service);
      expect(url.searchParams.get("to")).toBe(new Date(NOW).toISOString());
      // From a minute before the order's first span.
      expect(url.searchParams.get("from")).toBe(new Date(firstSpanOf(order.orderId) - 60_000).toISOString());
    }
  });

  it("shows them in the JSON and in a LOGS column of the table", () => {
    expect(
      reportJson(linked, { startMs: T0, endMs: NOW, stuckAfterMs: 30 * 60_000 }).stuck.map((order) => order.logsUrl),
    ).toEqual(linked.stuck.map((o) => o.logsUrl));
    const lines = reportTable(linked, { startMs: T0, endMs: NOW, stuckAfterMs: 30 * 60_000 }).split("\n");
    const header = lines.findIndex((l) => l.startsWith("ORDER"));
    expect(lines[header]).toMatch(/TRACE ID\s+LOGS$/);
    expect(lines[header + 1].endsWith(linked.stuck[0].logsUrl ?? "")).toBe(true);
  });
});
