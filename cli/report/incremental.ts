import { buildReport, orderTransitions, type OrderReport, type ReportOptions } from "./lifecycle";
import type { CompletedStay } from "./metrics";
import { STATUS_CHANGE_SPAN } from "../../contract/trace";
import type { ReportSpan } from "./spans";

/**
 * The state `order-tracing report --serve` keeps between reads, so that each read asks Jaeger only
 * for the new part of the window: the window's traces (every span of each, by id, since the report
 * attributes a stuck order by walking its traces), the stays already observed in the time-in-status
 * histogram, and where the next read starts. Traces whose last span is older than the window, and
 * the stays of orders that left it, are dropped.
 */

/**
 * How far each read reaches back before the end of the previous one. Spans reach Jaeger late: the
 * collector holds a trace for its tail-sampling decision (30 s in the dev stack), then batches and
 * retries; spans already held are merged by id, so the overlap only costs a re-read of minutes.
 */
export const READ_OVERLAP_MS = 5 * 60_000;

export interface ReadPlan {
  startMs: number;
  endMs: number;
}

export class IncrementalWindow {
  /** traceId → spanId → span. */
  private readonly traces = new Map<string, Map<string, ReportSpan>>();
  /** The latest span end of each trace: a trace leaves the window when this does. */
  private readonly lastActivity = new Map<string, number>();
  /** Stays already observed: `orderId \u0000 status \u0000 enteredAt` → when it was entered. */
  private readonly observedStays = new Map<string, number>();
  private readEndMs: number | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly overlapMs = READ_OVERLAP_MS,
  ) {}

  /** The part of Jaeger to read now: the whole window the first time, then from the last read on. */
  nextRead(nowMs: number): ReadPlan {
    const windowStart = nowMs - this.windowMs;
    const startMs = this.readEndMs === undefined ? windowStart : Math.max(windowStart, this.readEndMs - this.overlapMs);
    return { startMs, endMs: nowMs };
  }

  /** Merges a successful read and drops what left the window. */
  add(plan: ReadPlan, spans: readonly ReportSpan[]): void {
    for (const span of spans) {
      let trace = this.traces.get(span.traceId);
      if (!trace) {
        trace = new Map();
        this.traces.set(span.traceId, trace);
      }
      trace.set(span.spanId, span);
      this.lastActivity.set(span.traceId, Math.max(this.lastActivity.get(span.traceId) ?? -Infinity, span.endMs));
    }
    this.readEndMs = plan.endMs;
    this.expire(plan.endMs - this.windowMs);
  }

  private expire(windowStartMs: number): void {
    for (const [traceId, last] of this.lastActivity) {
      if (last >= windowStartMs) continue;
      this.lastActivity.delete(traceId);
      this.traces.delete(traceId);
    }
    for (const [key, enteredAt] of this.observedStays) if (enteredAt < windowStartMs) this.observedStays.delete(key);
  }

  get traceCount(): number {
    return this.traces.size;
  }

  spans(): ReportSpan[] {
    const all: ReportSpan[] = [];
    for (const trace of this.traces.values()) for (const span of trace.values()) all.push(span);
    return all;
  }

  /** The report over everything held (the same function the one-shot report runs). */
  report(options: ReportOptions): OrderReport {
    return buildReport(this.spans(), options);
  }

  /**
   * The stays that ended since the last call (an order moved from the status to the next one),
   * each returned once: the histogram counts every stay once, however many reads see it.
   */
  newlyCompletedStays(): CompletedStay[] {
    const byOrder = new Map<string, ReportSpan[]>();
    for (const trace of this.traces.values()) {
      for (const span of trace.values()) {
        if (span.operation !== STATUS_CHANGE_SPAN || span.orderId === undefined) continue;
        const list = byOrder.get(span.orderId);
        if (list) list.push(span);
        else byOrder.set(span.orderId, [span]);
      }
    }
    const completed: CompletedStay[] = [];
    for (const [orderId, statusSpans] of byOrder) {
      const chain = orderTransitions(statusSpans);
      for (let i = 0; i + 1 < chain.length; i++) {
        const key = `${orderId}\u0000${chain[i].status}\u0000${chain[i].at}`;
        if (this.observedStays.has(key)) continue;
        this.observedStays.set(key, chain[i].at);
        // Clock skew can put the next change "before" this one; causally the stay was just short.
        completed.push({ status: chain[i].status, seconds: Math.max(0, chain[i + 1].at - chain[i].at) / 1000 });
      }
    }
    return completed;
  }
}
