import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ExportAccounting } from "./export-accounting";
import { clearWarning, describe, notice, warnOnce } from "./warn";

/**
 * The exporter the batch processor talks to. It keeps a collector outage from costing the
 * service anything and makes sure export resumes by itself:
 * - a batch leaves in slices of `sliceSize` spans, each in its own event-loop turn, so no request
 *   waits behind the scrubbing and serialisation of a whole batch;
 * - after a failure it stops sending for a while (1 s, doubling to 5 s) and drops batches at
 *   once, counted, instead of scrubbing and serialising spans that cannot leave;
 * - while failures go on it replaces the inner exporter at most every 5 s: a fresh gRPC channel
 *   connects at once, where the old one may wait up to 120 s between reconnect attempts
 *   (grpc-js' default backoff), far longer than the outage;
 * - it reports one warning when an outage starts and one line with the spans lost when export
 *   resumes (or at shutdown), with the counts of `ExportAccounting`.
 */

/** The warning kind of export failures: one warning per outage. */
export const EXPORT_WARNING = "export";

export interface ResilienceOptions {
  sliceSize: number;
  firstRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Shortest time between two replacements of the inner exporter. */
  replaceAfterMs: number;
  now: () => number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  sliceSize: 128,
  firstRetryDelayMs: 1_000,
  maxRetryDelayMs: 5_000,
  replaceAfterMs: 5_000,
  now: () => Date.now(),
};

/** The drop counters at some moment, to tell what was lost since. */
interface Drops {
  exporter: number;
  queue: number;
}

interface Outage {
  since: number;
  failures: number;
  retryAt: number;
  dropsAtStart: Drops;
}

export class ResilientSpanExporter implements SpanExporter {
  private inner: SpanExporter;
  private innerCreatedAt: number;
  private outage: Outage | undefined;
  /** Drops already reported, so each line tells only what is new. */
  private reported: Drops = { exporter: 0, queue: 0 };
  private readonly options: ResilienceOptions;

  constructor(
    private readonly createInner: () => SpanExporter,
    private readonly accounting: ExportAccounting,
    private readonly destination: string,
    options: Partial<ResilienceOptions> = {},
  ) {
    this.options = { ...DEFAULT_RESILIENCE, ...options };
    this.inner = createInner();
    this.innerCreatedAt = this.options.now();
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.accounting.handed += spans.length;
    const outage = this.outage;
    if (outage && this.options.now() < outage.retryAt) {
      this.accounting.exportDropped += spans.length;
      resultCallback({ code: ExportResultCode.FAILED, error: new Error("collector unreachable; batch dropped") });
      return;
    }
    const slices: ReadableSpan[][] = [];
    for (let start = 0; start < spans.length; start += this.options.sliceSize) {
      slices.push(spans.slice(start, start + this.options.sliceSize));
    }
    this.exportSlices(slices, 0, resultCallback);
  }

  private exportSlices(slices: ReadableSpan[][], index: number, done: (result: ExportResult) => void): void {
    if (index === slices.length) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    setImmediate(() => {
      const slice = slices[index];
      this.exportOne(slice, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          this.exportSlices(slices, index + 1, done);
          return;
        }
        // The rest of the batch would fail the same way: drop it now, counted.
        for (const rest of slices.slice(index + 1)) this.accounting.exportDropped += rest.length;
        done(result);
      });
    });
  }

  private exportOne(slice: ReadableSpan[], done: (result: ExportResult) => void): void {
    let answered = false;
    const answer = (result: ExportResult): void => {
      if (answered) return;
      answered = true;
      if (result.code === ExportResultCode.SUCCESS) {
        this.accounting.exported += slice.length;
        this.recovered();
      } else {
        this.failed(result.error); // first: an outage's counts start before its first loss
        this.accounting.exportDropped += slice.length;
      }
      done(result);
    };
    try {
      this.inner.export(slice, answer);
    } catch (error) {
      answer({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private failed(error: Error | undefined): void {
    const now = this.options.now();
    const outage = (this.outage ??= {
      since: now,
      failures: 0,
      retryAt: now,
      dropsAtStart: this.drops(),
    });
    outage.failures++;
    const delay = Math.min(this.options.maxRetryDelayMs, this.options.firstRetryDelayMs * 2 ** (outage.failures - 1));
    outage.retryAt = now + delay;
    warnOnce(
      EXPORT_WARNING,
      `exporting spans to ${this.destination} failed (${describe(error)}); the service keeps running, ` +
        "and spans are dropped and counted until the collector is reachable again",
    );
    if (now - this.innerCreatedAt >= this.options.replaceAfterMs) this.replaceInner(now);
  }

  private recovered(): void {
    const outage = this.outage;
    if (!outage) {
      this.reportQueueDrops();
      return;
    }
    this.outage = undefined;
    clearWarning(EXPORT_WARNING);
    const seconds = Math.round((this.options.now() - outage.since) / 1000);
    notice(`exporting spans to ${this.destination} resumed after ${seconds} s; ${this.lossSince(outage.dropsAtStart)}`);
  }

  /** Queue drops outside an outage (more spans than the export keeps up with), at most once a batch. */
  private reportQueueDrops(): void {
    if (this.accounting.queueDropped === this.reported.queue) return;
    notice(`${this.lossSince(this.reported)}; raise OTEL_BSP_MAX_QUEUE_SIZE or sample fewer traces`);
  }

  private drops(): Drops {
    return { exporter: this.accounting.exportDropped, queue: this.accounting.queueDropped };
  }

  /** "N spans were dropped (…)" since `before`, with the totals; marks them reported. */
  private lossSince(before: Drops): string {
    const { exportDropped, queueDropped, exported } = this.accounting;
    const byExporter = exportDropped - before.exporter;
    const atQueue = queueDropped - before.queue;
    this.reported = this.drops();
    return (
      `${byExporter + atQueue} spans were dropped (${byExporter} while the collector failed, ${atQueue} at the ` +
      `full queue); since start ${exportDropped + queueDropped} dropped, ${exported} exported`
    );
  }

  private replaceInner(now: number): void {
    const old = this.inner;
    this.inner = this.createInner();
    this.innerCreatedAt = now;
    old.shutdown().catch(() => undefined);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }

  async shutdown(): Promise<void> {
    try {
      await this.inner.shutdown();
    } finally {
      this.reportLoss("at shutdown");
    }
  }

  /**
   * One line with the spans dropped since the last report, if any. Also called by the SDK's own
   * shutdown path: the batch processor skips the exporter's shutdown when its last flush fails.
   */
  reportLoss(when: string): void {
    const { exporter, queue } = this.drops();
    if (exporter > this.reported.exporter || queue > this.reported.queue) {
      notice(`${when}, ${this.lossSince(this.reported)}`);
    }
  }
}
