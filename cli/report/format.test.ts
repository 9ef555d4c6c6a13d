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
      "traceUrl",
      "reason",
      "traceEnd",
    ]);
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
      row.startsWith("ORDER") ? row.lastIndexOf("TRACE") : row.indexOf("http://"),
    );
    expect(new Set(traceColumn).size).toBe(1);
    expect(rows[1]).toContain('unknown material "unobtainium"');
    expect(rows[1]).toMatch(
      /ord-2\s+SENT_TO_MES\s+.*\s+mes\s+mes\.work-orders process\s+failed here\s+unknown material/,
    );
    expect(rows[2]).toMatch(
      /ord-3\s+SENT_TO_MES\s+2h 57m\s+\S+\s+crm\s+mes\.work-orders publish\s+recorded the status\s+-\s+crm mes\.work-orders publish\s+http:\/\/127\.0\.0\.1:16686\/trace\//,
    );
  });
});
