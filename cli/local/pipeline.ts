/**
 * The dev stack's trace pipeline, relocated to loopback: the collector and Jaeger configs come from
 * the same builders the cluster's components call, with only their location parameters changed
 * (loopback addresses, free ports, local storage).
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../infra/config";
import { readStackConfig } from "../../infra/config/stack-file";
import { buildCollectorConfig, renderCollectorConfig } from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import { buildJaegerConfig, renderJaegerConfig } from "../../infra/jaeger/config";
import { localJaegerSettings } from "../../infra/jaeger/settings";
import { LOOPBACK, freePorts } from "../../sandbox/process";

/** The stack whose pipeline the sandbox runs. */
export const SANDBOX_STACK = "dev";

/** `Pulumi.dev.yaml`, parsed and validated exactly as `pulumi up` would (infra/config/stack-file.ts). */
export function readDevStack(repo: string): StackConfig {
  return readStackConfig(repo, SANDBOX_STACK);
}

export interface LocalPipeline {
  collectorYaml: string;
  jaegerYaml: string;
  /** `http://127.0.0.1:<port>` of the collector's OTLP gRPC receiver. */
  otlpGrpc: string;
  /** `http://127.0.0.1:<port>` of Jaeger's query API and UI. */
  jaegerQuery: string;
  /** URLs that answer 2xx once each process is ready. */
  collectorReady: string;
  jaegerReady: string;
}

export async function localPipeline(stack: StackConfig, dir: string): Promise<LocalPipeline> {
  const [otlpGrpc, otlpHttp, health, metrics, ...jaegerPorts] = await freePorts(10);
  const [jaegerOtlpGrpc, jaegerOtlpHttp, queryHttp, queryGrpc, jaegerHealth, jaegerHealthGrpc] = jaegerPorts;

  const queueDirectory = stack.collector.queue.persistent ? path.join(dir, "collector-queue") : undefined;
  if (queueDirectory) mkdirSync(queueDirectory, { recursive: true });
  const collector = localCollectorSettings(stack.collector, {
    ports: { otlpGrpc, otlpHttp, health, metrics },
    exporterEndpoint: `${LOOPBACK}:${jaegerOtlpGrpc}`,
    queueDirectory,
  });

  // Local storage: Badger on disk with the stack's retention, where the cluster uses Elasticsearch.
  const badgerDirectory = path.join(dir, "jaeger-data");
  mkdirSync(badgerDirectory, { recursive: true });
  const jaeger = localJaegerSettings(
    {
      otlpGrpc: jaegerOtlpGrpc,
      otlpHttp: jaegerOtlpHttp,
      queryHttp,
      queryGrpc,
      health: jaegerHealth,
      healthGrpc: jaegerHealthGrpc,
    },
    { kind: "badger", directory: badgerDirectory, retentionHours: stack.storage.retention.days * 24 },
    stack.jaeger.basePath,
  );
  const basePath = stack.jaeger.basePath === "/" ? "" : stack.jaeger.basePath;

  return {
    collectorYaml: renderCollectorConfig(buildCollectorConfig(collector)),
    jaegerYaml: renderJaegerConfig(buildJaegerConfig(jaeger)),
    otlpGrpc: `http://${LOOPBACK}:${otlpGrpc}`,
    jaegerQuery: `http://${LOOPBACK}:${queryHttp}${basePath}`,
    collectorReady: `http://${LOOPBACK}:${health}/`,
    jaegerReady: `http://${LOOPBACK}:${jaegerHealth}/status`,
  };
}
