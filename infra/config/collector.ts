import { toolVersion } from "../tool-versions";
import { cpuQuantity, memoryQuantity, parseQuantity } from "./quantity";
import { imageReference, missingOwnImage } from "./images";
import type { ConfigReader } from "./read";

/** How the collector gateway is laid out (README "The collector pipeline", "Scaling"). */
export const COLLECTOR_LAYOUTS = ["single", "two-tier"] as const;
export type CollectorLayout = (typeof COLLECTOR_LAYOUTS)[number];

/** The distribution's version (tools/versions.env), the tag of its image (images/definitions.ts). */
export function collectorVersion(): string {
  return toolVersion("OTELCOL_VERSION");
}

export interface CollectorResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** The validated `order-tracing:collector` section. */
export interface CollectorConfig {
  layout: CollectorLayout;
  /** Pods of the gateway (single layout) or of the routing tier (two-tier). */
  replicas: number;
  /** Pods of the sampling tier (two-tier layout only). */
  samplerReplicas: number;
  /** Reference of our collector image, as `npm run images -- --push` printed it. */
  image: string;
  /** Per pod, for every tier. */
  resources: CollectorResources;
  sampling: {
    latencyThresholdMs: number;
    keepPercent: number;
    decisionWaitSeconds: number;
    numTraces: number;
  };
  /** The sending queue towards Jaeger: on an emptyDir of `diskSize` when persistent, else in memory. */
  queue: { persistent: boolean; diskSize: string };
}

const FIELDS = {
  collector: ["layout", "replicas", "samplerReplicas", "image", "resources", "sampling", "queue"],
  "collector.resources": ["requests", "limits"],
  "collector.resources.requests": ["cpu", "memory"],
  "collector.resources.limits": ["cpu", "memory"],
  "collector.sampling": ["latencyThresholdMs", "keepPercent", "decisionWaitSeconds", "numTraces"],
  "collector.queue": ["persistent", "diskSize"],
} as const;

/** Below this the memory limiter leaves the pipeline too little room to hold traces for sampling. */
export const MIN_MEMORY_LIMIT = "256Mi";

/**
 * Reads `order-tracing:collector`. Every field has a default that suits a small stack; prod sets
 * the two-tier layout and more replicas (Pulumi.prod.yaml).
 */
export function readCollectorConfig(read: ConfigReader, requireOwnImages = false): CollectorConfig {
  const topFields = read.fieldsOf("collector") ?? [];
  for (const [section, known] of Object.entries(FIELDS)) {
    for (const field of section === "collector" ? topFields : (read.fieldsOf(section) ?? [])) {
      if (!(known as readonly string[]).includes(field)) {
        read.fail(`${section}.${field}`, `unknown key; known keys are ${known.join(", ")} (is it a typo?)`);
      }
    }
  }

  const layout = read.oneOf("collector.layout", COLLECTOR_LAYOUTS, "single");
  const replicas = read.number("collector.replicas", 1, { min: 1, max: 50, integer: true });
  if (layout === "single" && replicas > 1) {
    read.fail(
      "collector.replicas",
      `${replicas} replicas with layout "single" split each trace across pods, so tail sampling decides on ` +
        `partial traces; use 1 replica, or set collector.layout to "two-tier" to scale out`,
    );
  }
  const samplerReplicas = read.number("collector.samplerReplicas", 2, { min: 1, max: 50, integer: true });
  if (layout === "single" && topFields.includes("samplerReplicas")) {
    read.fail(
      "collector.samplerReplicas",
      'applies to collector.layout "two-tier" only; remove it or change the layout',
    );
  }

  const image = read.string("collector.image", undefined, imageReference);
  if (requireOwnImages && image === undefined && !read.errors.some((e) => e.key === "collector.image"))
    read.fail("collector.image", missingOwnImage("the image of our collector distribution (otelcol-ordertracing)"));

  return {
    layout,
    replicas,
    samplerReplicas,
    image: image ?? "",
    resources: readResources(read),
    sampling: {
      latencyThresholdMs: read.number("collector.sampling.latencyThresholdMs", 2000, { min: 1, integer: true }),
      keepPercent: read.number("collector.sampling.keepPercent", 10, { min: 0, max: 100 }),
      decisionWaitSeconds: read.number("collector.sampling.decisionWaitSeconds", 30, {
        min: 1,
        max: 600,
        integer: true,
      }),
      numTraces: read.number("collector.sampling.numTraces", 50_000, { min: 100, integer: true }),
    },
    queue: {
      persistent: read.boolean("collector.queue.persistent", false),
      diskSize: read.string("collector.queue.diskSize", "1Gi", memoryQuantity),
    },
  };
}

function readResources(read: ConfigReader): CollectorResources {
  const resources: CollectorResources = {
    requests: {
      cpu: read.string("collector.resources.requests.cpu", "100m", cpuQuantity),
      memory: read.string("collector.resources.requests.memory", "256Mi", memoryQuantity),
    },
    limits: {
      cpu: read.string("collector.resources.limits.cpu", "1", cpuQuantity),
      memory: read.string("collector.resources.limits.memory", "512Mi", memoryQuantity),
    },
  };
  const wrong = (key: string): boolean => read.errors.some((e) => e.key === key);
  for (const resource of ["cpu", "memory"] as const) {
    const requestKey = `collector.resources.requests.${resource}`;
    const limitKey = `collector.resources.limits.${resource}`;
    // A value that failed its own check was replaced by the default: comparing it says nothing.
    if (wrong(requestKey) || wrong(limitKey)) continue;
    const request = parseQuantity(resources.requests[resource]) ?? 0;
    const limit = parseQuantity(resources.limits[resource]) ?? 0;
    if (limit < request) {
      read.fail(
        limitKey,
        `must be at least the request (${resources.requests[resource]}), got ${resources.limits[resource]}`,
      );
    }
  }
  const memoryLimit = parseQuantity(resources.limits.memory) ?? 0;
  if (!wrong("collector.resources.limits.memory") && memoryLimit < (parseQuantity(MIN_MEMORY_LIMIT) ?? 0)) {
    read.fail(
      "collector.resources.limits.memory",
      `must be at least ${MIN_MEMORY_LIMIT}: the memory limiter refuses data at 80% of it and tail sampling ` +
        `holds traces in memory; got ${resources.limits.memory}`,
    );
  }
  return resources;
}
