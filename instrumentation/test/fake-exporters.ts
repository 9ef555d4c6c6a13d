import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** An exporter that keeps what it is given and answers with a chosen result (or throws). */
export class RecordingExporter implements SpanExporter {
  spans: ReadableSpan[] = [];
  /** The size of each export call, in order. */
  calls: number[] = [];
  result: ExportResult = { code: ExportResultCode.SUCCESS };
  throws: Error | undefined;
  isShutdown = false;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.calls.push(spans.length);
    if (this.throws) throw this.throws;
    if (this.result.code === ExportResultCode.SUCCESS) this.spans.push(...spans);
    done(this.result);
  }

  shutdown(): Promise<void> {
    this.isShutdown = true;
    return Promise.resolve();
  }
}

export const UNAVAILABLE: ExportResult = { code: ExportResultCode.FAILED, error: new Error("14 UNAVAILABLE") };
