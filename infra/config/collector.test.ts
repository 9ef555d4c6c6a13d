import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { collectorVersion, readCollectorConfig } from "./collector";
import { ConfigReader } from "./read";

const PUBLISHED = `registry.example.com/order-tracing/otelcol-ordertracing@sha256:${"1".repeat(64)}`;

/** Reads a collector section; an object without `image` gets the published reference above. */
function read(collector: unknown): { config: ReturnType<typeof readCollectorConfig>; errors: string[] } {
  const withImage =
    collector !== null && typeof collector === "object" && !Array.isArray(collector) && !("image" in collector)
      ? { image: PUBLISHED, ...collector }
      : collector;
  const reader = new ConfigReader({ collector: withImage });
  const config = readCollectorConfig(reader, true);
  return { config, errors: reader.errors.map((e) => e.message) };
}

describe("readCollectorConfig", () => {
  it("has no default image: a stack records the one `npm run images` published", () => {
    const reader = new ConfigReader({});
    readCollectorConfig(reader, true);
    expect(reader.errors.map((e) => e.message)).toEqual([
      "order-tracing:collector.image: missing: the image of our collector distribution (otelcol-ordertracing); " +
        "publish our images and record their references with `npm run images -- --push <registry> --stack <stack>` (docs/images.md)",
    ]);
  });

  it("defaults to one small gateway", () => {
    const { config, errors } = read({});
    expect(errors).toEqual([]);
    expect(config).toEqual({
      layout: "single",
      replicas: 1,
      samplerReplicas: 2,
      image: PUBLISHED,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      memoryLimitBytes: 512 * 2 ** 20,
      sampling: { latencyThresholdMs: 2000, keepPercent: 10, decisionWaitSeconds: 30, numTraces: 50_000 },
      queue: { persistent: false, diskSize: "1Gi", diskBytes: 2 ** 30 },
    });
  });

  it("reads a two-tier prod-like section, numbers given as text included", () => {
    const { config, errors } = read({
      layout: "two-tier",
      replicas: "3",
      samplerReplicas: 2,
      image: "registry.internal:5000/platform/otelcol-ordertracing:0.161.0",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      sampling: { latencyThresholdMs: 1500, keepPercent: "5", decisionWaitSeconds: 20, numTraces: 200000 },
      queue: { persistent: "true", diskSize: "4Gi" },
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      layout: "two-tier",
      replicas: 3,
      samplerReplicas: 2,
      image: "registry.internal:5000/platform/otelcol-ordertracing:0.161.0",
      sampling: { latencyThresholdMs: 1500, keepPercent: 5, decisionWaitSeconds: 20, numTraces: 200000 },
      queue: { persistent: true, diskSize: "4Gi" },
    });
  });

  it("names each wrong key with the expected form, all at once", () => {
    const { errors } = read({
      layout: "three-tier",
      replicas: 0,
      image: "Ghcr.io/Bad Image",
      imageTag: "0.161.0",
      resources: { requests: { cpu: "2", memory: "512MB" }, limits: { cpu: "1", memory: "128Mi" } },
      sampling: { latencyThresholdMs: 0, keepPercent: 150, decisionWaitSeconds: 0.5, numTraces: -1, everyNth: 3 },
      queue: { persistent: "yes", diskSize: "lots" },
    });
    expect(errors).toEqual([
      "order-tracing:collector.imageTag: unknown key; known keys are layout, replicas, samplerReplicas, image, resources, sampling, queue (is it a typo?)",
      "order-tracing:collector.sampling.everyNth: unknown key; known keys are latencyThresholdMs, keepPercent, decisionWaitSeconds, numTraces (is it a typo?)",
      'order-tracing:collector.layout: expected one of "single", "two-tier", got "three-tier"',
      "order-tracing:collector.replicas: expected an integer from 1 to 50, got 0",
      'order-tracing:collector.image: expected an image reference with a tag or digest such as registry.example.com/order-tracing/otelcol-ordertracing@sha256:<digest> (what `npm run images -- --push` prints), got "Ghcr.io/Bad Image"',
      'order-tracing:collector.resources.requests.memory: expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "512MB"',
      "order-tracing:collector.resources.requests.cpu: must not exceed limits.cpu (1), got 2",
      "order-tracing:collector.resources.limits.memory: must be at least 256Mi: the memory limiter refuses data at 80% of it and tail sampling holds traces in memory; got 128Mi",
      "order-tracing:collector.sampling.latencyThresholdMs: expected an integer of at least 1, got 0",
      "order-tracing:collector.sampling.keepPercent: expected a number from 0 to 100, got 150",
      "order-tracing:collector.sampling.decisionWaitSeconds: expected an integer from 1 to 600, got 0.5",
      "order-tracing:collector.sampling.numTraces: expected an integer of at least 100, got -1",
      'order-tracing:collector.queue.persistent: expected true or false, got string "yes"',
      'order-tracing:collector.queue.diskSize: expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "lots"',
    ]);
  });

  it("refuses several replicas of a single gateway: tail sampling needs every span of a trace in one pod", () => {
    expect(read({ replicas: 2 }).errors).toEqual([
      'order-tracing:collector.replicas: 2 replicas with layout "single" split each trace across pods, so tail sampling decides on partial traces; use 1 replica, or set collector.layout to "two-tier" to scale out',
    ]);
    expect(read({ layout: "two-tier", replicas: 2 }).errors).toEqual([]);
  });

  it("refuses sampler replicas without the two-tier layout", () => {
    expect(read({ samplerReplicas: 3 }).errors).toEqual([
      'order-tracing:collector.samplerReplicas: applies to collector.layout "two-tier" only; remove it or change the layout',
    ]);
  });

  it("refuses a section that is not an object", () => {
    expect(read("two-tier").errors).toEqual([
      'order-tracing:collector: expected an object, got string "two-tier"',
      "order-tracing:collector.image: missing: the image of our collector distribution (otelcol-ordertracing); " +
        "publish our images and record their references with `npm run images -- --push <registry> --stack <stack>` (docs/images.md)",
    ]);
  });
});

describe("collectorVersion", () => {
  it("is the version pinned in tools/versions.env, which the distribution's manifest builds", () => {
    const root = path.resolve(__dirname, "..", "..");
    const manifest = yaml.load(readFileSync(path.join(root, "collector", "builder-config.yaml"), "utf8")) as {
      dist: { version: string };
    };
    expect(collectorVersion()).toBe(manifest.dist.version);
  });
});
