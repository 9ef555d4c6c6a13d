import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { collectorVersion, DEFAULT_COLLECTOR_IMAGE, readCollectorConfig } from "./collector";
import { ConfigReader } from "./read";

function read(collector: unknown): { config: ReturnType<typeof readCollectorConfig>; errors: string[] } {
  const reader = new ConfigReader({ collector });
  const config = readCollectorConfig(reader);
  return { config, errors: reader.errors.map((e) => e.message) };
}

describe("readCollectorConfig", () => {
  it("defaults to one small gateway of our distribution's image", () => {
    const { config, errors } = read(undefined);
    expect(errors).toEqual([]);
    expect(config).toEqual({
      layout: "single",
      replicas: 1,
      samplerReplicas: 2,
      image: `${DEFAULT_COLLECTOR_IMAGE}:${collectorVersion()}`,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      sampling: { latencyThresholdMs: 2000, keepPercent: 10, decisionWaitSeconds: 30, numTraces: 50_000 },
      queue: { persistent: false, diskSize: "1Gi" },
    });
  });

  it("reads a two-tier prod-like section, numbers given as text included", () => {
    const { config, errors } = read({
      layout: "two-tier",
      replicas: "3",
      samplerReplicas: 2,
      image: "registry.internal:5000/platform/otelcol-ordertracing",
      imageTag: "0.161.0-1",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      sampling: { latencyThresholdMs: 1500, keepPercent: "5", decisionWaitSeconds: 20, numTraces: 200000 },
      queue: { persistent: "true", diskSize: "4Gi" },
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      layout: "two-tier",
      replicas: 3,
      samplerReplicas: 2,
      image: "registry.internal:5000/platform/otelcol-ordertracing:0.161.0-1",
      sampling: { latencyThresholdMs: 1500, keepPercent: 5, decisionWaitSeconds: 20, numTraces: 200000 },
      queue: { persistent: true, diskSize: "4Gi" },
    });
  });

  it("names each wrong key with the expected form, all at once", () => {
    const { errors } = read({
      layout: "three-tier",
      replicas: 0,
      image: "Ghcr.io/Bad Image",
      imageTag: "has space",
      resources: { requests: { cpu: "2", memory: "512MB" }, limits: { cpu: "1", memory: "128Mi" } },
      sampling: { latencyThresholdMs: 0, keepPercent: 150, decisionWaitSeconds: 0.5, numTraces: -1, everyNth: 3 },
      queue: { persistent: "yes", diskSize: "lots" },
    });
    expect(errors).toEqual([
      "order-tracing:collector.sampling.everyNth: unknown key; known keys are latencyThresholdMs, keepPercent, decisionWaitSeconds, numTraces (is it a typo?)",
      'order-tracing:collector.layout: expected one of "single", "two-tier", got "three-tier"',
      "order-tracing:collector.replicas: expected an integer from 1 to 50, got 0",
      'order-tracing:collector.image: expected an image repository without tag, such as "ghcr.io/order-tracing/otelcol-ordertracing", got "Ghcr.io/Bad Image"',
      'order-tracing:collector.imageTag: expected an image tag such as "0.161.0", got "has space"',
      'order-tracing:collector.resources.requests.memory: expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "512MB"',
      "order-tracing:collector.resources.limits.cpu: must be at least the request (2), got 1",
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
    expect(read("two-tier").errors).toEqual(['order-tracing:collector: expected an object, got string "two-tier"']);
  });
});

describe("collectorVersion", () => {
  it("is the version pinned in tools/versions.env, which the distribution's manifest builds", () => {
    const root = path.resolve(__dirname, "..", "..");
    const manifest = yaml.load(readFileSync(path.join(root, "collector", "builder-config.yaml"), "utf8")) as {
      dist: { version: string };
    };
    expect(collectorVersion()).toBe(manifest.dist.version);
    const dockerfile = readFileSync(path.join(root, "collector", "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`ARG OTELCOL_VERSION=${collectorVersion()}\n`);
  });
});
