import { pollUntil } from "./support/poll";
import { setTimeout as delay } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCollectorConfig, COMPONENT_IDS } from "../infra/collector/config";
import { localCollectorSettings } from "../infra/collector/settings";
import { freePorts, LOOPBACK } from "../sandbox/process";
import {
  exportingTo,
  stackConfig,
  startCollector,
  startOtlpJsonReceiver,
  type OtlpAttribute,
  type OtlpJsonReceiver,
  type OtlpSpan,
  type RunningCollector,
} from "./support/collector";

// Our built collector (.tools/bin/otelcol-ordertracing) runs the dev stack's generated pipeline on
// loopback. Spans carrying fake personal data go in over OTLP/HTTP JSON; what comes out is recorded
// by a small OTLP/HTTP receiver that stands in for Jaeger. The processors are exactly the generated
// ones; the test changes only where the collector sends (an OTLP/HTTP JSON exporter to the
// receiver instead of OTLP gRPC to Jaeger) and sampling's timing and share (2 s decision wait, 0% of
// ordinary traces), so every outcome is deterministic.

// Deliberately fake probes: reserved example domains, fictional numbers, test card numbers.
const PROBES = {
  email: "probe.customer@example.com",
  phone: "+1 (555) 010-4477",
  card: "4111 1111 1111 1111",
  bearer: "Bearer probeTokenAbcdefghij0123456789",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZS11c2VyIn0.cHJvYmUtc2lnbmF0dXJl",
  name: "Probe Customer Name",
  address: "1 Probe Street, Exampletown",
  password: "probe-amqp-password",
  body: '{"customer":{"name":"Probe Customer Name"}}',
};

const str = (key: string, value: string): OtlpAttribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): OtlpAttribute => ({ key, value: { intValue: value } });
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

interface SpanInput {
  name: string;
  attributes: OtlpAttribute[];
  durationMs?: number;
  error?: string;
  events?: Array<{ name: string; attributes: OtlpAttribute[] }>;
  kind?: number;
}

/** One trace of one span, as an OTLP/JSON ResourceSpans of the given service. */
function trace(service: OtlpAttribute[], input: SpanInput): { traceId: string; resourceSpans: unknown } {
  const traceId = hex(16);
  const start = BigInt(Date.now()) * 1_000_000n;
  const end = start + BigInt(input.durationMs ?? 20) * 1_000_000n;
  return {
    traceId,
    resourceSpans: {
      resource: { attributes: service },
      scopeSpans: [
        {
          scope: { name: "probe-instrumentation" },
          spans: [
            {
              traceId,
              spanId: hex(8),
              name: input.name,
              kind: input.kind ?? 2,
              startTimeUnixNano: start.toString(),
              endTimeUnixNano: end.toString(),
              attributes: input.attributes,
              events: (input.events ?? []).map((e) => ({ ...e, timeUnixNano: start.toString() })),
              status: input.error ? { code: 2, message: input.error } : { code: 0 },
            },
          ],
        },
      ],
    },
  };
}

const ORDER_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const CHANGED_AT = "2026-11-25T10:20:30.123Z";

const shop: OtlpAttribute[] = [
  str("service.name", "shop"),
  str("k8s.pod.name", "shop-7d9f8-abcde"),
  str("k8s.node.name", "node-a"),
  str("host.name", "shop-7d9f8-abcde"),
  str("process.command_args", `node server.js --db-password=${PROBES.password}`),
  str("customer.email", PROBES.email),
];

// The spans the test sends, by what must happen to them.
const statusChange = trace(shop, {
  name: "order.status_change",
  kind: 1,
  attributes: [
    str("order.id", ORDER_ID),
    str("order.status", "SUBMITTED"),
    str("order.previous_status", "CREATED"),
    str("order.status_changed_at", CHANGED_AT),
    str("http.request.method", "POST"),
    str(
      "url.full",
      `https://shop.example.internal/orders?email=${encodeURIComponent(PROBES.email)}&card=4111111111111111`,
    ),
    str("http.target", `/orders?phone=${encodeURIComponent(PROBES.phone)}`),
    str("url.path", "/orders"),
    str("url.query", `email=${PROBES.email}`),
    int("http.response.status_code", 201),
    str("http.request.header.authorization", PROBES.bearer),
    str("http.request.body", PROBES.body),
    str("customer.name", PROBES.name),
    str("customer.address", PROBES.address),
    str("messaging.url", `amqp://orders:${PROBES.password}@rabbitmq.example.internal:5672/shop`),
    str("otel.status_description", `notified ${PROBES.email} and ${PROBES.phone}`),
  ],
  events: [
    {
      name: "exception",
      attributes: [
        str("exception.type", "ValidationError"),
        str("exception.message", `bad card ${PROBES.card} for ${PROBES.name}`),
        str("exception.stacktrace", `ValidationError: ${PROBES.jwt}`),
      ],
    },
  ],
});
const failedOrder = trace(shop, {
  name: "POST /orders",
  attributes: [str("order.id", ORDER_ID), str("http.request.method", "POST"), str("url.path", "/orders")],
  error: `card ${PROBES.card} declined for ${PROBES.email}, token ${PROBES.jwt}`,
});
const slowOrder = trace(shop, {
  name: "GET /orders/:id",
  durationMs: 2500,
  attributes: [str("order.id", ORDER_ID), str("http.request.method", "GET"), str("http.route", "/orders/:id")],
});
const ordinary = trace(shop, {
  name: "GET /catalogue",
  attributes: [str("http.request.method", "GET"), str("url.path", "/catalogue")],
});
// Failing probes would be kept by the error policy: only the filter can remove them.
const healthCheck = trace(shop, {
  name: "GET /healthz",
  attributes: [str("http.request.method", "GET"), str("url.path", "/healthz")],
  error: "unhealthy",
});
const kubeletProbe = trace(shop, {
  name: "GET /ready-check",
  attributes: [str("http.request.method", "GET"), str("user_agent.original", "kube-probe/1.31")],
  error: "not ready",
});
const metricsScrape = trace(shop, {
  name: "GET",
  attributes: [str("http.method", "GET"), str("http.target", "/metrics?format=prometheus")],
  error: "scrape failed",
});

const KEPT = { statusChange, failedOrder, slowOrder };
const DROPPED = { ordinary, healthCheck, kubeletProbe, metricsScrape };

let receiver: OtlpJsonReceiver;
let collector: RunningCollector;
let received: Map<string, { resource: OtlpAttribute[]; span: OtlpSpan }>;

beforeAll(async () => {
  const [otlpGrpc, otlpHttp, health, metrics, receiverPort] = await freePorts(5);
  receiver = await startOtlpJsonReceiver(receiverPort);

  const config = stackConfig("dev").collector;
  const settings = localCollectorSettings(
    { ...config, sampling: { ...config.sampling, keepPercent: 0, decisionWaitSeconds: 2 } },
    { ports: { otlpGrpc, otlpHttp, health, metrics }, exporterEndpoint: `${LOOPBACK}:${receiverPort}` },
  );
  const generated = buildCollectorConfig(settings);
  expect(settings.sampling.latencyThresholdMs).toBeLessThan(2500);
  const document = exportingTo(generated, receiver.endpoint);
  expect(document.processors).toEqual(generated.processors);
  expect(Object.keys(document.processors)).toContain(COMPONENT_IDS.redaction);
  collector = await startCollector(document, health);

  const all = [...Object.values(DROPPED), ...Object.values(KEPT)];
  const response = await fetch(`http://${LOOPBACK}:${otlpHttp}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ resourceSpans: all.map((t) => t.resourceSpans) }),
  });
  expect(response.status).toBe(200);

  // Kept traces leave after the decision wait and a batch; then give stragglers as long again.
  const arrived = () => new Set(receiver.requests.flatMap((r) => spansOf(r).map((s) => s.span.traceId)));
  await pollUntil(() => Object.values(KEPT).every((t) => arrived().has(t.traceId)), 60_000, 250);
  await delay(4_000);
  received = new Map(receiver.requests.flatMap(spansOf).map((s) => [s.span.traceId, s]));
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  await receiver?.close();
});

function spansOf(request: {
  resourceSpans: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}) {
  return request.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ resource: rs.resource?.attributes ?? [], span }))),
  );
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (list ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]),
  );
}

describe("the collector binary running the generated pipeline", () => {
  it("lets no probe of personal data or credentials out, anywhere in what it exports", () => {
    expect(receiver.rawBodies.length).toBeGreaterThan(0);
    const everything = receiver.rawBodies.join("\n");
    for (const [kind, probe] of Object.entries(PROBES)) {
      expect(everything, kind).not.toContain(probe);
      expect(everything, kind).not.toContain(encodeURIComponent(probe));
    }
    expect(everything).not.toContain("4111111111111111");
  });

  it("keeps the allow-listed keys, with the order contract's values untouched", () => {
    const { resource, span } = received.get(statusChange.traceId)!;
    expect(attributes(resource)).toMatchObject({
      "service.name": "shop",
      "k8s.pod.name": "shop-7d9f8-abcde",
      "k8s.node.name": "node-a",
      "host.name": "shop-7d9f8-abcde",
    });
    expect(attributes(resource)).not.toHaveProperty("process.command_args");
    expect(attributes(resource)).not.toHaveProperty("customer.email");
    const kept = attributes(span.attributes);
    expect(kept).toMatchObject({
      "order.id": ORDER_ID,
      "order.status": "SUBMITTED",
      "order.previous_status": "CREATED",
      "order.status_changed_at": CHANGED_AT,
      "http.request.method": "POST",
      "url.path": "/orders",
    });
    expect(String(kept["http.response.status_code"])).toBe("201");
    for (const key of [
      "url.query",
      "http.request.header.authorization",
      "http.request.body",
      "customer.name",
      "customer.address",
    ]) {
      expect(kept, key).not.toHaveProperty(key);
    }
    // The processor reports how many keys it removed, never which values: the authorization header,
    // the body and the two customer fields (the transform had already deleted url.query).
    expect(Number(kept["redaction.redacted.count"])).toBe(4);
  });

  it("cuts query strings from URLs and masks credentials inside kept values", () => {
    const kept = attributes(received.get(statusChange.traceId)!.span.attributes);
    expect(kept["url.full"]).toBe("https://shop.example.internal/orders");
    expect(kept["http.target"]).toBe("/orders");
    expect(kept["messaging.url"]).toBe("amqp://****rabbitmq.example.internal:5672/shop");
    expect(kept["otel.status_description"]).toBe("notified **** and ****");
  });

  it("keeps an exception event's type and drops its message and stack trace", () => {
    const [event] = received.get(statusChange.traceId)!.span.events ?? [];
    expect(event.name).toBe("exception");
    expect(attributes(event.attributes)).toMatchObject({ "exception.type": "ValidationError" });
    expect(attributes(event.attributes)).not.toHaveProperty("exception.message");
    expect(attributes(event.attributes)).not.toHaveProperty("exception.stacktrace");
  });

  it("keeps every trace with an error, masking the status message", () => {
    const { span } = received.get(failedOrder.traceId)!;
    expect(span.status?.code).toBe(2);
    expect(span.status?.message).toBe("card **** declined for ****, token ****");
  });

  it("keeps traces slower than the threshold and traces with an order status change", () => {
    expect(received.has(slowOrder.traceId)).toBe(true);
    expect(received.get(statusChange.traceId)?.span.name).toBe("order.status_change");
  });

  it("drops health, readiness and metrics spans even when they fail, and ordinary traces at a 0% share", () => {
    for (const [what, dropped] of Object.entries(DROPPED)) expect(received.has(dropped.traceId), what).toBe(false);
    expect([...received.keys()].sort()).toEqual(
      Object.values(KEPT)
        .map((t) => t.traceId)
        .sort(),
    );
  });
});
