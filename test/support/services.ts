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
import { TOOLS_BIN } from "./measure";

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

/** Where a started process may run: a taskset CPU list (bench/support/cpu.ts), or anywhere. */
export interface Placement {
  cpus?: string;
}

/**
 * The command and arguments that start `command` on `cpus` (taskset execs it, so the pid is the
 * program's), or as it is. Pinned from the start, a Go program sizes GOMAXPROCS to its CPUs, as it
 * does in a pod under a CPU limit.
 */
export function placed(command: string, args: string[], { cpus }: Placement): { command: string; args: string[] } {
  return cpus === undefined ? { command, args } : { command: "taskset", args: ["-c", cpus, command, ...args] };
}

export async function startJaeger(
  storage: JaegerStorage,
  logDir: string,
  placement: Placement = {},
): Promise<BenchJaeger> {
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
    ...placed(JAEGER_BINARY, ["--config", `file:${configFile}`], placement),
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

export interface CollectorOptions extends Placement {
  /** Changes a benchmark makes to the document before it runs (the benchmark says which). */
  edit?: (document: CollectorConfigDocument) => void;
}

/**
 * Our collector with the dev stack's generated pipeline exporting to `exporterEndpoint`, or with
 * the baseline (OTLP → batch → nop) on the same receiver and telemetry settings. Both run with the
 * Go soft memory limit the pod gets (GOMEMLIMIT, infra/components/collector.ts).
 */
export async function startCollector(
  pipeline: CollectorPipeline,
  stack: StackConfig,
  exporterEndpoint: string,
  logDir: string,
  options: CollectorOptions = {},
): Promise<BenchCollector> {
  const [otlpGrpc, otlpHttp, health, metrics] = await freePorts(4);
  const settings = localCollectorSettings(stack.collector, {
    ports: { otlpGrpc, otlpHttp, health, metrics },
    exporterEndpoint,
  });
  const document: CollectorConfigDocument =
    pipeline === "generated" ? buildCollectorConfig(settings) : buildBaselineCollectorConfig(settings.location);
  options.edit?.(document);
  const dir = mkdtempSync(path.join(tmpdir(), `order-tracing-bench-${pipeline}-`));
  const configFile = path.join(dir, "collector.yaml");
  writeFileSync(configFile, renderCollectorConfig(document));
  const process = startProcess({
    name: `otelcol-${pipeline}`,
    ...placed(COLLECTOR_BINARY, [`--config=${configFile}`], options),
    env: { ...globalThis.process.env, GOMEMLIMIT: `${settings.memoryLimiter.limitMiB}MiB` },
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
