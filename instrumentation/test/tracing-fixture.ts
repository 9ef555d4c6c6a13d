import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { OrderBaggagePropagator, OrderContext, OrderContextSpanProcessor } from "../src/order-context";
import { DEFAULT_RULES } from "../src/rules";
import { ScrubbingSpanExporter } from "../src/scrubbing-exporter";

/** A tracer provider wired like register.js (order context + scrubbing exporter), exporting to memory. */
export function tracingFixture(allowList: string[] = DEFAULT_RULES.baggageAllowList) {
  const orderContext = new OrderContext(allowList);
  const memory = new InMemorySpanExporter();
  const exporter = new ScrubbingSpanExporter(memory, (span) => orderContext.orderIdOf(span), allowList);
  // Batched as in register.js: spans leave later than they end, which is what lets a span that
  // ended before its order was known still get order.id.
  const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 });
  const provider = new BasicTracerProvider({
    spanProcessors: [new OrderContextSpanProcessor(orderContext), processor],
  });
  const tracer = provider.getTracer("test");
  const propagator = new OrderBaggagePropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    orderContext,
    allowList,
  );
  /** Sends the queued spans through the scrubbing exporter. */
  const flush = () => processor.forceFlush();
  /** Exported spans (after scrubbing); call `flush` first. */
  const exported = () => memory.getFinishedSpans();
  const byName = (name: string) => exported().find((span) => span.name === name);
  return { orderContext, memory, exporter, provider, tracer, propagator, flush, exported, byName };
}
