import { describe, expect, it } from "vitest";
import { buildReport } from "./lifecycle";
import { EXEMPLAR_LABELS, METRIC_NAMES } from "./metric-names";
import { ReportMetrics } from "./metrics";
import { renderPage } from "./serve";
import { syntheticOrderSpans } from "./testing/synthetic-orders";

// Issue 21: every stuck order's trace id reaches the metrics as an exemplar (OpenMetrics), and the
// page at / shows its trace id and logs link.

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T12:00:00.000Z");
const OPENMETRICS = "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5";
const TEMPLATE = "https://logs.internal.example/search?q=trace_id:{traceId}&order={orderId}";

const reportOf = (orders: Parameters<typeof syntheticOrderSpans>[0]) =>
  buildReport(syntheticOrderSpans(orders), {
    now: NOW,
    stuckAfterMs: 30 * 60_000,
    jaegerUiUrl: "http://ui",
    logsUrlTemplate: TEMPLATE,
  });

/** The OpenMetrics line of a counter series, with its exemplar. */
function counterLine(text: string, labels: string): string | undefined {
  return text.split("\n").find((line) => line.startsWith(`${METRIC_NAMES.ordersBecameStuck}${labels} `));
}

describe("the stuck orders' exemplars", () => {
  const first = reportOf([
    { orderId: "ord-1", outcome: "mes-logic-error", createdAt: NOW - 5 * HOUR },
    { orderId: "ord-2", outcome: "broker-loss", createdAt: NOW - 2 * HOUR },
  ]);

  it("count each order once when it becomes stuck, the exemplar naming its trace and order (OpenMetrics)", async () => {
    const metrics = new ReportMetrics({ processMetrics: false });
    metrics.updateReport(first, [], 0);
    metrics.updateReport(first, [], 0); // the next read: still stuck, not counted again
    const { contentType, body } = await metrics.exposition(OPENMETRICS);
    expect(contentType).toMatch(/^application\/openmetrics-text/);
    for (const stuck of first.stuck) {
      const line = counterLine(body, `{status="${stuck.status}",service="${stuck.service}"}`);
      expect(line, body).toBe(
        `${METRIC_NAMES.ordersBecameStuck}{status="${stuck.status}",service="${stuck.service}"} 1 ` +
          `# {${EXEMPLAR_LABELS.traceId}="${stuck.traceId}",${EXEMPLAR_LABELS.orderId}="${stuck.orderId}"} 1 ` +
          line?.split(" ").at(-1),
      );
      expect(stuck.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(body.trimEnd().endsWith("# EOF")).toBe(true);
  });

  it("keep the exemplar of the newest order of a series, and count an order again only after it left", async () => {
    const metrics = new ReportMetrics({ processMetrics: false });
    metrics.updateReport(first, [], 0);
    const later = reportOf([
      { orderId: "ord-1", outcome: "mes-logic-error", createdAt: NOW - 5 * HOUR },
      { orderId: "ord-3", outcome: "mes-logic-error", createdAt: NOW - 4 * HOUR },
    ]);
    metrics.updateReport(later, [], 0);
    const stuck3 = later.stuck.find((s) => s.orderId === "ord-3")!;
    const body = (await metrics.exposition(OPENMETRICS)).body;
    const line = counterLine(body, `{status="${stuck3.status}",service="${stuck3.service}"}`);
    expect(line).toContain(` 2 # {trace_id="${stuck3.traceId}",order_id="ord-3"} 1 `);
  });

  it("are left out of the Prometheus text format, which stays the default", async () => {
    const metrics = new ReportMetrics({ processMetrics: false });
    metrics.updateReport(first, [], 0);
    const { contentType, body } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(body).not.toContain("trace_id=");
    const stuck = first.stuck[0];
    expect(body).toContain(`${METRIC_NAMES.ordersBecameStuck}{status="${stuck.status}",service="${stuck.service}"} 1`);
  });
});

describe("the page at /", () => {
  it("shows each stuck order's trace id and logs link", () => {
    const report = reportOf([{ orderId: "ord-1", outcome: "mes-logic-error", createdAt: NOW - 5 * HOUR }]);
    const page = renderPage({ report, startMs: NOW - 24 * HOUR, endMs: NOW }, 30 * 60_000);
    const [stuck] = report.stuck;
    expect(page).toContain(stuck.traceId);
    expect(page).toContain((stuck.logsUrl ?? "").replace(/&/g, "&amp;"));
  });
});
