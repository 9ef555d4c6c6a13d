import { defaultTextMapGetter, propagation, ROOT_CONTEXT, Span, trace } from "@opentelemetry/api";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createOrderHooks } from "../src/hooks";
import { DEFAULT_RULES, OrderTracingRules, parseRules } from "../src/rules";
import { StatusRecorder } from "../src/status-recorder";
import { tracingFixture } from "./tracing-fixture";

function setUp(rules: OrderTracingRules = DEFAULT_RULES) {
  const t = tracingFixture();
  const recorder = new StatusRecorder(t.tracer, t.orderContext, () => undefined);
  const hooks = createOrderHooks(rules, t.orderContext, recorder);
  // The hooks inject baggage through the global propagator, as register.js installs it.
  propagation.setGlobalPropagator(t.propagator);
  return { ...t, hooks };
}

const statusRules = (statusEvents: unknown) => {
  const parsed = parseRules(JSON.stringify({ statusEvents }));
  expect(parsed.problems).toEqual([]);
  return parsed.rules;
};

describe("order hooks", () => {
  afterEach(() => {
    propagation.disable();
    vi.restoreAllMocks();
  });

  it("takes the order id from the path of incoming and outgoing HTTP requests", async () => {
    const t = setUp();
    const server = t.tracer.startSpan("GET /orders/:id");
    t.hooks.httpRequest(server, { url: "/orders/ORD-11/approve?email=x%40y.example" } as http.IncomingMessage);
    server.end();
    const client = t.tracer.startSpan("POST");
    t.hooks.httpRequest(client, {
      path: "/orders/ORD-12",
      getHeader: () => undefined,
    } as unknown as http.ClientRequest);
    client.end();
    await t.flush();
    expect(t.byName("GET /orders/:id")?.attributes["order.id"]).toBe("ORD-11");
    expect(t.byName("POST")?.attributes["order.id"]).toBe("ORD-12");
  });

  it("takes the order id from an S3 key and from AMQP message bodies", async () => {
    const t = setUp();
    const s3 = t.tracer.startSpan("S3.GetObject");
    t.hooks.awsRequest(s3, {
      request: { serviceName: "S3", commandInput: { Bucket: "models", Key: "models/ORD-13/a.stl" } },
    });
    s3.end();
    const consumer = t.tracer.startSpan("mes.orders process");
    t.hooks.amqpConsume(consumer, { msg: { content: Buffer.from('{"orderId":"ORD-14","contact":{"email":"x"}}') } });
    consumer.end();
    await t.flush();
    expect(t.byName("S3.GetObject")?.attributes["order.id"]).toBe("ORD-13");
    expect(t.byName("mes.orders process")?.attributes["order.id"]).toBe("ORD-14");
  });

  it("re-injects the message headers so the published message carries the order id as baggage", () => {
    const t = setUp();
    const publish = t.tracer.startSpan("publish <default>");
    const headers: Record<string, unknown> = {};
    t.hooks.amqpPublish(publish, {
      exchange: "",
      routingKey: "mes.orders",
      content: Buffer.from('{"orderId":"ORD-15"}'),
      options: { headers },
    });
    const extracted = t.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    expect(propagation.getBaggage(extracted)?.getEntry("order.id")?.value).toBe("ORD-15");
    expect(trace.getSpanContext(extracted)?.spanId).toBe(publish.spanContext().spanId);
  });

  it("detects status events in published AMQP messages by rule", async () => {
    const rules = statusRules({
      amqp: [{ direction: "publish", routingKey: "mes.status", orderIdField: "orderId", statusField: "status" }],
    });
    const t = setUp(rules);
    const publish = (routingKey: string, body: object) => {
      const span = t.tracer.startSpan(`publish ${routingKey}`);
      t.hooks.amqpPublish(span, { exchange: "", routingKey, content: Buffer.from(JSON.stringify(body)) });
      span.end();
    };
    publish("mes.status", { orderId: "ORD-16", status: "IN_PRODUCTION" });
    publish("mes.status", { orderId: "ORD-16", status: "MANUFACTURED" });
    publish("mes.other", { orderId: "ORD-16", status: "SHIPPED" });
    await t.flush();
    const changes = t.exported().filter((span) => span.name === "order.status_change");
    expect(changes.map((span) => [span.attributes["order.status"], span.attributes["order.previous_status"]])).toEqual([
      ["IN_PRODUCTION", "UNKNOWN"],
      ["MANUFACTURED", "IN_PRODUCTION"],
    ]);
  });

  it("records the status events another service publishes when it consumes them, at the event's own time", async () => {
    const rules = statusRules({
      amqp: [
        {
          direction: "consume",
          routingKey: "crm.order-status",
          orderIdField: "orderId",
          statusField: "status",
          previousStatusField: "previousStatus",
          changedAtField: "changedAt",
        },
      ],
    });
    const t = setUp(rules);
    const consume = (body: object) => {
      const span = t.tracer.startSpan("crm.order-status process");
      const fields = { exchange: "", routingKey: "crm.order-status" };
      t.hooks.amqpConsume(span, { msg: { content: Buffer.from(JSON.stringify(body)), fields } });
      span.end();
    };
    const event = { orderId: "ORD-17", previousStatus: "SENT_TO_MES" };
    consume({ ...event, status: "ACCEPTED", changedAt: "2026-01-02T03:04:05.678Z" });
    consume({ ...event, status: "IN_PRODUCTION", previousStatus: "ACCEPTED", changedAt: "not a time" });
    await t.flush();
    const changes = t.exported().filter((span) => span.name === "order.status_change");
    expect(changes.map((span) => span.attributes["order.status"])).toEqual(["ACCEPTED", "IN_PRODUCTION"]);
    expect(changes[0].attributes["order.status_changed_at"]).toBe("2026-01-02T03:04:05.678Z");
    expect(changes[0].attributes["order.previous_status"]).toBe("SENT_TO_MES");
    // A garbled time is not recorded as it came: the change gets the time it was detected.
    expect(Date.parse(String(changes[1].attributes["order.status_changed_at"]))).toBeGreaterThan(
      Date.parse("2026-01-02"),
    );
  });

  it("detects the status in the JSON response of a configured route, without changing the response", async () => {
    const rules = statusRules({ http: [{ method: "POST", route: "/orders/:orderId/start", statusField: "status" }] });
    const t = setUp(rules);
    const server = http.createServer((request, response) => {
      const span = t.tracer.startSpan(`${request.method} ${request.url}`);
      t.hooks.httpResponse(span, response);
      response.on("finish", () => span.end());
      response.setHeader("content-type", "application/json");
      response.write('{"orderId":"ORD-17",');
      response.end('"status":"IN_PRODUCTION"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const started = await fetch(`${base}/orders/ORD-17/start`, { method: "POST" });
      expect(await started.json()).toEqual({ orderId: "ORD-17", status: "IN_PRODUCTION" });
      await (await fetch(`${base}/orders/ORD-17`)).text();
    } finally {
      server.close();
    }
    await t.flush();
    const changes = t.exported().filter((span) => span.name === "order.status_change");
    expect(changes).toHaveLength(1);
    expect(changes[0].attributes).toMatchObject({ "order.id": "ORD-17", "order.status": "IN_PRODUCTION" });
  });

  it("never throws into the application, and warns once", () => {
    const t = setUp();
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const broken = {
      setAttribute: () => {
        throw new Error("span broke");
      },
    } as unknown as Span;
    expect(() =>
      t.hooks.awsRequest(broken, { request: { commandInput: { Key: "models/ORD-18/a.stl" } } }),
    ).not.toThrow();
    expect(() =>
      t.hooks.awsRequest(broken, { request: { commandInput: { Key: "models/ORD-18/a.stl" } } }),
    ).not.toThrow();
    expect(() => t.hooks.amqpConsume(t.tracer.startSpan("x"), { msg: null } as never)).not.toThrow();
    expect(stderr.mock.calls.map((call) => String(call[0]))).toEqual([
      expect.stringMatching(/the aws request hook failed/),
      expect.stringMatching(/the amqp consume hook failed/),
    ]);
  });
});
