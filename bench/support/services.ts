// The processes the benchmarks measure, started from the configs infra/ generates: our collector
// (generated or baseline pipeline) and Jaeger v2 (memory or Badger storage), all on loopback ports
// picked at start, stopped by the benchmark that started them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  buildBaselineCollectorConfig,
  buildCollectorConfig,
  renderCollectorConfig,
  type CollectorConfigDocument,
} from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import type { StackConfig } from "../../infra/config";
import { buildJaegerConfig, renderJaegerConfig } from "../../infra/jaeger/config";
import { localJaegerSettings } from "../../infra/jaeger/settings";
import { freePorts, LOOPBACK, startProcess, waitForHttp, type ManagedProcess } from "../../sandbox/process";
import { TOOLS_BIN } from "./results";

export const COLLECTOR_BINARY = path.join(TOOLS_BIN, "otelcol-ordertracing");
export const JAEGER_BINARY = path.join(TOOLS_BIN, "jaeger");
export const TELEMETRYGEN_BINARY = path.join(TOOLS_BIN, "telemetrygen");

export interface BenchJaeger {
  /** `127.0.0.1:<port>` of its OTLP gRPC receiver. */
  otlpGrpc: string;
  /** Its OTLP/HTTP traces endpoint (`/v1/traces`). */
  otlpHttpTracesUrl: string;
  queryUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export type JaegerStorage = { kind: "memory"; maxTraces: number } | { kind: "badger"; directory: string };

export async function startJaeger(storage: JaegerStorage, logDir: string): Promise<BenchJaeger> {
  const [otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc] = await freePorts(6);
  const settings = localJaegerSettings(
    { otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc },
    storage.kind === "memory"
      ? storage
      : { kind: "badger", directory: storage.directory, retentionHours: BENCH_RETENTION_HOURS },
  );
  const configFile = path.join(logDir, "jaeger.yaml");
  writeFileSync(configFile, renderJaegerConfig(buildJaegerConfig(settings)));
  const process = startProcess({
    name: "jaeger",
    command: JAEGER_BINARY,
    args: ["--config", `file:${configFile}`],
    logDir,
  });
  const queryUrl = `http://${LOOPBACK}:${queryHttp}`;
  try {
    await waitForHttp(`${queryUrl}/api/v3/services`, { process, timeoutMs: 60_000 });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return {
    otlpGrpc: `${LOOPBACK}:${otlpGrpc}`,
    otlpHttpTracesUrl: `http://${LOOPBACK}:${otlpHttp}/v1/traces`,
    queryUrl,
    process,
    stop: async () => void (await process.stop()),
  };
}

/** Badger's retention in the benchmarks: long enough that nothing expires while measuring. */
const BENCH_RETENTION_HOURS = 24;

export interface BenchCollector {
  /** `127.0.0.1:<port>` of its OTLP gRPC receiver. */
  otlpGrpc: string;
  /** Its own Prometheus metrics. */
  metricsUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export type CollectorPipeline = "generated" | "baseline";

/**
 * Our collector with the dev stack's generated pipeline exporting to `exporterEndpoint`, or with
 * the baseline (OTLP → batch → nop) on the same receiver and telemetry settings.
 */
export async function startCollector(
  pipeline: CollectorPipeline,
  stack: StackConfig,
  exporterEndpoint: string,
  logDir: string,
): Promise<BenchCollector> {
  const [otlpGrpc, otlpHttp, health, metrics] = await freePorts(4);
  const settings = localCollectorSettings(stack.collector, {
    ports: { otlpGrpc, otlpHttp, health, metrics },
    exporterEndpoint,
  });
  const document: CollectorConfigDocument =
    pipeline === "generated" ? buildCollectorConfig(settings) : buildBaselineCollectorConfig(settings.location);
  const dir = mkdtempSync(path.join(tmpdir(), `order-tracing-bench-${pipeline}-`));
  const configFile = path.join(dir, "collector.yaml");
  writeFileSync(configFile, renderCollectorConfig(document));
  const process = startProcess({
    name: `otelcol-${pipeline}`,
    command: COLLECTOR_BINARY,
    args: [`--config=${configFile}`],
    logDir,
  });
  const stop = async (): Promise<void> => {
    await process.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://${LOOPBACK}:${health}/`, { process, timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { otlpGrpc: `${LOOPBACK}:${otlpGrpc}`, metricsUrl: `http://${LOOPBACK}:${metrics}/metrics`, process, stop };
}

/**
 * Sum of a Prometheus counter over all its label sets (0 when the collector has not exposed it yet),
 * with or without the `_total` suffix, which the collector's Prometheus exporter may add.
 */
export function counterSum(metricsText: string, name: string): number {
  let sum = 0;
  for (const line of metricsText.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && (match[1] === name || match[1] === `${name}_total`)) sum += Number(match[3]);
  }
  return sum;
}
