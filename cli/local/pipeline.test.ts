import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { buildCollectorConfig, COMPONENT_IDS } from "../../infra/collector/config";
import { collectorTiers } from "../../infra/collector/settings";
import { QUEUES } from "../../examples/order-system/src/lib/topology";
import { localPipeline, readDevStack } from "./pipeline";
import { REPO } from "./paths";

const stack = readDevStack(REPO);
const dir = mkdtempSync(path.join(tmpdir(), "sandbox-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Document = Record<string, Record<string, unknown>> & {
  service: { pipelines: { traces: { processors: string[]; exporters: string[] } } };
};

describe("the sandbox's pipeline", () => {
  it("runs the dev stack's collector pipeline, less the Kubernetes lookup, on loopback", async () => {
    const pipeline = await localPipeline(stack, dir);
    const local = yaml.load(pipeline.collectorYaml) as Document;
    const [gateway] = collectorTiers(stack.collector, stack.namespace);
    const cluster = buildCollectorConfig(gateway.settings) as unknown as Document;

    expect(local.service.pipelines.traces.processors).toEqual(
      cluster.service.pipelines.traces.processors.filter((p) => p !== COMPONENT_IDS.k8sAttributes),
    );
    for (const id of local.service.pipelines.traces.processors)
      expect(local.processors[id]).toEqual(cluster.processors[id]);
    const listening = JSON.stringify(local.receivers) + JSON.stringify(local.extensions);
    expect(listening).not.toContain("0.0.0.0");
    expect(pipeline.otlpGrpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("runs Jaeger on loopback with local Badger storage under the sandbox folder", async () => {
    const pipeline = await localPipeline(stack, dir);
    const jaeger = yaml.load(pipeline.jaegerYaml) as Document;
    expect(JSON.stringify(jaeger)).not.toContain("0.0.0.0");
    expect(JSON.stringify(jaeger.extensions.jaeger_storage)).toContain(path.join(dir, "jaeger-data"));
    expect(pipeline.jaegerQuery).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it("the dev stack's CRM rules read the queue the order system's MES publishes status events to", () => {
    const crm = stack.instrumentation.services.find((s) => s.name === "crm");
    const rules = JSON.parse(crm?.rules ?? "{}") as { statusEvents?: { amqp?: Array<{ routingKey?: string }> } };
    expect(rules.statusEvents?.amqp?.map((rule) => rule.routingKey)).toEqual([QUEUES.statusEvents]);
  });
});
