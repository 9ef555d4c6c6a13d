import { buildCollectorConfig, goMemoryLimit, type CollectorSettings } from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import type { CollectorConfig } from "../../infra/config/collector";
import { parseQuantity } from "../../infra/config/validators";
import { freePorts, LOOPBACK } from "../../sandbox/process";
import {
  exportingTo,
  stackConfig,
  startCollector,
  startOtlpJsonReceiver,
  type OtlpJsonReceiver,
  type OtlpSpan,
  type RunningCollector,
} from "../support/collector";

/** Our collector on the dev stack's generated pipeline, exporting to a recording OTLP/JSON receiver. */
export interface DevPipeline {
  receiver: OtlpJsonReceiver;
  collector: RunningCollector;
  ports: { otlpGrpc: number; otlpHttp: number; health: number };
  /** POST an OTLP/HTTP body to the collector's receiver. */
  post(body: Buffer | string, contentType?: string): Promise<Response>;
  /** Every span the receiver got so far. */
  spans(): OtlpSpan[];
  stop(): Promise<void>;
}

/** What a fault test may change in a stack's collector config: sizes and sampling's wait, never a step. */
export interface FaultTestChanges {
  /** The container's memory limit, which the memory limiter and the queue are derived from. */
  memoryLimit?: string;
  decisionWaitSeconds?: number;
}

/**
 * A stack's collector config for a fault test: as in the stack file, except that sampling keeps
 * every trace, so the test can account for each span it sends (fault tests test limits and
 * losses, not sampling).
 */
export function faultTestCollectorConfig(stack: "dev" | "prod", changes: FaultTestChanges = {}): CollectorConfig {
  const config = stackConfig(stack).collector;
  const memory = changes.memoryLimit ?? config.resources.limits.memory;
  return {
    ...config,
    resources: { ...config.resources, limits: { ...config.resources.limits, memory } },
    // The limiter and the queue are sized from the number, not the text: both change together.
    memoryLimitBytes: parseQuantity(memory)!,
    sampling: {
      ...config.sampling,
      keepPercent: 100,
      decisionWaitSeconds: changes.decisionWaitSeconds ?? config.sampling.decisionWaitSeconds,
    },
  };
}

/**
 * The Go runtime's limits as the pod gives them: GOMEMLIMIT as the component sets it, and
 * GOMAXPROCS at the container's CPU limit (what Go derives from the cgroup in a container).
 */
export function containerEnv(config: CollectorConfig, settings: CollectorSettings): Record<string, string> {
  const cores = parseQuantity(config.resources.limits.cpu) ?? 1;
  return { GOMEMLIMIT: goMemoryLimit(settings.memoryLimiter), GOMAXPROCS: String(Math.max(1, Math.ceil(cores))) };
}

/**
 * Starts the dev pipeline with every processor as generated; only sampling keeps every trace and
 * decides after a second, so the fault tests see each span they send (they test redaction and
 * limits, not sampling).
 */
export async function startDevPipeline(): Promise<DevPipeline> {
  const [otlpGrpc, otlpHttp, health, metrics, receiverPort] = await freePorts(5);
  const receiver = await startOtlpJsonReceiver(receiverPort);
  const settings = localCollectorSettings(faultTestCollectorConfig("dev", { decisionWaitSeconds: 1 }), {
    ports: { otlpGrpc, otlpHttp, health, metrics },
    exporterEndpoint: `${LOOPBACK}:${receiverPort}`,
  });
  const generated = buildCollectorConfig(settings);
  const document = exportingTo(generated, receiver.endpoint);
  if (JSON.stringify(document.processors) !== JSON.stringify(generated.processors))
    throw new Error("the test pipeline must keep the generated processors");
  const collector = await startCollector(document, health);
  return {
    receiver,
    collector,
    ports: { otlpGrpc, otlpHttp, health },
    post: (body, contentType = "application/json") =>
      fetch(`http://${LOOPBACK}:${otlpHttp}/v1/traces`, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
      }),
    spans: () =>
      receiver.requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))),
    stop: async () => {
      await collector.stop();
      await receiver.close();
    },
  };
}
