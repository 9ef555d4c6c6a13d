import { SpanStatusCode } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { ScrubbingSpanExporter } from "../src/scrubbing-exporter";
import { RecordingExporter } from "./fake-exporters";
import { leakedProbes, PII_PROBES, probeQueryString } from "./pii-probes";

function pipeline() {
  const inner = new RecordingExporter();
  const exporter = new ScrubbingSpanExporter(inner, () => undefined);
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
});
