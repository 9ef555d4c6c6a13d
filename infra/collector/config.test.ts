import { HEALTH_CHECK_PATHS } from "../../contract/trace";
import * as yaml from "js-yaml";
import { PATH_MAY_NEED_REDACTION, PATH_SEGMENT_REPLACEMENTS } from "../../instrumentation/src/url-path";
import { describe, expect, it } from "vitest";
import { ConfigReader } from "../config/read";
import { readCollectorConfig, type CollectorConfig } from "../config/collector";
import {
  buildBaselineCollectorConfig,
  buildCollectorConfig,
  COMPONENT_IDS,
  goMemoryLimit,
  memoryLimiterFor,
  goReplacement,
  NON_HEAP_RESERVE_MIB,
  orderIdPathPatterns,
  ottlString,
  queueSpansFor,
  renderCollectorConfig,
  SAMPLING_POLICIES,
  tailSamplingTracesPerSecond,
  type CollectorConfigDocument,
} from "./config";
import { ALLOWED_ATTRIBUTE_KEYS, BLOCKED_VALUE_PATTERNS, PATH_ATTRIBUTE_KEYS, REDACTION_ALLOWED_VALUES } from "./pii";
import { clusterLocation, collectorTiers, localCollectorSettings, QUEUE_DIRECTORY } from "./settings";

function collectorConfig(raw: Record<string, unknown> = {}): CollectorConfig {
  const read = new ConfigReader({ collector: raw });
  const config = readCollectorConfig(read);
  expect(read.errors).toEqual([]);
  return config;
}

function gateway(raw: Record<string, unknown> = {}): CollectorConfigDocument {
  const [tier] = collectorTiers(collectorConfig(raw), "tracing");
  return buildCollectorConfig(tier.settings);
}

type Policy = { name: string; type: string } & Record<string, unknown>;

describe("buildCollectorConfig (single layout)", () => {
  const config = gateway();
  const pipeline = config.service.pipelines.traces;

  it("runs the pipeline in order: limit, drop probes, enrich, scrub, sample, batch, export to Jaeger", () => {
    expect(pipeline).toEqual({
      receivers: ["otlp"],
      processors: [
        "memory_limiter",
        "filter/health-checks",
        "k8s_attributes",
        "transform/scrub-urls-and-status",
        "transform/order-id-from-path",
        "redaction/pii",
        "tail_sampling",
        "batch",
      ],
      exporters: ["otlp_grpc/jaeger"],
    });
    // Every component the pipeline names is defined, and nothing else.
    expect(Object.keys(config.processors)).toEqual(pipeline.processors);
    expect(Object.keys(config.exporters)).toEqual(pipeline.exporters);
  });

  it("receives OTLP gRPC and HTTP on every interface, with a request size limit", () => {
    expect(config.receivers.otlp).toEqual({
      protocols: {
        grpc: { endpoint: "0.0.0.0:4317", max_recv_msg_size_mib: 8 },
        http: { endpoint: "0.0.0.0:4318", max_request_body_size: 8 * 1024 * 1024 },
      },
    });
    expect(config.extensions.health_check).toEqual({ endpoint: "0.0.0.0:13133", path: "/" });
    expect(config.service.extensions).toEqual(["health_check"]);
  });

  it("derives the memory limiter from the container memory limit, checking five times a second", () => {
    expect(config.processors.memory_limiter).toEqual({
      check_interval: "200ms",
      // Collects garbage before it refuses data, at most once a second (the default is every 10 s).
      min_gc_interval_when_soft_limited: "1s",
      limit_mib: 409,
      spike_limit_mib: 81,
    });
    expect(memoryLimiterFor(2 * 1024 ** 3)).toEqual({ limitMiB: 1638, spikeLimitMiB: 327 });
  });

  it("leaves a small container the memory that is resident besides the heap", () => {
    // 80% of 256 MiB would leave 51 MiB; the process needs about NON_HEAP_RESERVE_MIB besides its heap.
    expect(memoryLimiterFor(256 * 1024 ** 2)).toEqual({ limitMiB: 256 - NON_HEAP_RESERVE_MIB, spikeLimitMiB: 35 });
    expect(memoryLimiterFor(400 * 1024 ** 2)).toEqual({ limitMiB: 320, spikeLimitMiB: 64 });
    expect(goMemoryLimit(memoryLimiterFor(256 * 1024 ** 2))).toBe("176MiB");
  });

  it("adds node, pod and namespace from the Kubernetes API, doing its own lookups", () => {
    const k8s = config.processors.k8s_attributes as { passthrough: boolean; extract: { metadata: string[] } };
    expect(k8s.passthrough).toBe(false);
    expect(k8s.extract.metadata).toEqual(
      expect.arrayContaining(["k8s.node.name", "k8s.pod.name", "k8s.namespace.name"]),
    );
  });

  it("keeps only allow-listed keys and masks personal data in the values it keeps", () => {
    expect(config.processors["redaction/pii"]).toMatchObject({
      allow_all_keys: false,
      allowed_keys: [...ALLOWED_ATTRIBUTE_KEYS],
      blocked_values: BLOCKED_VALUE_PATTERNS.map((p) => p.pattern),
      // The values we keep and the clean shapes that only spare the blocked patterns work, cheapest
      // first (pii.test.ts: the same values as ALLOWED_VALUE_PATTERNS and CLEAN_VALUE_SHAPES).
      allowed_values: [...REDACTION_ALLOWED_VALUES],
      summary: "info",
    });
  });

  it("cuts query strings and fragments from URL attributes, and masks status messages only when there is one", () => {
    const transform = config.processors["transform/scrub-urls-and-status"] as {
      trace_statements: Array<{ context: string; conditions?: string[]; statements: string[] }>;
    };
    const [urls, ...groups] = transform.trace_statements;
    const paths = groups.slice(0, PATH_ATTRIBUTE_KEYS.length);
    const [status, ...others] = groups.slice(PATH_ATTRIBUTE_KEYS.length);
    expect(others).toEqual([]);
    // Then, for each attribute that holds a path, the path rule, only when the value has a
    // character it could act on (instrumentation/src/url-path.ts).
    expect(paths).toEqual(
      PATH_ATTRIBUTE_KEYS.map((key) => ({
        context: "span",
        conditions: [`IsMatch(span.attributes["${key}"], ${ottlString(PATH_MAY_NEED_REDACTION)})`],
        statements: PATH_SEGMENT_REPLACEMENTS.map(
          ([pattern, replacement]) =>
            `replace_pattern(span.attributes["${key}"], ${ottlString(pattern)}, ${ottlString(goReplacement(replacement))})`,
        ),
      })),
    );
    expect(urls.context).toBe("span");
    expect(urls.conditions).toBeUndefined();
    for (const key of ["url.full", "http.url", "http.target", "messaging.url"]) {
      expect(urls.statements).toContain(`replace_pattern(span.attributes["${key}"], "\\\\?.*", "")`);
      expect(urls.statements).toContain(`replace_pattern(span.attributes["${key}"], "#.*", "")`);
    }
    expect(urls.statements).toContain('replace_pattern(span.name, "\\\\?.*", "")');
    expect(urls.statements).toContain('delete_key(span.attributes, "url.query")');
    // Bodies are not deleted by pattern: the allow-list has no body key, so redaction removes them.
    expect(urls.statements.some((s) => s.startsWith("delete_matching_keys"))).toBe(false);
    expect(status).toEqual({
      context: "span",
      conditions: ['span.status.message != ""'],
      statements: BLOCKED_VALUE_PATTERNS.map(
        (p) => `replace_pattern(span.status.message, ${ottlString(p.pattern)}, "****")`,
      ),
    });
  });

  it("cuts a URL exactly where the old single pattern cut it, at the first ? or #", () => {
    // The two statements in their order, as the collector applies them (RE2 and JavaScript agree here).
    const cut = (url: string): string => url.replace(/\?.*/, "").replace(/#.*/, "");
    for (const [url, expected] of [
      ["https://shop.example.internal/orders?email=x#top", "https://shop.example.internal/orders"],
      ["https://shop.example.internal/orders#top?email=x", "https://shop.example.internal/orders"],
      ["/orders/42#fragment", "/orders/42"],
      ["/orders/42", "/orders/42"],
    ]) {
      expect(cut(url)).toBe(url.replace(/[?#].*/, ""));
      expect(cut(url)).toBe(expected);
    }
  });

  it("sends on to Jaeger with zstd compression (routers to samplers too: two-tier layout below)", () => {
    expect(config.exporters["otlp_grpc/jaeger"]).toMatchObject({ compression: "zstd" });
  });

  it("drops health, readiness and metrics spans by path and probe user agent", () => {
    const filter = config.processors["filter/health-checks"] as { trace_conditions: string[] };
    const urlPath = filter.trace_conditions.find((c) => c.includes('"url.path"')) ?? "";
    const pattern = new RegExp(JSON.parse(/, ("[^"]+")\)$/.exec(urlPath)?.[1] ?? '""') as string);
    // Every path the SDK drops (contract/trace.ts), so the two layers agree.
    for (const path of [...HEALTH_CHECK_PATHS, "/healthz/"]) {
      expect(pattern.test(path), path).toBe(true);
    }
    for (const path of ["/orders", "/orders/healthz", "/healthzz"]) expect(pattern.test(path), path).toBe(false);
    expect(filter.trace_conditions.some((c) => c.includes("kube-probe"))).toBe(true);
  });

  it("keeps errors, slow traces, status changes and a share of the rest", () => {
    const sampling = config.processors.tail_sampling as {
      decision_wait: string;
      num_traces: number;
      policies: Policy[];
    };
    expect(sampling.decision_wait).toBe("30s");
    expect(sampling.num_traces).toBe(50_000);
    expect(sampling.policies).toEqual([
      { name: SAMPLING_POLICIES.errors, type: "status_code", status_code: { status_codes: ["ERROR"] } },
      { name: SAMPLING_POLICIES.slow, type: "latency", latency: { threshold_ms: 2000 } },
      {
        name: SAMPLING_POLICIES.statusChanges,
        type: "ottl_condition",
        ottl_condition: { error_mode: "ignore", span: ['span.name == "order.status_change"'] },
      },
      { name: SAMPLING_POLICIES.share, type: "probabilistic", probabilistic: { sampling_percentage: 10 } },
    ]);
  });

  it("holds new traces back instead of evicting undecided ones when numTraces wait", () => {
    const sampling = config.processors.tail_sampling as { block_on_overflow: boolean };
    expect(sampling.block_on_overflow).toBe(true);
    // The rate at which it then holds back: 50,000 traces waiting 30 s each.
    expect(
      tailSamplingTracesPerSecond({
        numTraces: 50_000,
        decisionWaitSeconds: 30,
        keepPercent: 10,
        latencyThresholdMs: 2000,
      }),
    ).toBe(1666);
  });

  it("exports to Jaeger's OTLP gRPC Service with a sending queue and retries", () => {
    expect(config.exporters["otlp_grpc/jaeger"]).toMatchObject({
      endpoint: "jaeger.tracing.svc.cluster.local:4317",
      tls: { insecure: true },
      sending_queue: { enabled: true, sizer: "items", queue_size: queueSpansFor(memoryLimiterFor(512 * 1024 ** 2)) },
      retry_on_failure: { enabled: true },
    });
  });

  it("takes the sampling settings from the stack", () => {
    const custom = gateway({
      sampling: { latencyThresholdMs: 750, keepPercent: 2.5, decisionWaitSeconds: 12, numTraces: 2000 },
    });
    const sampling = custom.processors.tail_sampling as {
      decision_wait: string;
      num_traces: number;
      policies: Policy[];
    };
    expect(sampling.decision_wait).toBe("12s");
    expect(sampling.num_traces).toBe(2000);
    expect(sampling.policies.find((p) => p.name === SAMPLING_POLICIES.slow)).toMatchObject({
      latency: { threshold_ms: 750 },
    });
    expect(sampling.policies.find((p) => p.name === SAMPLING_POLICIES.share)).toMatchObject({
      probabilistic: { sampling_percentage: 2.5 },
    });
  });
});

describe("persistent sending queue", () => {
  it("stores the queue with file_storage in the pod's queue directory, sized by the disk", () => {
    const config = gateway({ queue: { persistent: true, diskSize: "2Gi" } });
    expect(config.extensions[COMPONENT_IDS.queueStorage]).toMatchObject({ directory: QUEUE_DIRECTORY });
    expect(config.service.extensions).toEqual(["health_check", "file_storage/queue"]);
    expect(config.exporters["otlp_grpc/jaeger"]).toMatchObject({
      sending_queue: { storage: "file_storage/queue", queue_size: Math.floor(2 * 1024 * 1024 * 0.9) },
    });
  });
});

describe("two-tier layout", () => {
  const tiers = collectorTiers(collectorConfig({ layout: "two-tier", replicas: 3, samplerReplicas: 2 }), "tracing");
  const [router, sampler] = tiers.map((t) => buildCollectorConfig(t.settings));

  it("is routers that apps reach, in front of samplers behind a headless Service", () => {
    expect(tiers.map(({ part, role, replicas }) => ({ part, role, replicas }))).toEqual([
      { part: "otel-collector", role: "router", replicas: 3 },
      { part: "otel-collector-sampler", role: "sampler", replicas: 2 },
    ]);
  });

  it("enriches and scrubs in the router, then routes every span by trace id to one sampler", () => {
    expect(router.service.pipelines.traces.processors).toEqual([
      "memory_limiter",
      "filter/health-checks",
      "k8s_attributes",
      "transform/scrub-urls-and-status",
      "transform/order-id-from-path",
      "redaction/pii",
      "batch",
    ]);
    expect(router.service.pipelines.traces.exporters).toEqual(["load_balancing/samplers"]);
    expect(router.exporters["load_balancing/samplers"]).toMatchObject({
      routing_key: "traceID",
      protocol: { otlp: { compression: "zstd" } },
      resolver: { dns: { hostname: "otel-collector-sampler.tracing.svc.cluster.local", port: "4317" } },
    });
    expect(router.processors).not.toHaveProperty("tail_sampling");
  });

  it("samples in the sampler, which exports to Jaeger", () => {
    expect(sampler.service.pipelines.traces.processors).toEqual(["memory_limiter", "tail_sampling", "batch"]);
    expect(sampler.service.pipelines.traces.exporters).toEqual(["otlp_grpc/jaeger"]);
  });
});

describe("local location", () => {
  const ports = { otlpGrpc: 14317, otlpHttp: 14318, health: 13134, metrics: 18888 };

  it("runs the stack's pipeline on loopback without the Kubernetes lookup", () => {
    const config = collectorConfig();
    const local = buildCollectorConfig(localCollectorSettings(config, { ports, exporterEndpoint: "127.0.0.1:24317" }));
    const cluster = gateway();
    expect(local.receivers.otlp).toEqual({
      protocols: {
        grpc: { endpoint: "127.0.0.1:14317", max_recv_msg_size_mib: 8 },
        http: { endpoint: "127.0.0.1:14318", max_request_body_size: 8 * 1024 * 1024 },
      },
    });
    expect(local.service.pipelines.traces.processors).toEqual(
      cluster.service.pipelines.traces.processors.filter((id) => id !== "k8s_attributes"),
    );
    // Apart from where it listens and sends, every processor is the cluster's.
    for (const id of local.service.pipelines.traces.processors)
      expect(local.processors[id]).toEqual(cluster.processors[id]);
    expect(local.exporters["otlp_grpc/jaeger"]).toMatchObject({ endpoint: "127.0.0.1:24317", tls: { insecure: true } });
    expect(JSON.stringify(local)).not.toContain("0.0.0.0");
  });

  it("puts a persistent queue where the caller says", () => {
    const local = buildCollectorConfig(
      localCollectorSettings(collectorConfig(), {
        ports,
        exporterEndpoint: "127.0.0.1:24317",
        queueDirectory: "/tmp/q",
      }),
    );
    expect(local.extensions["file_storage/queue"]).toMatchObject({ directory: "/tmp/q" });
  });
});

describe("buildBaselineCollectorConfig", () => {
  it("is OTLP in, batch, nop out: nothing else to measure", () => {
    const baseline = buildBaselineCollectorConfig(clusterLocation("tracing", false));
    expect(baseline.service.pipelines.traces).toEqual({
      receivers: ["otlp"],
      processors: ["batch"],
      exporters: ["nop"],
    });
    expect(baseline.exporters).toEqual({ nop: {} });
  });
});

describe("renderCollectorConfig", () => {
  it("serializes once to YAML that reads back to the same document", () => {
    const document = gateway({ layout: "single", queue: { persistent: true } });
    const text = renderCollectorConfig(document);
    expect(text.startsWith("# Generated by infra/collector/config.ts")).toBe(true);
    expect(yaml.load(text)).toEqual(document);
  });

  it("has no `${` or `$$` but the escaped group references of replacements, which the resolver unescapes", () => {
    for (const layout of ["single", "two-tier"]) {
      for (const tier of collectorTiers(collectorConfig({ layout }), "tracing")) {
        const text = renderCollectorConfig(buildCollectorConfig(tier.settings));
        expect(text.replace(/\$\$\{\d\}/g, "")).not.toMatch(/\$\{|\$\$/);
      }
    }
    expect(goReplacement("$1/[REDACTED:path]$2")).toBe("$${1}/[REDACTED:path]$${2}");
  });
});

describe("ottlString", () => {
  it("quotes and escapes backslashes and double quotes", () => {
    expect(ottlString('a\\.b"c')).toBe('"a\\\\.b\\"c"');
  });
});

describe("order.id from the request path (services without our bundle)", () => {
  const patterns = orderIdPathPatterns().map((pattern) => new RegExp(pattern));
  const orderId = "7937729d-d25e-457a-9306-26565d21d72f";
  const idOf = (path: string) => patterns.map((p) => p.exec(path)?.[1]).find((id) => id !== undefined);

  it("reads the order id from the order routes of the bundle's rules, and from nothing else", () => {
    expect(idOf(`/orders/${orderId}`)).toBe(orderId);
    expect(idOf(`/orders/${orderId}/start`)).toBe(orderId);
    expect(idOf("/orders/")).toBeUndefined();
    expect(idOf("/orders")).toBeUndefined();
    // Only an order id's shape: a path segment that names a person never becomes an attribute.
    expect(idOf("/orders/Quillon%20Probewright/start")).toBeUndefined();
    expect(idOf(`/models/${orderId}/part.stl`)).toBeUndefined();
  });

  it("sets order.id only where a span has none, after the paths are scrubbed and before the redaction", () => {
    const config = gateway();
    const processors = config.service.pipelines.traces.processors;
    expect(processors.indexOf("transform/order-id-from-path")).toBe(
      processors.indexOf("transform/scrub-urls-and-status") + 1,
    );
    const statements = JSON.stringify(config.processors["transform/order-id-from-path"]);
    expect(statements).toContain('span.attributes[\\"order.id\\"] == nil');
    expect(statements).toContain("${1}");
  });
});
