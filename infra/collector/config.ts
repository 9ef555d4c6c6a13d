/**
 * The collector gateway's configuration, built as typed plain data from a few settings. No Pulumi
 * here: the CollectorGateway component, the local sandbox, the benchmarks and the tests all call
 * the same builder, so what runs on a laptop is what runs in the cluster, apart from where it
 * listens and where it sends (CollectorLocation).
 */
import * as yaml from "js-yaml";
import { PATH_MAY_NEED_REDACTION, PATH_SEGMENT_REPLACEMENTS } from "../../instrumentation/src/url-path";
import { DEFAULT_RULES } from "../../instrumentation/src/rules";
import { HEALTH_CHECK_PATHS, ORDER_ID_KEY, STATUS_CHANGE_SPAN } from "../../contract/trace";
import {
  ALLOWED_ATTRIBUTE_KEYS,
  BLOCKED_VALUE_PATTERNS,
  ORDER_ID_IN_PATH,
  PATH_ATTRIBUTE_KEYS,
  PROBE_USER_AGENT_PATTERN,
  QUERY_ATTRIBUTE_KEYS,
  REDACTION_ALLOWED_VALUES,
  URL_ATTRIBUTE_KEYS,
} from "./pii";

/** The ids of the components in the generated config (type, or type/name). */
export const COMPONENT_IDS = {
  otlpReceiver: "otlp",
  memoryLimiter: "memory_limiter",
  healthCheckFilter: "filter/health-checks",
  k8sAttributes: "k8s_attributes",
  urlAndStatusScrubber: "transform/scrub-urls-and-status",
  orderIdFromPath: "transform/order-id-from-path",
  redaction: "redaction/pii",
  tailSampling: "tail_sampling",
  batch: "batch",
  jaegerExporter: "otlp_grpc/jaeger",
  samplerExporter: "load_balancing/samplers",
  nopExporter: "nop",
  healthCheck: "health_check",
  queueStorage: "file_storage/queue",
} as const;

/**
 * Which part of the pipeline one collector runs.
 * - `gateway`: the whole pipeline in one tier (one replica, or any number without tail sampling
 *   guarantees);
 * - `router`: first tier of the two-tier layout: receive, enrich, scrub, then route every span by
 *   trace id to one sampler, so all spans of a trace meet in one place;
 * - `sampler`: second tier: tail sampling and export to Jaeger.
 */
export type CollectorTier =
  | { kind: "gateway" }
  | {
      kind: "router";
      /** A DNS name that resolves to every sampler pod: the samplers' headless Service. */
      samplerHostname: string;
      samplerPort: number;
    }
  | { kind: "sampler" };

/** Where a collector listens and where it sends: the only settings a local run changes. */
export interface CollectorLocation {
  /** `0.0.0.0` in a pod; `127.0.0.1` on a developer machine or in tests. */
  bindAddress: string;
  ports: { otlpGrpc: number; otlpHttp: number; health: number; metrics: number };
  /** `host:port` of Jaeger's OTLP gRPC receiver. */
  exporterEndpoint: string;
  /** Plain-text gRPC to the exporter: loopback, or in-cluster traffic fenced by NetworkPolicies. */
  exporterInsecure: boolean;
  /** Enrich spans from the Kubernetes API (k8s_attributes); off where no API server exists. */
  k8sAttributes: boolean;
  /** Directory of the persistent sending queue; absent: the queue lives in memory. */
  queueDirectory?: string;
}

export interface SamplingSettings {
  /** Traces whose root-to-leaf duration reaches this are always kept. */
  latencyThresholdMs: number;
  /** Share of the remaining traces (no error, fast, no status change) that is kept, 0–100. */
  keepPercent: number;
  /** How long spans of a trace are collected before the decision. */
  decisionWaitSeconds: number;
  /** Traces held in memory while their decision is pending. */
  numTraces: number;
}

export interface CollectorSettings {
  tier: CollectorTier;
  location: CollectorLocation;
  memoryLimiter: MemoryLimiterSettings;
  sampling: SamplingSettings;
  /** Capacity of the sending queue in spans, in memory or on disk. */
  queueSpans: number;
}

export interface MemoryLimiterSettings {
  limitMiB: number;
  spikeLimitMiB: number;
}

/**
 * The memory limiter derived from the container's memory limit: the heap may reach 80% of it, and
 * data is refused a spike (20% of that) earlier, so the kernel's OOM killer never has to act. The
 * same limit is the Go runtime's soft limit (GOMEMLIMIT, set by the component). The limiter sees
 * only the Go heap; what is resident besides it (the binary's pages, goroutine stacks, the
 * runtime's own data: 70-80 MiB in fault case 4; the limiter's README says "about 50 MiB") needs
 * NON_HEAP_RESERVE_MIB of the container, more than 20% of a small one: with 80% of 256 MiB, case
 * 4's overload reached 262 MiB resident, 213 MiB of it anonymous.
 */
export function memoryLimiterFor(containerLimitBytes: number): MemoryLimiterSettings {
  const containerMiB = containerLimitBytes / MIB;
  const limitMiB = Math.floor(Math.min(containerMiB * 0.8, containerMiB - NON_HEAP_RESERVE_MIB));
  return { limitMiB, spikeLimitMiB: Math.floor(limitMiB * 0.2) };
}

/** Container memory kept for what is resident besides the Go heap (see memoryLimiterFor). */
export const NON_HEAP_RESERVE_MIB = 80;

/** GOMEMLIMIT of a collector: the Go runtime collects harder as the heap nears the limiter's limit. */
export function goMemoryLimit(limits: MemoryLimiterSettings): string {
  return `${limits.limitMiB}MiB`;
}

/**
 * The sending queue's capacity in spans: with the queue in memory, a quarter of the memory limit at
 * about 1 KiB per span; on disk, the volume's size at the same rate, less a tenth for the database's
 * own overhead.
 */
export function queueSpansFor(memoryLimiter: MemoryLimiterSettings, queueDiskBytes?: number): number {
  if (queueDiskBytes !== undefined) return Math.floor((queueDiskBytes / KIB) * 0.9);
  return Math.floor(memoryLimiter.limitMiB * 1024 * 0.25);
}

const KIB = 1024;
const MIB = 1024 * 1024;

/** Largest OTLP request accepted (an SDK batch of 512 spans is well under 1 MiB). */
const MAX_REQUEST_MIB = 8;
/** Spans per batch towards Jaeger: under its gRPC receiver's 4 MiB message limit. */
const BATCH = { size: 1024, maxSize: 2048, timeout: "1s" } as const;

// --- The document ---------------------------------------------------------------------------------

type Attributes = Record<string, unknown>;

/** The collector config document: exactly what is serialized to the config file. */
export interface CollectorConfigDocument {
  extensions: Record<string, Attributes>;
  receivers: Record<string, Attributes>;
  processors: Record<string, Attributes>;
  exporters: Record<string, Attributes>;
  service: {
    extensions: string[];
    pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
    telemetry: Attributes;
  };
}

/** The collector configuration of one tier, from its settings. */
export function buildCollectorConfig(settings: CollectorSettings): CollectorConfigDocument {
  const { tier, location } = settings;
  // The pipeline in order. Health checks are dropped first, so no lookup or scrubbing is spent on
  // them; scrubbing comes before sampling, so nothing unscrubbed is ever held or exported.
  const steps: Array<[string, Attributes]> = [[COMPONENT_IDS.memoryLimiter, memoryLimiter(settings.memoryLimiter)]];
  if (tier.kind !== "sampler") {
    steps.push([COMPONENT_IDS.healthCheckFilter, healthCheckFilter()]);
    if (location.k8sAttributes) steps.push([COMPONENT_IDS.k8sAttributes, k8sAttributes()]);
    steps.push(
      [COMPONENT_IDS.urlAndStatusScrubber, urlAndStatusScrubber()],
      [COMPONENT_IDS.orderIdFromPath, orderIdFromPath()],
      [COMPONENT_IDS.redaction, redaction()],
    );
  }
  // The router only routes: sampling happens where all spans of a trace meet.
  if (tier.kind !== "router") steps.push([COMPONENT_IDS.tailSampling, tailSampling(settings.sampling)]);
  steps.push([COMPONENT_IDS.batch, batch()]);

  const extensions: Record<string, Attributes> = { [COMPONENT_IDS.healthCheck]: healthCheck(location) };
  const exporters: Record<string, Attributes> = {};
  if (tier.kind === "router") {
    exporters[COMPONENT_IDS.samplerExporter] = samplerExporter(tier.samplerHostname, tier.samplerPort);
  } else {
    exporters[COMPONENT_IDS.jaegerExporter] = jaegerExporter(settings);
    if (location.queueDirectory !== undefined) {
      extensions[COMPONENT_IDS.queueStorage] = queueStorage(location.queueDirectory);
    }
  }

  return {
    extensions,
    receivers: { [COMPONENT_IDS.otlpReceiver]: otlpReceiver(location) },
    processors: Object.fromEntries(steps),
    exporters,
    service: {
      extensions: Object.keys(extensions),
      pipelines: {
        traces: {
          receivers: [COMPONENT_IDS.otlpReceiver],
          processors: steps.map(([id]) => id),
          exporters: Object.keys(exporters),
        },
      },
      telemetry: telemetry(location),
    },
  };
}

/**
 * The benchmarks' baseline: the same receiver and batching with nothing in between and a nop
 * exporter, so a benchmark can tell what the scrubbing and sampling cost.
 */
export function buildBaselineCollectorConfig(location: CollectorLocation): CollectorConfigDocument {
  return {
    extensions: { [COMPONENT_IDS.healthCheck]: healthCheck(location) },
    receivers: { [COMPONENT_IDS.otlpReceiver]: otlpReceiver(location) },
    processors: { [COMPONENT_IDS.batch]: batch() },
    exporters: { [COMPONENT_IDS.nopExporter]: {} },
    service: {
      extensions: [COMPONENT_IDS.healthCheck],
      pipelines: {
        traces: {
          receivers: [COMPONENT_IDS.otlpReceiver],
          processors: [COMPONENT_IDS.batch],
          exporters: [COMPONENT_IDS.nopExporter],
        },
      },
      telemetry: telemetry(location),
    },
  };
}

// --- Components -----------------------------------------------------------------------------------

function hostPort(location: CollectorLocation, port: number): string {
  return `${location.bindAddress}:${port}`;
}

function healthCheck(location: CollectorLocation): Attributes {
  return { endpoint: hostPort(location, location.ports.health), path: "/" };
}

function otlpReceiver(location: CollectorLocation): Attributes {
  return {
    protocols: {
      grpc: { endpoint: hostPort(location, location.ports.otlpGrpc), max_recv_msg_size_mib: MAX_REQUEST_MIB },
      http: {
        endpoint: hostPort(location, location.ports.otlpHttp),
        max_request_body_size: MAX_REQUEST_MIB * MIB,
      },
    },
  };
}

function batch(): Attributes {
  return { send_batch_size: BATCH.size, send_batch_max_size: BATCH.maxSize, timeout: BATCH.timeout };
}

/** The persistent sending queue's database; compaction reclaims the space of delivered batches. */
function queueStorage(directory: string): Attributes {
  return { directory, create_directory: true, compaction: { on_start: true, on_rebound: true, directory } };
}

/**
 * Memory is checked five times a second, not once (the limiter's README: "if the expected traffic
 * is very spiky then decrease the check_interval"): between two checks the heap grows by what
 * arrives, and at 5x a collector's sustained rate one second of it is more than the 20% spike.
 */
const MEMORY_CHECK_INTERVAL = "200ms";
/**
 * Above the soft limit the limiter forces a GC before it refuses, but by default at most every 10 s:
 * a heap that crosses the soft limit with garbage the runtime has not collected yet then refuses
 * data for seconds (fault case 4's recovery phase: 7 of 429 requests at a rate whose live data fits).
 * Once a second; when a GC frees nothing the limiter backs off on its own (up to 30 s).
 */
const MIN_GC_INTERVAL_WHEN_SOFT_LIMITED = "1s";

function memoryLimiter(limits: MemoryLimiterSettings): Attributes {
  return {
    check_interval: MEMORY_CHECK_INTERVAL,
    min_gc_interval_when_soft_limited: MIN_GC_INTERVAL_WHEN_SOFT_LIMITED,
    limit_mib: limits.limitMiB,
    spike_limit_mib: limits.spikeLimitMiB,
  };
}

/**
 * A replacement with group references (`$1`, JavaScript's form) as the collector needs it: Go's
 * `${1}`, with the `$` doubled so that the config loader does not take it for a variable.
 */
export function goReplacement(replacement: string): string {
  return replacement.replace(/\$(\d)/g, (_match, group: string) => `$\${${group}}`);
}

/** An OTTL string literal. */
export function ottlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Health, readiness and metrics requests: frequent, always alike, and of no use in a trace. */
function healthCheckFilter(): Attributes {
  const paths = HEALTH_CHECK_PATHS.map((p) => p.slice(1)).join("|");
  const path = ottlString(`^/(${paths})/?$`);
  const target = ottlString(`^/(${paths})/?([?#].*)?$`);
  const probe = ottlString(PROBE_USER_AGENT_PATTERN);
  return {
    error_mode: "ignore",
    trace_conditions: [
      `IsMatch(span.attributes["url.path"], ${path})`,
      `IsMatch(span.attributes["http.route"], ${path})`,
      `IsMatch(span.attributes["http.target"], ${target})`,
      `IsMatch(span.attributes["user_agent.original"], ${probe})`,
      `IsMatch(span.attributes["http.user_agent"], ${probe})`,
    ],
  };
}

/**
 * Adds the pod, node and namespace of the sending pod from the Kubernetes API (passthrough off:
 * this collector does the lookups). The pod is found by the IP or UID the SDK reports, else by the
 * connection's source address.
 */
function k8sAttributes(): Attributes {
  return {
    auth_type: "serviceAccount",
    passthrough: false,
    extract: {
      metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.node.name", "k8s.deployment.name"],
    },
    pod_association: [
      { sources: [{ from: "resource_attribute", name: "k8s.pod.ip" }] },
      { sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] },
      { sources: [{ from: "connection" }] },
    ],
  };
}

/**
 * Cuts query strings and fragments from URLs (they carry search terms, e-mails, tokens) and drops
 * the attributes that hold only those, replaces the URL path segments that may name a person, and
 * masks the blocked patterns in status messages, which the redaction processor does not see.
 * Bodies and payloads need no statement here: no allow-listed key holds one, so the redaction
 * processor removes them (pii.ts BODY_KEY_PATTERN).
 *
 * Each statement runs on every span, so each is written to cost little when there is nothing to do:
 * a cut is two patterns that start with a literal (`\?`, `#`), which the regex engine finds with a
 * plain substring search, instead of one character class (`[?#]`) tried at every position; the
 * path-segment patterns of a key run only when its value has a character they could act on (most
 * paths are lower-case words and ids); the status-message patterns sit in a group whose condition
 * skips them when the message is empty, as it is on every span without an error.
 */
function urlAndStatusScrubber(): Attributes {
  const cuts = [ottlString("\\?.*"), ottlString("#.*")];
  return {
    error_mode: "ignore",
    trace_statements: [
      {
        context: "span",
        statements: [
          ...URL_ATTRIBUTE_KEYS.flatMap((key) =>
            cuts.map((cut) => `replace_pattern(span.attributes["${key}"], ${cut}, "")`),
          ),
          // Span names lose only a query string: `#` has other uses there (`Class#method`).
          `replace_pattern(span.name, ${cuts[0]}, "")`,
          ...QUERY_ATTRIBUTE_KEYS.map((key) => `delete_key(span.attributes, "${key}")`),
        ],
      },
      // After the cuts above: the path patterns see values without query strings.
      ...PATH_ATTRIBUTE_KEYS.map((key) => ({
        context: "span",
        conditions: [`IsMatch(span.attributes["${key}"], ${ottlString(PATH_MAY_NEED_REDACTION)})`],
        statements: PATH_SEGMENT_REPLACEMENTS.map(
          ([pattern, replacement]) =>
            `replace_pattern(span.attributes["${key}"], ${ottlString(pattern)}, ${ottlString(goReplacement(replacement))})`,
        ),
      })),
      {
        context: "span",
        conditions: ['span.status.message != ""'],
        statements: BLOCKED_VALUE_PATTERNS.map(
          ({ pattern }) => `replace_pattern(span.status.message, ${ottlString(pattern)}, "****")`,
        ),
      },
    ],
  };
}

/**
 * The path patterns of the order-id routes (the bundle's default rules, `/orders/:orderId/*`), as
 * anchored RE2 patterns whose first group is the order id.
 */
export function orderIdPathPatterns(routes: readonly string[] = DEFAULT_RULES.orderId.httpRoutes): string[] {
  return routes.map((route) => {
    const rest = route.endsWith("/*") ? "(/.*)?" : "/?";
    const template = route.endsWith("/*") ? route.slice(0, -2) : route;
    const parts = template.split(":orderId").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return `^${parts[0]}(${ORDER_ID_IN_PATH})${parts.slice(1).join("")}${rest}$`;
  });
}

/**
 * `order.id` on the server spans of services our bundle does not instrument (a JVM service traced
 * by the Java agent): taken from the request path when it is an order route, as the bundle takes
 * it (instrumentation/src/rules.ts). A span that already carries `order.id` (the bundle's, or the
 * Java agent's copy from baggage) keeps it. Runs after the path scrubbing, on paths already clean.
 */
function orderIdFromPath(): Attributes {
  const key = `span.attributes["${ORDER_ID_KEY}"]`;
  return {
    error_mode: "ignore",
    trace_statements: [
      {
        context: "span",
        // Checked once per span: a span that has an order id (every span of our bundle's order
        // routes) skips the statements.
        conditions: [`${key} == nil`],
        statements: orderIdPathPatterns().flatMap((pattern) => [
          `set(${key}, span.attributes["url.path"]) where ${key} == nil and IsMatch(span.attributes["url.path"], ${ottlString(pattern)})`,
          // Only a value copied from the path above matches: an order id never starts with `/`.
          `replace_pattern(${key}, ${ottlString(pattern)}, ${ottlString(goReplacement("$1"))})`,
        ]),
      },
    ],
  };
}

/**
 * Keeps only allow-listed attribute keys (resource, scope, span and event attributes), and masks
 * personal data and credentials inside the values it keeps. The summary adds counts of what was
 * removed or masked to each span, never the values, so a leaking service shows up in Jaeger.
 */
function redaction(): Attributes {
  return {
    allow_all_keys: false,
    allowed_keys: [...ALLOWED_ATTRIBUTE_KEYS],
    blocked_values: BLOCKED_VALUE_PATTERNS.map((p) => p.pattern),
    // Values we must keep and the shapes that no blocked pattern can touch (the frequent ones skip
    // eleven patterns this way; the output is the same), cheapest first.
    allowed_values: [...REDACTION_ALLOWED_VALUES],
    summary: "info",
  };
}

/** Policy names; a trace is kept when any policy says so. */
export const SAMPLING_POLICIES = {
  errors: "keep-errors",
  slow: "keep-slow",
  statusChanges: "keep-order-status-changes",
  share: "keep-share-of-the-rest",
} as const;

/**
 * Traces per second one tail sampler decides at most: `numTraces` wait at once, each for
 * `decisionWaitSeconds`. Beyond it the sampler holds the pipeline back (block_on_overflow).
 */
export function tailSamplingTracesPerSecond(sampling: SamplingSettings): number {
  return Math.floor(sampling.numTraces / sampling.decisionWaitSeconds);
}

function tailSampling(sampling: SamplingSettings): Attributes {
  return {
    decision_wait: `${sampling.decisionWaitSeconds}s`,
    num_traces: sampling.numTraces,
    // When numTraces traces wait, a new one waits for room instead of evicting the oldest, which
    // drops a trace before its decision after the receiver answered OK: above
    // tailSamplingTracesPerSecond nearly every trace goes so (4-span traces at 5x for 30 s: 922,112
    // spans accepted, none exported). Waiting holds the receivers back instead; the senders see
    // slow exports, and the memory limiter refuses what piles up.
    block_on_overflow: true,
    expected_new_traces_per_sec: Math.max(1, Math.ceil(sampling.numTraces / sampling.decisionWaitSeconds)),
    // Late spans of a decided trace follow its decision instead of starting a new one.
    decision_cache: { sampled_cache_size: sampling.numTraces * 4, non_sampled_cache_size: sampling.numTraces * 4 },
    policies: [
      { name: SAMPLING_POLICIES.errors, type: "status_code", status_code: { status_codes: ["ERROR"] } },
      { name: SAMPLING_POLICIES.slow, type: "latency", latency: { threshold_ms: sampling.latencyThresholdMs } },
      {
        name: SAMPLING_POLICIES.statusChanges,
        type: "ottl_condition",
        ottl_condition: { error_mode: "ignore", span: [`span.name == ${ottlString(STATUS_CHANGE_SPAN)}`] },
      },
      {
        name: SAMPLING_POLICIES.share,
        type: "probabilistic",
        probabilistic: { sampling_percentage: sampling.keepPercent },
      },
    ],
  };
}

/**
 * Compression of what a collector sends on (to Jaeger, router to sampler): zstd. The receiver is
 * usually on another node, so the bytes are worth compressing; zstd (the collector's encoder,
 * 512 KiB window) compressed a 1,024-span export batch of synthetic order spans about 4× faster
 * than gzip and 20% smaller, and both ends are collector builds that decode it. Snappy is faster
 * still but sends about twice gzip's bytes; none sends ~20× more (bench/README.md "Where the
 * collector's time goes").
 */
const EXPORT_COMPRESSION = "zstd";

/** Retries with backoff for five minutes; beyond that the queue (persistent or not) holds the data. */
const RETRY = { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "300s" } as const;

function jaegerExporter(settings: CollectorSettings): Attributes {
  const { location } = settings;
  return {
    endpoint: location.exporterEndpoint,
    tls: { insecure: location.exporterInsecure },
    compression: EXPORT_COMPRESSION,
    timeout: "10s",
    sending_queue: {
      enabled: true,
      num_consumers: 4,
      sizer: "items",
      queue_size: settings.queueSpans,
      ...(location.queueDirectory !== undefined ? { storage: COMPONENT_IDS.queueStorage } : {}),
    },
    retry_on_failure: RETRY,
  };
}

/**
 * Routes each span by its trace id to one sampler pod, found through DNS (the headless Service
 * returns one address per ready pod, re-resolved as samplers come and go).
 */
function samplerExporter(hostname: string, port: number): Attributes {
  return {
    routing_key: "traceID",
    protocol: { otlp: { tls: { insecure: true }, compression: EXPORT_COMPRESSION, timeout: "10s" } },
    resolver: { dns: { hostname, port: String(port), interval: "5s", timeout: "1s" } },
    retry_on_failure: RETRY,
  };
}

function telemetry(location: CollectorLocation): Attributes {
  return {
    logs: { level: "info", encoding: "json" },
    metrics: {
      level: "normal",
      readers: [{ pull: { exporter: { prometheus: { host: location.bindAddress, port: location.ports.metrics } } } }],
    },
  };
}

/** The config file's text: YAML, with a header saying where it comes from. */
export function renderCollectorConfig(document: CollectorConfigDocument): string {
  return (
    "# Generated by infra/collector/config.ts (buildCollectorConfig); edit the builder, not this file.\n" +
    yaml.dump(document, { lineWidth: -1, noRefs: true, sortKeys: false })
  );
}
