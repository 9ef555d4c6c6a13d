import { SpanStatusCode } from "@opentelemetry/api";
import { ExportResult, ExportResultCode } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, ReadableSpan, SimpleSpanProcessor, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ScrubbingSpanExporter } from "../src/scrubbing-exporter";
import { clearWarning } from "../src/warn";
import { leakedProbes, PII_PROBES, probeQueryString } from "./pii-probes";

/** An exporter that keeps what it is given and answers with a chosen result. */
class RecordingExporter implements SpanExporter {
  spans: ReadableSpan[] = [];
  result: ExportResult = { code: ExportResultCode.SUCCESS };
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done(this.result);
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function pipeline() {
  const inner = new RecordingExporter();
  const exporter = new ScrubbingSpanExporter(inner, () => undefined, "http://collector:4317");
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": "shop",
      "k8s.pod.name": "shop-7d9f",
      "process.command_args": ["node", "shop.js", `--admin-password=${PII_PROBES.password}`],
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { inner, tracer: provider.getTracer("test") };
}

/** Everything an exported span carries, as one string. */
function everything(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    status: span.status,
    resource: span.resource.attributes,
    links: span.links,
  });
}

describe("ScrubbingSpanExporter", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    clearWarning("export");
  });

  it("exports no probe from attributes, events, exception messages, status or resource", () => {
    const { inner, tracer } = pipeline();
    const span = tracer.startSpan(`GET /orders?email=${PII_PROBES.email}`, {
      attributes: {
        "http.request.method": "GET",
        "url.full": `http://shop.internal/orders/ORD-1?${probeQueryString()}`,
        "http.request.header.authorization": PII_PROBES.bearer,
        "messaging.message.body": JSON.stringify({ name: PII_PROBES.name, address: PII_PROBES.address }),
      },
      links: [
        {
          context: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 },
          attributes: { email: PII_PROBES.email },
        },
      ],
    });
    span.recordException(new Error(`customer ${PII_PROBES.email} card ${PII_PROBES.card} rejected`));
    span.addEvent("note", { "customer.phone": PII_PROBES.phone, "error.type": "PaymentRejected" });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `token ${PII_PROBES.jwt} expired` });
    span.end();

    expect(inner.spans).toHaveLength(1);
    const exported = inner.spans[0];
    expect(leakedProbes(everything(exported))).toEqual([]);
    expect(exported.attributes["url.full"]).toBe("http://shop.internal/orders/ORD-1");
    expect(exported.events[0].attributes?.["exception.message"]).toBe(
      "customer [REDACTED:email] card [REDACTED:card] rejected",
    );
    expect(exported.events[1].attributes).toEqual({ "error.type": "PaymentRejected" });
    expect(exported.resource.attributes).toMatchObject({ "service.name": "shop", "k8s.pod.name": "shop-7d9f" });
    expect(exported.spanContext().spanId).toBe(span.spanContext().spanId);
  });

  it("turns export failures into one warning per outage and never throws", () => {
    const { inner, tracer } = pipeline();
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    inner.result = { code: ExportResultCode.FAILED, error: new Error("14 UNAVAILABLE") };
    for (let i = 0; i < 3; i++) tracer.startSpan(`work ${i}`).end();
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0][0])).toMatch(
      /exporting spans to http:\/\/collector:4317 failed .*keeps running/,
    );
    inner.result = { code: ExportResultCode.SUCCESS };
    tracer.startSpan("recovered").end();
    inner.result = { code: ExportResultCode.FAILED, error: new Error("14 UNAVAILABLE") };
    tracer.startSpan("second outage").end();
    expect(stderr).toHaveBeenCalledTimes(2);
  });
});
