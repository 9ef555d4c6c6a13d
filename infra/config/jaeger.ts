import type { QuotaConfig } from "./guards";
import { toolVersion } from "../tool-versions";
import { imageReferenceCheck, parseQuantity } from "./validators";
import type { ConfigReader } from "./read";
import { hasErrorsUnder, readResources, refuseUnknownFields, type Resources } from "./sections";
import type { ConfigKeyDoc } from "./reference";

/** The validated `order-tracing:jaeger` section: Jaeger v2 (OTLP in, storage out, query). */
export interface JaegerConfig {
  /** Stateless against Elasticsearch/OpenSearch, so any number serves both OTLP and query. */
  replicas: number;
  resources: Resources;
  /** `resources.limits.memory` in bytes: Jaeger's memory-bounded settings are sized from it. */
  memoryLimitBytes: number;
  /** Path prefix of the UI and API, e.g. `/jaeger` when the UI shares a host with other tools. */
  basePath: string;
  /** Full image reference; empty: the Jaeger v2 release matching tools/versions.env. */
  image?: string;
}

const FIELDS = {
  jaeger: ["replicas", "resources", "basePath", "image"],
  "jaeger.resources": ["requests", "limits"],
  "jaeger.resources.requests": ["cpu", "memory"],
  "jaeger.resources.limits": ["cpu", "memory"],
} as const;

export function readJaegerConfig(read: ConfigReader, quota: QuotaConfig): JaegerConfig {
  refuseUnknownFields(read, FIELDS);
  const { resources, memoryLimitBytes } = readResources(read, "jaeger.resources", DEFAULT_RESOURCES);
  const maxContainer = parseQuantity(quota.maxContainerMemory);
  if (maxContainer !== undefined && memoryLimitBytes > maxContainer && !hasErrorsUnder(read, "jaeger.resources"))
    read.fail(
      "jaeger.resources.limits.memory",
      `${resources.limits.memory} is more than quota.maxContainerMemory (${quota.maxContainerMemory})`,
    );
  return {
    replicas: read.number("jaeger.replicas", 1, { min: 1, max: 10, integer: true }),
    resources,
    memoryLimitBytes,
    basePath: read.string("jaeger.basePath", "/", basePath),
    image: read.string("jaeger.image", undefined, jaegerImage),
  };
}

const DEFAULT_RESOURCES: Resources = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { cpu: "1", memory: "512Mi" },
};

const jaegerImage = imageReferenceCheck(`"jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}"`);

function basePath(v: string): string | undefined {
  return /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/.test(v)
    ? undefined
    : `expected "/" or a path such as "/jaeger" (no trailing slash), got "${v}"`;
}

/** The `order-tracing:*` keys this module reads (Jaeger v2): docs/configuration.md is generated from them. */
export const JAEGER_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["jaeger.replicas"],
    type: "integer 1–10",
    default: "`1`",
    meaning: "Jaeger pods (each receives OTLP and serves query; stateless against the storage)",
  },
  {
    keys: ["jaeger.resources"],
    type: "object",
    default: '`{ requests: { cpu: 100m, memory: 256Mi }, limits: { cpu: "1", memory: 512Mi } }`',
    meaning: "Jaeger's resources; its memory limiter refuses data at 80% of the memory limit",
  },
  {
    keys: ["jaeger.basePath"],
    type: "path",
    default: "`/`",
    meaning: "prefix of the UI and HTTP API (e.g. `/jaeger`); the access proxy's upstream must then include it",
  },
  {
    keys: ["jaeger.image"],
    type: "image",
    default: "`jaegertracing/jaeger:<JAEGER_V2_VERSION>` (`tools/versions.env`)",
    meaning: "the Jaeger v2 image",
  },
];
