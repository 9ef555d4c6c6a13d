import { randomUUID } from "node:crypto";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** What one export of the probe ended with, as the SDK's exporter reported it. */
export type ProbeExport = { ok: true } | { ok: false; error: string };

/**
 * The SDK's own OTLP gRPC exporter (the one register.js uses), fed small batches of spans made by a
 * real tracer, so a test sees what an instrumented service sees when the collector refuses data.
 * With a short timeout the exporter does not retry a refusal away: a retry comes a second later,
 * past the deadline, so each export reports the collector's first answer.
 */
export function otlpGrpcExportProbe(url: string, timeoutMillis: number) {
  const finished = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "shop" }),
    spanProcessors: [new SimpleSpanProcessor(finished)],
  });
  const tracer = provider.getTracer("order-tracing-export-probe");
  const exporter = new OTLPTraceExporter({ url, timeoutMillis });

  /** Ends `spans` order-lookup spans (fake order ids) and exports them in one request. */
  const exportSpans = (spans: number): Promise<ProbeExport> => {
    for (let i = 0; i < spans; i++) {
      tracer.startSpan("GET /orders/:id", { attributes: { "order.id": randomUUID() } }).end();
    }
    const batch = finished.getFinishedSpans();
    finished.reset();
    return new Promise((resolve) =>
      exporter.export(batch, (result) =>
        resolve(
          result.code === ExportResultCode.SUCCESS ? { ok: true } : { ok: false, error: String(result.error?.message) },
        ),
      ),
    );
  };

  return { exportSpans, shutdown: () => Promise.all([exporter.shutdown(), provider.shutdown()]) };
}
