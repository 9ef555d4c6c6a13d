import { defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { suppressTracing, W3CBaggagePropagator } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { LastStatusMemory } from "../src/order-context";
import { tracingFixture } from "./tracing-fixture";

describe("order context across a local span tree", () => {
  it("gives every span of the tree the order id, also those that ended before it was known", async () => {
    const t = tracingFixture();
    const server = t.tracer.startSpan("POST /orders");
    const serverContext = trace.setSpan(ROOT_CONTEXT, server);
    const middleware = t.tracer.startSpan("middleware - jsonParser", {}, serverContext);
    middleware.end();
    const handler = t.tracer.startSpan("request handler - /orders", {}, serverContext);
    t.orderContext.assign(handler, "ORD-9");
    const s3 = t.tracer.startSpan("S3.PutObject", {}, trace.setSpan(serverContext, handler));
    s3.end();
    handler.end();
    server.end();
    await t.flush();
    for (const name of ["POST /orders", "middleware - jsonParser", "request handler - /orders", "S3.PutObject"]) {
      expect(t.byName(name)?.attributes["order.id"]).toBe("ORD-9");
    }
  });

  it("keeps separate trees apart", async () => {
    const t = tracingFixture();
    const first = t.tracer.startSpan("first");
    const second = t.tracer.startSpan("second");
    t.orderContext.assign(first, "ORD-1");
    first.end();
    second.end();
    await t.flush();
    expect(t.byName("first")?.attributes["order.id"]).toBe("ORD-1");
    expect(t.byName("second")?.attributes["order.id"]).toBeUndefined();
  });
});

describe("baggage filtering", () => {
  it("extracts only allow-listed baggage and turns it into attributes downstream", async () => {
    const t = tracingFixture();
    const carrier = {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      baggage: "order.id=ORD-5,customer.email=probe.persona%40example.invalid,session=abc",
    };
    const extracted = t.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const entries = propagation
      .getBaggage(extracted)
      ?.getAllEntries()
      .map(([key]) => key);
    expect(entries).toEqual(["order.id"]);
    const span = t.tracer.startSpan("consumer", {}, extracted);
    span.end();
    await t.flush();
    const exported = t.byName("consumer");
    expect(exported?.attributes["order.id"]).toBe("ORD-5");
    expect(JSON.stringify(exported?.attributes)).not.toContain("example.invalid");
    expect(exported?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it("injects the tree's order id as baggage, and no foreign baggage", () => {
    const t = tracingFixture();
    const span = t.tracer.startSpan("client");
    t.orderContext.assign(span, "ORD-6");
    const foreign = propagation.createBaggage({ "customer.name": { value: "Probe Persona" } });
    const context = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), foreign);
    const carrier: Record<string, string> = {};
    t.propagator.inject(context, carrier, defaultTextMapSetter);
    expect(carrier.baggage).toBe("order.id=ORD-6");
    expect(carrier.traceparent).toContain(span.spanContext().traceId);
  });

  it("writes the order id the way the W3C baggage propagator does when no baggage came in", () => {
    const t = tracingFixture();
    const span = t.tracer.startSpan("client");
    t.orderContext.assign(span, "ORD:7.b");
    const carrier: Record<string, string> = {};
    t.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    const reference: Record<string, string> = {};
    new W3CBaggagePropagator().inject(
      propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ "order.id": { value: "ORD:7.b" } })),
      reference,
      defaultTextMapSetter,
    );
    expect(carrier.baggage).toBe(reference.baggage);
    expect(carrier.traceparent).toContain(span.spanContext().traceId);
    // Suppressed tracing (the exporter's own calls) carries neither.
    const suppressed: Record<string, string> = {};
    t.propagator.inject(suppressTracing(trace.setSpan(ROOT_CONTEXT, span)), suppressed, defaultTextMapSetter);
    expect(suppressed).toEqual({});
  });

  it("copies other allow-listed keys as they are", async () => {
    const t = tracingFixture(["order.id", "tenant.id"]);
    const baggage = propagation.createBaggage({ "tenant.id": { value: "factory-2" }, other: { value: "x" } });
    const span = t.tracer.startSpan("work", {}, propagation.setBaggage(ROOT_CONTEXT, baggage));
    span.end();
    await t.flush();
    expect(t.byName("work")?.attributes).toMatchObject({ "tenant.id": "factory-2" });
    expect(t.byName("work")?.attributes.other).toBeUndefined();
  });
});

describe("LastStatusMemory", () => {
  it("is bounded and forgets the oldest order first", () => {
    const memory = new LastStatusMemory(2);
    memory.set("A", "CREATED");
    memory.set("B", "CREATED");
    memory.set("A", "SUBMITTED");
    memory.set("C", "CREATED");
    expect(memory.get("B")).toBeUndefined();
    expect(memory.get("A")).toBe("SUBMITTED");
    expect(memory.get("C")).toBe("CREATED");
  });
});
