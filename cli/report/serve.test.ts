import { HAPPY_PATH } from "../../contract/trace";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { IncrementalWindow, READ_OVERLAP_MS } from "./incremental";
import { buildReport } from "./lifecycle";
import { METRIC_NAMES, ReportMetrics } from "./metrics";
import { parseReportArgs, UsageError } from "./options";
import { startExporter, type RunningExporter } from "./serve";
import type { ReportSpan } from "./spans";
import { otlpExportRequest, syntheticOrderSpans, type SyntheticOrder } from "./testing/synthetic-orders";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T12:00:00.000Z");
const order = (orderId: string, outcome: SyntheticOrder["outcome"], createdAt: number): SyntheticOrder => ({
  orderId,
  outcome,
  createdAt,
});

/** Jaeger query's api/v3 search on loopback over a span list the test changes between reads. */
interface FakeJaeger {
  url: URL;
  spans: ReportSpan[];
  /** [start_time_min, start_time_max] of every search, epoch ms. */
  searches: [number, number][];
  down: boolean;
}

let server: Server | undefined;
let exporter: RunningExporter | undefined;
afterEach(async () => {
  await exporter?.stop();
  exporter = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function fakeJaeger(spans: ReportSpan[]): Promise<FakeJaeger> {
  const fake: FakeJaeger = { url: new URL("http://127.0.0.1/"), spans, searches: [], down: false };
  server = createServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (fake.down) return send(503, { error: { message: "storage unavailable" } });
    const { pathname, searchParams } = new URL(req.url ?? "/", "http://x");
    if (pathname === "/api/v3/services") return send(200, { services: [...new Set(fake.spans.map((s) => s.service))] });
    if (pathname !== "/api/v3/traces") return send(404, {});
    const service = searchParams.get("query.service_name");
    const min = Date.parse(searchParams.get("query.start_time_min")!);
    const max = Date.parse(searchParams.get("query.start_time_max")!);
    fake.searches.push([min, max]);
    const traces = new Map<string, ReportSpan[]>();
    for (const span of fake.spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
    const found = [...traces.values()].filter((t) =>
      t.some((s) => s.service === service && s.startMs >= min && s.startMs <= max),
    );
    if (found.length === 0) return send(404, { error: { message: "No traces found" } });
    return send(200, { result: otlpExportRequest(found.flat()) });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  fake.url = new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/`);
  return fake;
}

/** The value of one sample of the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("parseReportArgs --serve", () => {
  it("reads --serve, --listen and --interval", () => {
    const options = parseReportArgs(["--jaeger-url", "http://j:16686", "--serve", "--listen", "0.0.0.0:9464"]);
    expect(options.serve).toEqual({ host: "0.0.0.0", port: 9464, intervalMs: 60_000 });
    expect(parseReportArgs(["--jaeger-url=http://j:16686", "--serve", "--interval=15s"]).serve).toEqual({
      host: "127.0.0.1",
      port: 9464,
      intervalMs: 15_000,
    });
    expect(parseReportArgs(["--jaeger-url", "http://j", "--serve", "--listen", "[::1]:0"]).serve?.host).toBe("::1");
  });

  it("names the flag and the fix on bad input", () => {
    const bad =
      (...args: string[]) =>
      () =>
        parseReportArgs(["--jaeger-url", "http://j", ...args]);
    expect(bad("--listen", "1.2.3.4:9464")).toThrow(/--listen: applies to --serve only/);
    expect(bad("--serve", "--listen", "9464")).toThrow(/--listen: expected HOST:PORT/);
    expect(bad("--serve", "--listen", "h:70000")).toThrow(UsageError);
    expect(bad("--serve", "--interval", "soon")).toThrow(/--interval: expected a duration/);
    expect(bad("--serve=yes")).toThrow(/--serve: takes no value/);
    expect(bad("--serve", "--format", "json")).toThrow(/--format: not with --serve/);
  });
});

describe("IncrementalWindow", () => {
  it("reads the whole window once, then only from the last read on (with the overlap)", () => {
    const window = new IncrementalWindow(24 * HOUR);
    expect(window.nextRead(NOW)).toEqual({ startMs: NOW - 24 * HOUR, endMs: NOW });
    window.add({ startMs: NOW - 24 * HOUR, endMs: NOW }, []);
    expect(window.nextRead(NOW + 60_000)).toEqual({ startMs: NOW - READ_OVERLAP_MS, endMs: NOW + 60_000 });
    // After a long pause the read never reaches back past the window.
    expect(window.nextRead(NOW + 48 * HOUR).startMs).toBe(NOW + 24 * HOUR);
  });

  it("keeps each span once, and drops traces that ended before the window", () => {
    const spans = syntheticOrderSpans([
      order("ord-old", "delivered", NOW - 30 * HOUR),
      order("ord-new", "broker-loss", NOW - HOUR),
    ]);
    const window = new IncrementalWindow(24 * HOUR);
    window.add(
      { startMs: NOW - 48 * HOUR, endMs: NOW - 2 * HOUR },
      spans.filter((s) => s.orderId !== "ord-new"),
    );
    const oldTraces = window.traceCount;
    expect(oldTraces).toBeGreaterThan(0);
    window.add({ startMs: NOW - 2 * HOUR, endMs: NOW }, spans);
    window.add({ startMs: NOW - 2 * HOUR, endMs: NOW }, spans);
    const held = window.spans();
    expect(held.every((s) => s.orderId !== "ord-old")).toBe(true);
    expect(new Set(held.map((s) => `${s.traceId}/${s.spanId}`)).size).toBe(held.length);
    const report = window.report({ now: NOW, stuckAfterMs: 30 * 60_000, jaegerUiUrl: "http://ui" });
    expect(report.stuck.map((s) => s.orderId)).toEqual(["ord-new"]);
  });

  it("returns each completed stay once, however many reads see it", () => {
    const spans = syntheticOrderSpans([order("ord-1", "delivered", NOW - 3 * HOUR)]);
    const window = new IncrementalWindow(24 * HOUR);
    window.add({ startMs: NOW - 24 * HOUR, endMs: NOW }, spans);
    const first = window.newlyCompletedStays();
    // CREATED … SHIPPED each ended; DELIVERED is where the order stays.
    expect(first.map((s) => s.status)).toEqual(HAPPY_PATH.slice(0, -1));
    expect(first.find((s) => s.status === "IN_PRODUCTION")?.seconds).toBe(120);
    window.add({ startMs: NOW - READ_OVERLAP_MS, endMs: NOW + 60_000 }, spans);
    expect(window.newlyCompletedStays()).toEqual([]);
  });
});

describe("ReportMetrics", () => {
  it("exposes stuck orders per status and service, the oldest age, and drops series that cleared", async () => {
    const spans = syntheticOrderSpans([
      order("ord-1", "mes-logic-error", NOW - 5 * HOUR),
      order("ord-2", "broker-loss", NOW - 2 * HOUR),
      order("ord-3", "s3-model-deleted", NOW - 3 * HOUR),
    ]);
    const report = buildReport(spans, { now: NOW, stuckAfterMs: 30 * 60_000, jaegerUiUrl: "http://ui" });
    const metrics = new ReportMetrics({ processMetrics: false });
    metrics.updateReport(report, [{ status: "APPROVED", seconds: 7200 }], 9);
    const text = (await metrics.exposition()).body;
    expect(sample(text, `${METRIC_NAMES.ordersStuck}{status="SENT_TO_MES",service="mes"}`)).toBe(2);
    expect(sample(text, `${METRIC_NAMES.ordersStuck}{status="SENT_TO_MES",service="crm"}`)).toBe(1);
    const oldest = report.stuck.find((s) => s.orderId === "ord-1")!.stuckForMs / 1000;
    expect(sample(text, `${METRIC_NAMES.oldestStuckAge}{status="SENT_TO_MES"}`)).toBe(oldest);
    expect(sample(text, `${METRIC_NAMES.timeInStatus}_bucket{le="3600",status="APPROVED"}`)).toBe(0);
    expect(sample(text, `${METRIC_NAMES.timeInStatus}_bucket{le="7200",status="APPROVED"}`)).toBe(1);
    expect(sample(text, `${METRIC_NAMES.timeInStatus}_bucket{le="604800",status="APPROVED"}`)).toBe(1);
    expect(sample(text, METRIC_NAMES.tracesHeld)).toBe(9);
    expect(text).toContain(`# TYPE ${METRIC_NAMES.timeInStatus} histogram`);
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#")))
      expect(line.startsWith("order_tracing_"), line).toBe(true);

    metrics.updateReport({ ...report, stuck: [] }, [], 0);
    const cleared = (await metrics.exposition()).body;
    expect(cleared).not.toContain(`${METRIC_NAMES.ordersStuck}{`);
    expect(cleared).not.toContain(`${METRIC_NAMES.oldestStuckAge}{`);
    // The histogram is cumulative: the observation stays.
    expect(sample(cleared, `${METRIC_NAMES.timeInStatus}_count{status="APPROVED"}`)).toBe(1);
  });
});

describe("startExporter", () => {
  it("serves /metrics and the page, reads only the new part of the window, and reports a failed read", async () => {
    let now = NOW;
    const jaeger = await fakeJaeger(syntheticOrderSpans([order("ord-1", "broker-loss", NOW - 2 * HOUR)]));
    exporter = await startExporter({
      jaegerUrl: jaeger.url,
      jaegerUiUrl: "https://tracing.internal.example/",
      sinceMs: 24 * HOUR,
      stuckAfterMs: 30 * 60_000,
      pageSize: 100,
      intervalMs: 3_600_000,
      host: "127.0.0.1",
      port: 0,
      now: () => now,
    });
    await exporter.readOnce(); // joins the first read the exporter started
    const metrics = async () => {
      const response = await fetch(`${exporter!.url}/metrics`);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
      return response.text();
    };
    let text = await metrics();
    expect(sample(text, `${METRIC_NAMES.ordersStuck}{status="SENT_TO_MES",service="crm"}`)).toBe(1);
    expect(sample(text, METRIC_NAMES.readSuccess)).toBe(1);
    expect(sample(text, `${METRIC_NAMES.readsTotal}{result="success"}`)).toBe(1);
    expect(jaeger.searches.every(([min]) => min === NOW - 24 * HOUR)).toBe(true);

    const page = await fetch(`${exporter.url}/`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("ord-1");
    expect(await (await fetch(`${exporter.url}/stuck-orders/`)).text()).toContain("ord-1");
    expect((await fetch(`${exporter.url}/nothing`)).status).toBe(404);
    // Under the proxied prefix there is only the page: the metrics stay for the scraper.
    expect((await fetch(`${exporter.url}/stuck-orders/metrics`)).status).toBe(404);
    expect((await fetch(`${exporter.url}/healthz`)).status).toBe(200);

    // Spans of an hour ago appear; the next read asks only for the last minutes, so it does not see them.
    now = NOW + 60_000;
    jaeger.spans.push(...syntheticOrderSpans([order("ord-2", "mes-logic-error", NOW - HOUR)]));
    jaeger.searches.length = 0;
    expect(await exporter.readOnce()).toBe(true);
    expect(jaeger.searches.every(([min, max]) => min === NOW - READ_OVERLAP_MS && max === now)).toBe(true);
    text = await metrics();
    // ord-2's spans all start before the overlap, so this read does not see them: only new spans are read.
    expect(sample(text, `${METRIC_NAMES.ordersStuck}{status="SENT_TO_MES",service="crm"}`)).toBe(1);

    jaeger.down = true;
    now += 60_000;
    expect(await exporter.readOnce()).toBe(false);
    text = await metrics();
    expect(sample(text, METRIC_NAMES.readSuccess)).toBe(0);
    expect(sample(text, `${METRIC_NAMES.readsTotal}{result="failure"}`)).toBe(1);
    // The last report stays (the orders did not change because Jaeger did not answer).
    expect(sample(text, `${METRIC_NAMES.ordersStuck}{status="SENT_TO_MES",service="crm"}`)).toBe(1);
  });
});
