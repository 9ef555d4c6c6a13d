import { describe, expect, it } from "vitest";
import { brokerHousekeeping, requestName, routeTemplate, spansFromLegacyJson, spansFromOtlpJson } from "./spans";

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

describe("spansFromOtlpJson (api/v3)", () => {
  const body = {
    result: {
      resourceSpans: [
        {
          resource: { attributes: [str("service.name", "mes"), str("k8s.node.name", "node-a")] },
          scopeSpans: [
            {
              scope: { name: "@opentelemetry/instrumentation-amqplib" },
              spans: [
                {
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "b7ad6b7169203331",
                  parentSpanId: "00f067aa0ba902b7",
                  name: "mes.orders process",
                  kind: 5,
                  startTimeUnixNano: "1764057600123456789",
                  endTimeUnixNano: "1764057600623456789",
                  attributes: [str("order.id", "ord-1"), { key: "retries", value: { intValue: "2" } }],
                  status: { code: 2, message: 'unknown material "unobtainium"' },
                },
                {
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "c7ad6b7169203331",
                  parentSpanId: "b7ad6b7169203331",
                  name: "order.status_change",
                  startTimeUnixNano: "1764057600200000000",
                  endTimeUnixNano: "1764057600200100000",
                  attributes: [
                    str("order.id", "ord-1"),
                    str("order.status", "ACCEPTED"),
                    str("order.previous_status", "SENT_TO_MES"),
                    str("order.status_changed_at", "2025-11-25T08:00:00.200Z"),
                  ],
                  status: {},
                },
                {
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "d7ad6b7169203331",
                  name: "S3.GetObject",
                  startTimeUnixNano: "1764057600300000000",
                  endTimeUnixNano: "1764057600310000000",
                  events: [
                    { name: "exception", attributes: [str("exception.message", "NoSuchKey: The key does not exist.")] },
                  ],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    },
  };

  it("reads ids, service, times with microsecond precision, order attributes and failures", () => {
    const [consume, change, s3] = spansFromOtlpJson(body);
    expect(consume).toMatchObject({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      parentSpanId: "00f067aa0ba902b7",
      service: "mes",
      operation: "mes.orders process",
      orderId: "ord-1",
      failed: true,
      error: 'unknown material "unobtainium"',
    });
    expect(consume.startMs).toBe(1764057600123.456);
    expect(consume.endMs - consume.startMs).toBeCloseTo(500, 6);
    expect(change).toMatchObject({
      status: "ACCEPTED",
      previousStatus: "SENT_TO_MES",
      statusChangedAt: "2025-11-25T08:00:00.200Z",
      failed: false,
      error: undefined,
    });
    // Without a status message, the exception event's message is the error text.
    expect(s3).toMatchObject({ parentSpanId: undefined, orderId: undefined, failed: true });
    expect(s3.error).toBe("NoSuchKey: The key does not exist.");
  });

  it("skips malformed entries instead of failing the whole report", () => {
    expect(
      spansFromOtlpJson({ result: { resourceSpans: [{ scopeSpans: [{ spans: [{ name: "no ids" }] }] }] } }),
    ).toEqual([]);
    expect(spansFromOtlpJson(null)).toEqual([]);
  });
});

describe("spansFromLegacyJson (/api/traces)", () => {
  it("reads the Jaeger UI model: microseconds, CHILD_OF parent, process service, status tags, exception logs", () => {
    const body = {
      data: [
        {
          traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
          spans: [
            {
              traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
              spanID: "00f067aa0ba902b7",
              operationName: "mes.orders publish",
              references: [],
              startTime: 1764057600000000,
              duration: 1500,
              tags: [
                { key: "order.id", type: "string", value: "ord-2" },
                { key: "error", type: "bool", value: true },
                { key: "otel.status_code", type: "string", value: "ERROR" },
              ],
              logs: [
                {
                  timestamp: 1764057600001000,
                  fields: [
                    { key: "event", type: "string", value: "exception" },
                    { key: "exception.message", type: "string", value: "Channel closed" },
                  ],
                },
              ],
              processID: "p1",
            },
            {
              traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
              spanID: "10f067aa0ba902b7",
              operationName: "order.status_change",
              references: [
                { refType: "CHILD_OF", traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7" },
              ],
              startTime: 1764057600000500,
              duration: 10,
              tags: [
                { key: "order.id", type: "string", value: "ord-2" },
                { key: "order.status", type: "string", value: "SENT_TO_MES" },
                { key: "otel.status_description", type: "string", value: "ignored: not failed" },
              ],
              processID: "p1",
            },
          ],
          processes: { p1: { serviceName: "crm", tags: [] } },
        },
      ],
    };
    const [publish, change] = spansFromLegacyJson(body);
    expect(publish).toMatchObject({
      service: "crm",
      operation: "mes.orders publish",
      startMs: 1764057600000,
      endMs: 1764057600001.5,
      orderId: "ord-2",
      failed: true,
      error: "Channel closed",
    });
    expect(change).toMatchObject({ parentSpanId: "00f067aa0ba902b7", status: "SENT_TO_MES", failed: false });
    expect(change.error).toBeUndefined();
  });
});

describe("routeTemplate", () => {
  it("completes a mount prefix with the rest of the path, ids as :id, and leaves a full route alone", () => {
    expect(routeTemplate("/orders/", "/orders/ORD-2026-000123/complete")).toBe("/orders/:id/complete");
    expect(routeTemplate("/orders/", "/orders/6f1c2a4e-1b7d-4c1e-9f00-2a5b7c9d0e11")).toBe("/orders/:id");
    // A segment the scrubbing replaced stays as it is; route words stay.
    expect(routeTemplate("/", "/customers/[REDACTED:path]/orders")).toBe("/customers/[REDACTED:path]/orders");
    expect(routeTemplate("/orders/:id/start", "/orders/1/start")).toBe("/orders/:id/start");
    expect(routeTemplate("/orders/", "/orders/")).toBe("/orders/");
    expect(routeTemplate("/orders/", undefined)).toBe("/orders/");
    expect(routeTemplate("/orders/", "/other/1")).toBe("/orders/");
  });
});

describe("brokerHousekeeping", () => {
  const attrs = (entries: Record<string, string>) => new Map(Object.entries(entries));

  it("is a messaging call that is no message: the Java agent's acknowledgements and confirm waits", () => {
    expect(brokerHousekeeping(attrs({ "messaging.system": "rabbitmq" }), "client")).toBe(true);
    expect(
      brokerHousekeeping(
        attrs({ "messaging.system": "rabbitmq", "messaging.destination.name": "<default>" }),
        "client",
      ),
    ).toBe(true);
    // A message, or not a messaging span at all.
    expect(brokerHousekeeping(attrs({ "messaging.system": "rabbitmq" }), "producer")).toBe(false);
    expect(brokerHousekeeping(attrs({ "messaging.system": "rabbitmq" }), "consumer")).toBe(false);
    expect(
      brokerHousekeeping(attrs({ "messaging.system": "rabbitmq", "messaging.destination.name": "q" }), "client"),
    ).toBe(false);
    expect(brokerHousekeeping(attrs({ "rpc.service": "S3" }), "client")).toBe(false);
  });
});

describe("what a span says about its request and its failure", () => {
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

  it("reads kind, route, queue, exception type and response code from api/v3", () => {
    const [server, handler, getObject, publish] = spansFromOtlpJson({
      result: {
        resourceSpans: [
          {
            resource: { attributes: [str("service.name", "mes")] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: "t1",
                    spanId: "s1",
                    name: "POST",
                    kind: 2,
                    startTimeUnixNano: "1764057600000000000",
                    attributes: [
                      str("http.request.method", "POST"),
                      str("http.route", "/orders/:id/start"),
                      int("http.response.status_code", 500),
                    ],
                    status: { code: 2, message: "boom" },
                  },
                  {
                    traceId: "t1",
                    spanId: "s2",
                    parentSpanId: "s1",
                    name: "request handler - /orders/:id/start",
                    kind: "SPAN_KIND_INTERNAL",
                    startTimeUnixNano: "1764057600000000000",
                    events: [{ name: "exception", attributes: [str("exception.type", "TypeError")] }],
                    status: { code: 2, message: "boom" },
                  },
                  {
                    traceId: "t1",
                    spanId: "s3",
                    name: "S3.GetObject",
                    kind: 3,
                    startTimeUnixNano: "1764057600000000000",
                    attributes: [str("rpc.service", "S3"), int("http.status_code", 404)],
                    events: [{ name: "exception", attributes: [str("exception.type", "NoSuchKey")] }],
                    status: { code: 2, message: "UnknownError" },
                  },
                  {
                    traceId: "t1",
                    spanId: "s4",
                    name: "publish <default>",
                    kind: 4,
                    startTimeUnixNano: "1764057600000000000",
                    attributes: [str("messaging.rabbitmq.destination.routing_key", "mes.work-orders")],
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(server).toMatchObject({ kind: "server", request: "POST /orders/:id/start", httpStatus: 500, failed: true });
    expect(handler).toMatchObject({ kind: "internal", errorType: "TypeError", error: "boom" });
    expect(handler.request).toBeUndefined();
    expect(getObject).toMatchObject({ kind: "client", errorType: "NoSuchKey", httpStatus: 404, error: "UnknownError" });
    expect(getObject.request).toBeUndefined();
    expect(publish).toMatchObject({ kind: "producer", request: "mes.work-orders publish", failed: false });
  });

  it("reads the same from the legacy API's tags and logs", () => {
    const [consume] = spansFromLegacyJson({
      data: [
        {
          traceID: "t1",
          processes: { p1: { serviceName: "crm" } },
          spans: [
            {
              traceID: "t1",
              spanID: "s1",
              operationName: "crm.order-status process",
              startTime: 1764057600000000,
              duration: 10,
              processID: "p1",
              tags: [
                { key: "span.kind", type: "string", value: "consumer" },
                { key: "messaging.destination.name", type: "string", value: "crm.order-status" },
                { key: "messaging.operation", type: "string", value: "process" },
                { key: "error", type: "bool", value: true },
              ],
              logs: [
                {
                  timestamp: 1764057600000001,
                  fields: [
                    { key: "event", type: "string", value: "exception" },
                    { key: "exception.type", type: "string", value: "StatusConflictError" },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(consume).toMatchObject({
      kind: "consumer",
      request: "crm.order-status process",
      failed: true,
      errorType: "StatusConflictError",
    });
  });

  it("names a request only from what its attributes say", () => {
    const attrs = (entries: Record<string, string>) => new Map(Object.entries(entries));
    expect(requestName(attrs({ "http.method": "GET", "http.route": "/orders/:id" }), "server")).toBe("GET /orders/:id");
    // A path is not a route: it carries ids.
    expect(
      requestName(attrs({ "http.request.method": "POST", "url.path": "/orders/1/approve" }), "client"),
    ).toBeUndefined();
    expect(
      requestName(attrs({ "messaging.destination.name": "q", "messaging.operation.type": "send" }), "producer"),
    ).toBe("q publish");
    expect(requestName(attrs({ "messaging.destination.name": "q" }), "consumer")).toBe("q process");
    expect(requestName(attrs({ "messaging.destination.name": "q" }), "internal")).toBeUndefined();
    // The Java agent on the JDK HTTP server: the route is the context path; the path completes it.
    expect(
      requestName(
        attrs({
          "http.request.method": "POST",
          "http.route": "/orders/",
          "url.path": "/orders/6f1c2a4e-1b7d-4c1e-9f00-2a5b7c9d0e11/start",
        }),
        "server",
      ),
    ).toBe("POST /orders/:id/start");
    // The Java agent's publish to RabbitMQ's default exchange: the routing key names the queue.
    expect(
      requestName(
        attrs({
          "messaging.destination.name": "<default>",
          "messaging.rabbitmq.destination.routing_key": "crm.order-status",
          "messaging.operation": "publish",
        }),
        "producer",
      ),
    ).toBe("crm.order-status publish");
  });
});
