import { buildCollectorConfig } from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
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

/**
 * Starts the dev pipeline with every processor as generated; only sampling keeps every trace and
 * decides after a second, so the fault tests see each span they send (they test redaction and
 * limits, not sampling).
 */
export async function startDevPipeline(): Promise<DevPipeline> {
  const [otlpGrpc, otlpHttp, health, metrics, receiverPort] = await freePorts(5);
  const receiver = await startOtlpJsonReceiver(receiverPort);
  const config = stackConfig("dev").collector;
  const settings = localCollectorSettings(
    { ...config, sampling: { ...config.sampling, keepPercent: 100, decisionWaitSeconds: 1 } },
    { ports: { otlpGrpc, otlpHttp, health, metrics }, exporterEndpoint: `${LOOPBACK}:${receiverPort}` },
  );
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
