import { Context, TraceFlags } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * What became of every span that ended, so that losses are counted and reported, never hidden:
 * a span is queued, dropped at the queue (full), handed to the exporter, and then either exported
 * or dropped by the exporter (the collector failed or was unreachable).
 */
export class ExportAccounting {
  /** Sampled spans that ended in this process. */
  ended = 0;
  /** Spans dropped because the export queue was full. */
  queueDropped = 0;
  /** Spans the batch processor handed to the exporter. */
  handed = 0;
  /** Spans the collector accepted. */
  exported = 0;
  /** Spans whose export failed, or that were dropped while the collector was known unreachable. */
  exportDropped = 0;

  /** Spans waiting in the batch processor's queue. */
  queued(): number {
    return this.ended - this.queueDropped - this.handed;
  }
}

/**
 * Wraps the BatchSpanProcessor and applies its queue limit first, counting what it drops: the
 * SDK's processor drops silently (a debug line at most). The processor's queue holds exactly the
 * spans passed on and not yet handed to the exporter, so the two limits agree.
 */
export class AccountingSpanProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly accounting: ExportAccounting,
    private readonly maxQueueSize: number,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.accounting.ended++;
    if (this.accounting.queued() > this.maxQueueSize) {
      this.accounting.queueDropped++;
      return;
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
