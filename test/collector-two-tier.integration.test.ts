import { pollUntil } from "./support/poll";
import { setTimeout as delay } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCollectorConfig, COMPONENT_IDS, type CollectorConfigDocument } from "../infra/collector/config";
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

// The prod stack's two-tier layout, run for real on loopback: a router (the generated router
// config) spreads spans by trace id with the load-balancing exporter to a sampler (the generated
// sampler config), whose export goes to a small OTLP/HTTP receiver instead of Jaeger. The DNS
// resolver is given 127.0.0.1, which resolves to itself, as the headless Service's name resolves to
// the sampler pods. A trace whose spans reach the router in separate requests is decided whole.

const str = (key: string, value: string): OtlpAttribute => ({ key, value: { stringValue: value } });
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const PROBE_EMAIL = "probe.two-tier@example.com";

function request(
  spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; error?: boolean }>,
) {
  const start = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [str("service.name", "crm"), str("customer.email", PROBE_EMAIL)] },
        scopeSpans: [
          {
            scope: { name: "probe-instrumentation" },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? "",
              name: s.name,
              kind: 2,
              startTimeUnixNano: start.toString(),
              endTimeUnixNano: (start + 5_000_000n).toString(),
              attributes: [str("http.request.method", "POST"), str("order.note", `call ${PROBE_EMAIL}`)],
              status: s.error ? { code: 2, message: "failed" } : { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

let receiver: OtlpJsonReceiver;
let router: RunningCollector;
let sampler: RunningCollector;
let routerHttp: number;
let samplerDocument: CollectorConfigDocument;
let routerDocument: CollectorConfigDocument;

beforeAll(async () => {
  const ports = await freePorts(9);
  const [rGrpc, rHttp, rHealth, rMetrics, sGrpc, sHttp, sHealth, sMetrics, receiverPort] = ports;
  routerHttp = rHttp;
  receiver = await startOtlpJsonReceiver(receiverPort);

  const config = stackConfig("prod").collector;
  expect(config.layout).toBe("two-tier");
  const fast = { ...config, sampling: { ...config.sampling, keepPercent: 0, decisionWaitSeconds: 2 } };
  const exporterEndpoint = `${LOOPBACK}:${receiverPort}`;

  const samplerSettings = localCollectorSettings(fast, {
    ports: { otlpGrpc: sGrpc, otlpHttp: sHttp, health: sHealth, metrics: sMetrics },
    exporterEndpoint,
  });
  const generatedSampler = buildCollectorConfig({ ...samplerSettings, tier: { kind: "sampler" } });
  samplerDocument = exportingTo(generatedSampler, receiver.endpoint);
  const routerSettings = localCollectorSettings(fast, {
    ports: { otlpGrpc: rGrpc, otlpHttp: rHttp, health: rHealth, metrics: rMetrics },
    exporterEndpoint,
  });
  routerDocument = buildCollectorConfig({
    ...routerSettings,
    tier: { kind: "router", samplerHostname: LOOPBACK, samplerPort: sGrpc },
  });

  sampler = await startCollector(samplerDocument, sHealth);
  router = await startCollector(routerDocument, rHealth);
}, 180_000);

afterAll(async () => {
  await router?.stop();
  await sampler?.stop();
  await receiver?.close();
});

async function send(body: unknown): Promise<void> {
  const response = await fetch(`http://${LOOPBACK}:${routerHttp}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

function receivedSpans(): OtlpSpan[] {
  return receiver.requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}

describe("two-tier layout with the built collector", () => {
  it("runs the generated router and sampler pipelines", () => {
    expect(routerDocument.service.pipelines.traces.exporters).toEqual([COMPONENT_IDS.samplerExporter]);
    expect(samplerDocument.service.pipelines.traces.processors).toEqual(["memory_limiter", "tail_sampling", "batch"]);
  });

  it("decides a trace whose spans arrive separately as a whole, after scrubbing in the router", async () => {
    const failing = { traceId: hex(16), root: hex(8), child: hex(8) };
    const ordinary = { traceId: hex(16), root: hex(8) };
    // The failing child comes in a later request than its root; both must be kept together.
    await send(request([{ traceId: failing.traceId, spanId: failing.root, name: "POST /orders" }]));
    await send(request([{ traceId: ordinary.traceId, spanId: ordinary.root, name: "GET /catalogue" }]));
    await send(
      request([
        {
          traceId: failing.traceId,
          spanId: failing.child,
          parentSpanId: failing.root,
          name: "publish mes.orders",
          error: true,
        },
      ]),
    );

    await pollUntil(() => receivedSpans().filter((s) => s.traceId === failing.traceId).length >= 2, 60_000, 250);
    await delay(3_000);

    const spans = receivedSpans();
    expect(
      spans
        .filter((s) => s.traceId === failing.traceId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(["POST /orders", "publish mes.orders"]);
    expect(spans.some((s) => s.traceId === ordinary.traceId)).toBe(false);
    expect(receiver.rawBodies.join("\n")).not.toContain(PROBE_EMAIL);
    expect(receiver.rawBodies.join("\n")).toContain('"service.name"');
  }, 120_000);
});
