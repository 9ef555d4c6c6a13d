// What a measured Shop runs against in the overhead and profile benchmarks: its backends (S3, the
// CRM stub), Jaeger and our collector with the dev stack's generated pipeline, each pinned off the
// measured core.
import type { StackConfig } from "../../infra/config";
import { startCollector, startJaeger, type BenchCollector, type BenchJaeger } from "../../test/support/services";
import { startShopBackends, type ShopBackends } from "../../test/support/shop";

export interface ShopPipeline {
  backends: ShopBackends;
  jaeger: BenchJaeger;
  collector: BenchCollector;
  /** Stops all of it, the last started first. */
  stop(): Promise<void>;
}

/** Starts the pipeline; if a part fails to start, stops the parts already running and rethrows. */
export async function startShopPipeline(
  stack: StackConfig,
  logDir: string,
  pinOther: (pid: number) => void,
): Promise<ShopPipeline> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async (): Promise<void> => {
    for (const part of started.reverse()) await part.stop();
  };
  try {
    const backends = await startShopBackends(stack, logDir);
    started.push(backends);
    pinOther(backends.s3.pid);
    pinOther(backends.crm.pid);
    const jaeger = await startJaeger({ kind: "memory", maxTraces: 100_000 }, logDir);
    started.push(jaeger);
    pinOther(jaeger.process.pid);
    const collector = await startCollector("generated", stack, jaeger.otlpGrpc, logDir);
    started.push(collector);
    pinOther(collector.process.pid);
    return { backends, jaeger, collector, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
