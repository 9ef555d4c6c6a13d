// The processes the benchmarks measure, started from the configs infra/ generates: our collector
// (generated or baseline pipeline) and Jaeger v2 (memory or Badger storage), all on loopback ports
// picked at start, stopped by the benchmark that started them.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  buildBaselineCollectorConfig,
  buildCollectorConfig,
  type CollectorConfigDocument,
} from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import type { StackConfig } from "../../infra/config";
import { buildJaegerConfig, renderJaegerConfig } from "../../infra/jaeger/config";
import { localJaegerSettings } from "../../infra/jaeger/settings";
import { freePorts, LOOPBACK, type ManagedProcess } from "../../sandbox/process";
import { startCollector as runCollector } from "./collector";
import { placed, startUntilReady, toolBinary, type Placement } from "./project";

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
  const queryUrl = `http://${LOOPBACK}:${queryHttp}`;
  const jaeger = await startUntilReady({
    name: "jaeger",
    ...placed(toolBinary("jaeger"), ["--config", `file:${configFile}`], placement),
    logDir,
    readyUrl: `${queryUrl}/api/v3/services`,
    timeoutMs: 60_000,
  });
  return {
    otlpGrpc: `${LOOPBACK}:${otlpGrpc}`,
    otlpHttpTracesUrl: `http://${LOOPBACK}:${otlpHttp}/v1/traces`,
    queryUrl,
    ...jaeger,
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
  const collector = await runCollector(document, health, {
    name: `otelcol-${pipeline}`,
    cpus: options.cpus,
    env: { GOMEMLIMIT: `${settings.memoryLimiter.limitMiB}MiB` },
    logDir,
  });
  return { otlpGrpc: `${LOOPBACK}:${otlpGrpc}`, metricsUrl: `http://${LOOPBACK}:${metrics}/metrics`, ...collector };
}
