import { setTimeout as delay } from "node:timers/promises";
import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import { BasicTracerProvider, BatchSpanProcessor, ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccountingSpanProcessor, ExportAccounting } from "../src/export-accounting";
import { EXPORT_WARNING, ResilientSpanExporter } from "../src/resilient-exporter";
import { clearWarning } from "../src/warn";
import { RecordingExporter, UNAVAILABLE } from "./fake-exporters";

const tracer = new BasicTracerProvider().getTracer("test");

function spans(count: number): ReadableSpan[] {
  return Array.from({ length: count }, (_, i) => {
    const span = tracer.startSpan(`work ${i}`);
    span.end();
    return span as unknown as ReadableSpan;
  });
}

function fixture() {
  let clock = 1_000_000;
  const inners: RecordingExporter[] = [];
  const accounting = new ExportAccounting();
  const exporter = new ResilientSpanExporter(
    () => {
      const inner = new RecordingExporter();
      if (inners.length > 0) inner.result = inners[inners.length - 1].result;
      inners.push(inner);
      return inner;
    },
    accounting,
    "http://collector:4317",
    { sliceSize: 128, now: () => clock },
  );
  const send = (batch: ReadableSpan[]): Promise<ExportResult> =>
    new Promise((resolve) => exporter.export(batch, resolve));
  const current = () => inners[inners.length - 1];
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const lines = () => stderr.mock.calls.map((call) => String(call[0]));
  return {
    exporter,
    accounting,
    inners,
    current,
    send,
    lines,
    advance: (ms: number) => (clock += ms),
  };
}

describe("ResilientSpanExporter", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    clearWarning(EXPORT_WARNING);
  });

  it("sends a batch in slices, each in a later event-loop turn than the call", async () => {
    const { exporter, accounting, current, send } = fixture();
    let answered = false;
    exporter.export(spans(10), () => (answered = true));
    expect(current().calls).toEqual([]); // nothing runs on the caller's stack
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(true);

    expect(await send(spans(300))).toEqual({ code: ExportResultCode.SUCCESS });
    expect(current().calls).toEqual([10, 128, 128, 44]);
    expect(accounting).toMatchObject({ handed: 310, exported: 310, exportDropped: 0 });
  });

  it("during an outage drops batches at once and counted, retrying after 1 s, then 2 s, up to 5 s", async () => {
    const { accounting, inners, current, send, lines, advance } = fixture();
    current().result = UNAVAILABLE;
    expect((await send(spans(300))).code).toBe(ExportResultCode.FAILED);
    // The first slice failed; the other two never reached the collector.
    expect(current().calls).toEqual([128]);
    expect(accounting).toMatchObject({ handed: 300, exported: 0, exportDropped: 300 });

    advance(500);
    expect((await send(spans(50))).code).toBe(ExportResultCode.FAILED);
    expect(current().calls).toEqual([128]); // dropped without scrubbing or sending
    expect(accounting.exportDropped).toBe(350);

    const calls = () => inners.reduce((sum, inner) => sum + inner.calls.length, 0);
    const attempts: number[] = [];
    for (let sinceFailure = 750; sinceFailure < 30_000; sinceFailure += 250) {
      advance(250);
      const before = calls();
      await send(spans(1));
      if (calls() > before) attempts.push(sinceFailure);
    }
    const gaps = attempts.map((at, i) => at - (i === 0 ? 0 : attempts[i - 1]));
    expect(gaps.slice(0, 3)).toEqual([1_000, 2_000, 4_000]);
    expect(new Set(gaps.slice(3))).toEqual(new Set([5_000]));
    expect(lines().filter((line) => line.includes("failed"))).toHaveLength(1);
  });

  it("replaces the inner exporter while failures go on, at most every 5 s, and shuts the old one down", async () => {
    const { inners, current, send, advance } = fixture();
    current().result = UNAVAILABLE;
    await send(spans(1));
    expect(inners).toHaveLength(1); // created just now: no reason to replace it yet
    for (let i = 0; i < 12; i++) {
      advance(5_000);
      await send(spans(1));
    }
    expect(inners.length).toBeGreaterThanOrEqual(12);
    expect(inners.slice(0, -1).every((inner) => inner.isShutdown)).toBe(true);
    expect(current().isShutdown).toBe(false);
  });

  it("reports when export resumes, with the spans lost meanwhile, and warns anew on the next outage", async () => {
    const { accounting, current, send, lines, advance } = fixture();
    await send(spans(5));
    current().result = UNAVAILABLE;
    await send(spans(200));
    accounting.queueDropped = 7; // as the accounting processor counts a full queue
    advance(61_000);
    current().result = { code: ExportResultCode.SUCCESS };
    expect((await send(spans(3))).code).toBe(ExportResultCode.SUCCESS);
    const resumed = lines().find((line) => line.includes("resumed"));
    expect(resumed).toBe(
      "[order-tracing] exporting spans to http://collector:4317 resumed after 61 s; 207 spans were dropped " +
        "(200 while the collector failed, 7 at the full queue); since start 207 dropped, 8 exported\n",
    );
    current().result = UNAVAILABLE;
    advance(10_000);
    await send(spans(1));
    expect(lines().filter((line) => line.includes("failed ("))).toHaveLength(2);
  });

  it("reports queue drops outside an outage once, with what to change", async () => {
    const { accounting, send, lines } = fixture();
    accounting.queueDropped = 40;
    await send(spans(2));
    await send(spans(2));
    expect(lines()).toEqual([
      "[order-tracing] 40 spans were dropped (0 while the collector failed, 40 at the full queue); since start 40 " +
        "dropped, 2 exported; raise OTEL_BSP_MAX_QUEUE_SIZE or sample fewer traces\n",
    ]);
  });

  it("turns an exporter that throws into a counted failure, and reports unreported losses at shutdown", async () => {
    const { exporter, accounting, current, send, lines } = fixture();
    current().throws = new Error("boom");
    expect((await send(spans(4))).code).toBe(ExportResultCode.FAILED);
    expect(accounting.exportDropped).toBe(4);
    await exporter.shutdown();
    expect(current().isShutdown).toBe(true);
    expect(lines().at(-1)).toContain("at shutdown, 4 spans were dropped (4 while the collector failed");
  });
});

describe("AccountingSpanProcessor", () => {
  it("applies the queue limit before the batch processor and counts every span it drops", async () => {
    const accounting = new ExportAccounting();
    const delivered: ReadableSpan[] = [];
    const pending: Array<() => void> = [];
    // An export that hangs until released, as a collector that accepts and does not answer.
    const hanging = {
      export(batch: ReadableSpan[], done: (result: ExportResult) => void) {
        accounting.handed += batch.length;
        pending.push(() => {
          delivered.push(...batch);
          done({ code: ExportResultCode.SUCCESS });
        });
      },
      shutdown: () => Promise.resolve(),
    };
    const batch = new BatchSpanProcessor(hanging, { maxQueueSize: 4, maxExportBatchSize: 2, scheduledDelayMillis: 1 });
    const provider = new BasicTracerProvider({
      spanProcessors: [new AccountingSpanProcessor(batch, accounting, 4)],
    });
    const tracer = provider.getTracer("test");
    for (let i = 0; i < 10; i++) tracer.startSpan(`span ${i}`).end();
    // 2 handed to the hanging export, 4 queued behind it, 4 dropped and counted.
    expect(accounting).toMatchObject({ ended: 10, handed: 2, queueDropped: 4 });
    expect(accounting.queued()).toBe(4);
    while (delivered.length + accounting.queueDropped < 10) {
      pending.shift()?.();
      await delay(5);
    }
    expect(delivered).toHaveLength(6);
    expect(accounting.queued()).toBe(0);
  });

  it("leaves unsampled spans alone", () => {
    const accounting = new ExportAccounting();
    const seen: string[] = [];
    const processor = new AccountingSpanProcessor(
      {
        onStart: () => undefined,
        onEnd: (span) => seen.push(span.name),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
      accounting,
      10,
    );
    const unsampled = { name: "x", spanContext: () => ({ traceId: "a", spanId: "b", traceFlags: 0 }) };
    processor.onEnd(unsampled as unknown as ReadableSpan);
    expect(seen).toEqual([]);
    expect(accounting.ended).toBe(0);
  });
});
