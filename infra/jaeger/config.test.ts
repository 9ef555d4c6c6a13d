import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { PORTS } from "../topology";
import {
  buildJaegerConfig,
  buildJaegerUiConfig,
  COMPONENT_IDS,
  renderJaegerConfig,
  SHARDS_PER_DAILY_INDEX,
  TRACE_STORAGE,
  type JaegerPorts,
} from "./config";
import { CLUSTER_JAEGER_PORTS, clusterJaegerSettings, JAEGER_FILES, localJaegerSettings } from "./settings";

const LOCAL_PORTS: JaegerPorts = {
  otlpGrpc: 24317,
  otlpHttp: 24318,
  queryHttp: 26686,
  queryGrpc: 26685,
  health: 23133,
  healthGrpc: 23132,
};

const cluster = (overrides: Partial<Parameters<typeof clusterJaegerSettings>[0]> = {}) =>
  buildJaegerConfig(
    clusterJaegerSettings({
      storage: { engine: "elasticsearch", url: "http://elasticsearch.tracing.svc.cluster.local:9200", version: 8 },
      indexPrefix: "order-tracing",
      replicas: 1,
      retentionDays: 14,
      basePath: "/jaeger",
      memoryLimitBytes: 1024 * 2 ** 20,
      ...overrides,
    }),
  );

describe("buildJaegerConfig in the cluster", () => {
  it("runs OTLP → memory limiter → batch → the storage exporter, with storage, query and health extensions", () => {
    const config = cluster();
    expect(config.service.pipelines.traces).toEqual({
      receivers: [COMPONENT_IDS.otlp],
      processors: [COMPONENT_IDS.memoryLimiter, COMPONENT_IDS.batch],
      exporters: [COMPONENT_IDS.exporter],
    });
    expect(config.service.extensions).toEqual([COMPONENT_IDS.storage, COMPONENT_IDS.query, COMPONENT_IDS.health]);
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe(TRACE_STORAGE);
    expect(config.processors.memory_limiter).toEqual({ check_interval: "1s", limit_mib: 819, spike_limit_mib: 163 });
  });

  it("listens on every interface at the topology's ports", () => {
    const config = cluster();
    expect(config.receivers.otlp.protocols).toEqual({
      grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
      http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
    });
    expect(config.extensions.jaeger_query).toMatchObject({
      http: { endpoint: `0.0.0.0:${PORTS.jaegerQueryHttp}` },
      grpc: { endpoint: `0.0.0.0:${PORTS.jaegerQueryGrpc}` },
    });
    expect(config.extensions.healthcheckv2).toMatchObject({
      use_v2: true,
      http: { endpoint: `0.0.0.0:${CLUSTER_JAEGER_PORTS.health}`, status: { enabled: true, path: "/status" } },
    });
  });

  it("serves query under the base path, with the UI config, and without tracing itself", () => {
    expect(cluster().extensions.jaeger_query).toMatchObject({
      base_path: "/jaeger",
      enable_tracing: false,
      storage: { traces: TRACE_STORAGE },
      ui: { config_file: JAEGER_FILES.uiConfig },
    });
  });

  it("writes daily indices with one shard and the configured replicas, and looks back over the whole retention", () => {
    const backend = cluster({ replicas: 1 }).extensions.jaeger_storage.backends[TRACE_STORAGE].elasticsearch as Record<
      string,
      unknown
    >;
    const daily = { date_layout: "2006-01-02", rollover_frequency: "day", shards: SHARDS_PER_DAILY_INDEX, replicas: 1 };
    expect(SHARDS_PER_DAILY_INDEX).toBe(1);
    expect(backend).toEqual({
      server_urls: ["http://elasticsearch.tracing.svc.cluster.local:9200"],
      version: 8,
      indices: { index_prefix: "order-tracing", spans: daily, services: daily, dependencies: daily, sampling: daily },
      create_mappings: true,
      max_span_age: `${14 * 24}h`,
    });
  });

  it("logs in to OpenSearch with a password file and trusts a private CA when one is given", () => {
    const backend = cluster({
      storage: {
        engine: "opensearch",
        url: "https://vpc-order-tracing.eu-central-1.es.amazonaws.com",
        basicAuth: { username: "jaeger", secretName: "trace-storage-credentials" },
        caSecretName: "storage-ca",
      },
    }).extensions.jaeger_storage.backends[TRACE_STORAGE];
    expect(Object.keys(backend)).toEqual(["opensearch"]);
    expect(backend.opensearch).toMatchObject({
      auth: { basic: { username: "jaeger", password_file: JAEGER_FILES.password } },
      tls: { ca_file: JAEGER_FILES.ca },
    });
    // Jaeger asks an OpenSearch server its version: none is pinned.
    expect(backend.opensearch).not.toHaveProperty("version");
    // The password itself is never in the config file.
    expect(renderJaegerConfig(cluster())).not.toMatch(/password:/);
  });

  it("serves its own metrics for Prometheus", () => {
    expect(cluster().service.telemetry.metrics).toEqual({
      level: "normal",
      readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: PORTS.jaegerMetrics } } } }],
    });
  });
});

describe("buildJaegerConfig on a developer machine", () => {
  it("binds every listener to loopback on the caller's ports, without a memory limiter or metrics", () => {
    const config = buildJaegerConfig(localJaegerSettings(LOCAL_PORTS, { kind: "memory", maxTraces: 10000 }));
    const endpoints = JSON.stringify(config).match(/"endpoint":"[^"]+"/g) ?? [];
    expect(endpoints).toHaveLength(6);
    for (const endpoint of endpoints) expect(endpoint).toMatch(/"endpoint":"127\.0\.0\.1:2\d{4}"/);
    expect(config.service.pipelines.traces.processors).toEqual([COMPONENT_IDS.batch]);
    expect(config.service.telemetry.metrics).toEqual({ level: "none" });
    expect(config.extensions.jaeger_storage.backends[TRACE_STORAGE]).toEqual({ memory: { max_traces: 10000 } });
  });

  it("keeps Badger's keys and values under one directory with the retention as TTL", () => {
    const config = buildJaegerConfig(
      localJaegerSettings(LOCAL_PORTS, { kind: "badger", directory: "/tmp/sandbox/jaeger", retentionHours: 72 }),
    );
    expect(config.extensions.jaeger_storage.backends[TRACE_STORAGE]).toEqual({
      badger: {
        directories: { keys: "/tmp/sandbox/jaeger/keys", values: "/tmp/sandbox/jaeger/values" },
        ephemeral: false,
        ttl: { spans: "72h" },
      },
    });
  });
});

describe("renderJaegerConfig", () => {
  it("serializes the document once, as YAML that reads back to the same data", () => {
    const config = cluster();
    expect(yaml.load(renderJaegerConfig(config))).toEqual(JSON.parse(JSON.stringify(config)));
  });
});

describe("buildJaegerUiConfig", () => {
  it("hides the tabs whose data nothing produces here", () => {
    expect(buildJaegerUiConfig()).toEqual({
      dependencies: { menuEnabled: false },
      monitor: { menuEnabled: false },
      archiveEnabled: false,
    });
  });
});
