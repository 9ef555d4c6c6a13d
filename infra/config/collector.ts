import { toolVersion } from "../tool-versions";
import { memoryQuantity, parseQuantity } from "./validators";
import { imageReference, missingOwnImage } from "./images";
import type { ConfigReader } from "./read";
import { hasErrorsUnder, readResources, type Resources } from "./sections";
import type { ConfigKeyDoc } from "./reference";

/** How the collector gateway is laid out (docs/collector.md). */
export const COLLECTOR_LAYOUTS = ["single", "two-tier"] as const;
export type CollectorLayout = (typeof COLLECTOR_LAYOUTS)[number];

/** The distribution's version (tools/versions.env), the tag of its image (images/definitions.ts). */
export function collectorVersion(): string {
  return toolVersion("OTELCOL_VERSION");
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
  resources: Resources;
  /** `resources.limits.memory` in bytes: the memory limiter and the queue are sized from it. */
  memoryLimitBytes: number;
  sampling: {
    latencyThresholdMs: number;
    keepPercent: number;
    decisionWaitSeconds: number;
    numTraces: number;
  };
  /** The sending queue towards Jaeger: on an emptyDir of `diskSize` when persistent, else in memory. */
  queue: { persistent: boolean; diskSize: string; diskBytes: number };
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
    ...readCollectorResources(read),
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
    queue: readQueue(read),
  };
}

function readQueue(read: ConfigReader): CollectorConfig["queue"] {
  const persistent = read.boolean("collector.queue.persistent", false);
  const diskSize = read.string("collector.queue.diskSize", "1Gi", memoryQuantity);
  return { persistent, diskSize, diskBytes: parseQuantity(diskSize)! };
}

const DEFAULT_RESOURCES: Resources = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { cpu: "1", memory: "512Mi" },
};

function readCollectorResources(read: ConfigReader): Pick<CollectorConfig, "resources" | "memoryLimitBytes"> {
  const resources = readResources(read, "collector.resources", DEFAULT_RESOURCES);
  const key = "collector.resources.limits.memory";
  if (!hasErrorsUnder(read, key) && resources.memoryLimitBytes < parseQuantity(MIN_MEMORY_LIMIT)!) {
    read.fail(
      key,
      `must be at least ${MIN_MEMORY_LIMIT}: the memory limiter refuses data at 80% of it and tail sampling ` +
        `holds traces in memory; got ${resources.resources.limits.memory}`,
    );
  }
  return resources;
}

/** The `order-tracing:*` keys this module reads (the collector gateway): docs/configuration.md is generated from them. */
export const COLLECTOR_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["collector.layout"],
    type: "layout",
    default: "`single`",
    meaning:
      "`single` or `two-tier`: the collector gateway's layout: one gateway, or routers in front of samplers (prod). See [Scaling the collector](collector.md#scaling-the-collector)",
  },
  {
    keys: ["collector.replicas"],
    type: "integer 1–50",
    default: "`1`",
    meaning:
      "gateway pods (`single`: exactly 1, since tail sampling needs every span of a trace in one pod) or router pods (`two-tier`)",
  },
  {
    keys: ["collector.samplerReplicas"],
    type: "integer 1–50",
    default: "`2`",
    meaning:
      "`two-tier` only: sampler pods behind the headless Service `otel-collector-sampler`; refused with `single`",
  },
  {
    keys: ["collector.image"],
    type: "image reference",
    default: "none: required",
    meaning:
      "our collector distribution (`otelcol-ordertracing`) as published by `npm run images -- --push <registry> --stack <stack>` ([Images](images.md)); a stack without it fails the preview naming this key and that command",
  },
  {
    keys: ["collector.resources"],
    type: "object",
    default: '`{ requests: { cpu: 100m, memory: 256Mi }, limits: { cpu: "1", memory: 512Mi } }`',
    meaning:
      "per collector pod, every tier; limits at least the requests, memory limit at least `256Mi`. The memory limiter and `GOMEMLIMIT` are 80% of it, or the limit less 80 MiB if that is smaller (the binary, stacks and runtime are resident besides the heap)",
  },
  {
    keys: ["collector.sampling.latencyThresholdMs"],
    type: "integer ≥ 1",
    default: "`2000`",
    meaning: "traces at least this long are always kept",
  },
  {
    keys: ["collector.sampling.keepPercent"],
    type: "number 0–100",
    default: "`10`",
    meaning:
      "share of the other traces kept (no error, fast, no `order.status_change`); by trace id, so a trace is kept whole or not at all",
  },
  {
    keys: ["collector.sampling.decisionWaitSeconds"],
    type: "integer 1–600",
    default: "`30`",
    meaning:
      "how long a trace's spans are gathered before the decision; longer than the slowest hop of the order path (AMQP included)",
  },
  {
    keys: ["collector.sampling.numTraces"],
    type: "integer ≥ 100",
    default: "`50000`",
    meaning:
      "traces held in memory awaiting their decision, per sampling pod; size it as new traces per second × `decisionWaitSeconds` × 2",
  },
  {
    keys: ["collector.queue.persistent", "collector.queue.diskSize"],
    type: "boolean, size",
    default: "`false`, `1Gi`",
    meaning:
      "the sending queue towards Jaeger on an `emptyDir` of that size (survives container restarts) instead of in memory",
  },
];
