import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildJaegerConfig, type JaegerStorageSettings } from "../infra/jaeger/config";
import { clusterJaegerSettings, localJaegerSettings } from "../infra/jaeger/settings";
import { LOOPBACK } from "../sandbox/process";
import { loopbackJaegerPorts, orderSpan, sendOtlp, startJaeger, validatedConfigFile } from "./support/jaeger";
import { pollJson } from "./support/poll";

// Our built Jaeger v2 (.tools/bin/jaeger) runs the config that infra/ generates: on loopback with
// memory or Badger storage, it accepts a span over OTLP and serves it back through both query APIs.

type V3Trace = {
  result?: {
    resourceSpans: Array<{
      scopeSpans: Array<{
        spans: Array<{ name: string; attributes: Array<{ key: string; value: { stringValue?: string } }> }>;
      }>;
    }>;
  };
};
type LegacyTrace = {
  data?: Array<{
    traceID: string;
    spans: Array<{ operationName: string; tags: Array<{ key: string; value: unknown }> }>;
  }>;
};

const scratch = mkdtempSync(path.join(tmpdir(), "order-tracing-jaeger-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function ids() {
  counter += 1;
  const n = `${Date.now().toString(16)}${counter.toString(16).padStart(4, "0")}`.padStart(16, "0");
  return { traceId: `${n}${n}`.slice(0, 32), spanId: n.slice(0, 16) };
}

async function roundTrip(storage: Extract<JaegerStorageSettings, { kind: "memory" | "badger" }>, basePath: string) {
  const ports = await loopbackJaegerPorts();
  const jaeger = await startJaeger(buildJaegerConfig(localJaegerSettings(ports, storage, basePath)), ports.health);
  const query = `http://${LOOPBACK}:${ports.queryHttp}${basePath === "/" ? "" : basePath}`;
  return { ports, jaeger, query };
}

async function expectTrace(query: string, traceId: string, orderId: string, spanName: string) {
  const v3 = await pollJson<V3Trace>(
    `${query}/api/v3/traces/${traceId}`,
    (status, body) => status === 200 && !!body?.result,
  );
  const spans = v3.body!.result!.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  expect(spans.map((s) => s.name)).toEqual([spanName]);
  expect(spans[0].attributes).toContainEqual({ key: "order.id", value: { stringValue: orderId } });

  const legacy = await pollJson<LegacyTrace>(
    `${query}/api/traces/${traceId}`,
    (status, body) => status === 200 && !!body?.data?.length,
  );
  expect(legacy.body!.data![0].traceID).toBe(traceId);
  expect(legacy.body!.data![0].spans[0].operationName).toBe(spanName);
  expect(legacy.body!.data![0].spans[0].tags).toContainEqual({ key: "order.id", type: "string", value: orderId });
}

describe("Jaeger v2 with the generated config", () => {
  it("stores a span in memory and returns it from api/v3 and the legacy API", async () => {
    const { ports, jaeger, query } = await roundTrip({ kind: "memory", maxTraces: 1000 }, "/");
    try {
      const { traceId, spanId } = ids();
      await sendOtlp(
        ports.otlpHttp,
        orderSpan({ traceId, spanId, name: "POST /orders", orderId: "ORD-TEST-1", startMs: Date.now() }),
      );
      await expectTrace(query, traceId, "ORD-TEST-1", "POST /orders");
      const services = await pollJson<{ services?: string[] }>(
        `${query}/api/v3/services`,
        (s, b) => s === 200 && !!b?.services?.length,
      );
      expect(services.body!.services).toContain("shop");
    } finally {
      await jaeger.stop();
    }
  });

  it("serves query under a base path and keeps Badger data across a restart", async () => {
    const directory = path.join(scratch, "badger");
    const first = await roundTrip({ kind: "badger", directory, retentionHours: 72 }, "/jaeger");
    const { traceId, spanId } = ids();
    try {
      await sendOtlp(
        first.ports.otlpHttp,
        orderSpan({ traceId, spanId, name: "order.status_change", orderId: "ORD-TEST-2", startMs: Date.now() }),
      );
      await expectTrace(first.query, traceId, "ORD-TEST-2", "order.status_change");
      // Outside the base path the API does not answer: Jaeger serves the UI page there instead.
      const outside = await fetch(`http://${LOOPBACK}:${first.ports.queryHttp}/api/v3/traces/${traceId}`);
      expect(outside.headers.get("content-type")).toMatch(/^text\/html/);
    } finally {
      await first.jaeger.stop();
    }
    const second = await roundTrip({ kind: "badger", directory, retentionHours: 72 }, "/jaeger");
    try {
      await expectTrace(second.query, traceId, "ORD-TEST-2", "order.status_change");
    } finally {
      await second.jaeger.stop();
    }
  });

  it("accepts the cluster configs (Elasticsearch, OpenSearch with password file and CA) in `jaeger validate`", async () => {
    for (const storage of [
      { engine: "elasticsearch" as const, url: "http://elasticsearch.tracing.svc.cluster.local:9200", version: 8 },
      {
        engine: "opensearch" as const,
        url: "https://vpc-order-tracing.eu-central-1.es.amazonaws.com",
        basicAuth: { username: "jaeger", secretName: "trace-storage-credentials" },
        caSecretName: "storage-ca",
      },
    ]) {
      const document = buildJaegerConfig(
        clusterJaegerSettings({
          storage,
          indexPrefix: "order-tracing",
          replicas: 1,
          retentionDays: 14,
          basePath: "/",
          memoryLimitBytes: 2 ** 30,
        }),
      );
      await expect(validatedConfigFile(document, mkdtempSync(path.join(scratch, "validate-")))).resolves.toMatch(
        /jaeger\.yaml$/,
      );
    }
  });
});
