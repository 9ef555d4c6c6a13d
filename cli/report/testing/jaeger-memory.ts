import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump } from "js-yaml";
import { freePorts, LOOPBACK, type ManagedProcess, startProcess, waitForHttp } from "../../../sandbox/process";

/** The Jaeger v2 binary that tools/build.sh builds (`bash tools/build.sh jaeger`). */
export const JAEGER_BINARY = path.resolve(__dirname, "..", "..", "..", ".tools", "bin", "jaeger");

export interface MemoryJaeger {
  /** Jaeger query HTTP (UI, api/v3, legacy API). */
  queryUrl: string;
  /** OTLP/HTTP traces endpoint (`/v1/traces`). */
  otlpHttpTracesUrl: string;
  process: ManagedProcess;
  /** Posts an OTLP/HTTP JSON export request. */
  sendOtlpJson(request: unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The smallest Jaeger v2 that serves the report: OTLP receiver → memory storage → query, all on
 * loopback ports picked at start, the collector's own telemetry off (so no fixed metrics port).
 */
export function memoryJaegerConfig(ports: { query: number; queryGrpc: number; otlpHttp: number }, maxTraces: number) {
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      telemetry: { metrics: { level: "none" }, logs: { level: "warn" } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
      jaeger_query: {
        storage: { traces: "memstore" },
        http: { endpoint: `${LOOPBACK}:${ports.query}` },
        grpc: { endpoint: `${LOOPBACK}:${ports.queryGrpc}` },
      },
    },
    receivers: { otlp: { protocols: { http: { endpoint: `${LOOPBACK}:${ports.otlpHttp}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "memstore" } },
  };
}

/** Starts Jaeger with memory storage and waits until its query API answers. */
export async function startMemoryJaeger(options: { maxTraces: number; logDir?: string }): Promise<MemoryJaeger> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-jaeger-"));
  const [query, queryGrpc, otlpHttp] = await freePorts(3);
  const configFile = path.join(dir, "jaeger.yaml");
  writeFileSync(configFile, dump(memoryJaegerConfig({ query, queryGrpc, otlpHttp }, options.maxTraces)));
  const process = startProcess({
    name: "jaeger",
    command: JAEGER_BINARY,
    args: ["--config", `file:${configFile}`],
    logDir: options.logDir ?? dir,
  });
  const queryUrl = `http://${LOOPBACK}:${query}`;
  const otlpHttpTracesUrl = `http://${LOOPBACK}:${otlpHttp}/v1/traces`;
  try {
    await waitForHttp(`${queryUrl}/api/v3/services`, { process, timeoutMs: 60_000 });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return {
    queryUrl,
    otlpHttpTracesUrl,
    process,
    async sendOtlpJson(request) {
      const response = await fetch(otlpHttpTracesUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      });
      if (!response.ok)
        throw new Error(`OTLP export to Jaeger failed: HTTP ${response.status} ${await response.text()}`);
    },
    async stop() {
      await process.stop();
      if (!options.logDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
