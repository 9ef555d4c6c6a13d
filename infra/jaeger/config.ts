/**
 * Jaeger v2's configuration, built as typed plain data from a few settings and serialized once. No
 * Pulumi here: the Jaeger component, the local sandbox and the tests call the same builder, so what
 * runs on a laptop (memory or Badger storage on loopback) is what runs in the cluster (Elasticsearch
 * or OpenSearch), apart from where it listens and where it stores.
 *
 * Keys follow Jaeger v1.76.0 / v2.13.0: cmd/jaeger/config-*.yaml,
 * internal/storage/elasticsearch/config/config.go, cmd/jaeger/internal/extension/jaegerquery/config.go.
 */
import * as yaml from "js-yaml";
import type { MemoryLimiterSettings } from "../collector/config";

/** Name of the one trace storage in `jaeger_storage.backends`, referred to by query and exporter. */
export const TRACE_STORAGE = "traces";

/** Jaeger's daily index naming: `<prefix>-jaeger-span-2026-11-25` (Go time layout). */
export const DAILY_INDEX_DATE_LAYOUT = "2006-01-02";

/**
 * One primary shard per daily index: a day of an order flow's traces is far below the ~50 GiB where
 * a shard should split, and every extra shard costs heap on every node for the whole retention.
 */
export const SHARDS_PER_DAILY_INDEX = 1;

/** The component ids of the generated config. */
export const COMPONENT_IDS = {
  storage: "jaeger_storage",
  query: "jaeger_query",
  health: "healthcheckv2",
  otlp: "otlp",
  memoryLimiter: "memory_limiter",
  batch: "batch",
  exporter: "jaeger_storage_exporter",
} as const;

/** Elasticsearch or OpenSearch: daily indices, written and searched over HTTP(S). */
export interface SearchStorageSettings {
  kind: "elasticsearch" | "opensearch";
  serverUrls: string[];
  /** Indices are `<indexPrefix>-jaeger-{span,service,dependencies,sampling}-<date>`. */
  indexPrefix: string;
  replicas: number;
  /** Query looks back this far: the retention, so every kept trace can be found. */
  retentionDays: number;
  /** Major version of the server; set when known, so Jaeger does not probe `/` at start. */
  version?: number;
  basicAuth?: { username: string; passwordFile: string };
  /** A private CA for https URLs; the system trust store otherwise. */
  caFile?: string;
}

/** Where traces go. memory and badger are for one process on one machine (sandbox, tests). */
export type JaegerStorageSettings =
  | { kind: "memory"; maxTraces: number }
  | { kind: "badger"; directory: string; retentionHours: number }
  | SearchStorageSettings;

export interface JaegerPorts {
  otlpGrpc: number;
  otlpHttp: number;
  queryHttp: number;
  queryGrpc: number;
  /** healthcheckv2 over HTTP (`/status`), the pod's probes. */
  health: number;
  /** healthcheckv2 over gRPC; it always listens, so it gets its own port too. */
  healthGrpc: number;
}

export interface JaegerSettings {
  /** `0.0.0.0` in a pod; `127.0.0.1` on a developer machine or in tests. */
  bindAddress: string;
  ports: JaegerPorts;
  storage: JaegerStorageSettings;
  /** `/` or a prefix such as `/jaeger` for the UI and the HTTP API. */
  basePath: string;
  /** Path of the UI's JSON config file (see buildJaegerUiConfig); absent: the UI's defaults. */
  uiConfigFile?: string;
  /** Refuse data before the container's memory limit is reached; absent on a developer machine. */
  memoryLimiter?: MemoryLimiterSettings;
  /** Jaeger's own metrics for Prometheus; absent: not served (nothing scrapes it locally). */
  metricsPort?: number;
  logLevel?: "debug" | "info" | "warn" | "error";
}

type Attributes = Record<string, unknown>;

/** The Jaeger v2 config document: exactly what is serialized to the config file. */
export interface JaegerConfigDocument {
  extensions: {
    jaeger_storage: { backends: Record<string, Attributes> };
    jaeger_query: Attributes;
    healthcheckv2: Attributes;
  };
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  processors: Record<string, Attributes>;
  exporters: { jaeger_storage_exporter: { trace_storage: string } };
  service: {
    extensions: string[];
    pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } };
    telemetry: Attributes;
  };
}

/** Spans per batch into storage: one Elasticsearch bulk request stays well under its 100 MiB cap. */
const BATCH = { send_batch_size: 1000, send_batch_max_size: 2000, timeout: "1s" } as const;

export function buildJaegerConfig(settings: JaegerSettings): JaegerConfigDocument {
  const at = (port: number) => `${settings.bindAddress}:${port}`;
  const processors: Record<string, Attributes> = {};
  if (settings.memoryLimiter) {
    processors[COMPONENT_IDS.memoryLimiter] = {
      check_interval: "1s",
      limit_mib: settings.memoryLimiter.limitMiB,
      spike_limit_mib: settings.memoryLimiter.spikeLimitMiB,
    };
  }
  processors[COMPONENT_IDS.batch] = { ...BATCH };

  const query: Attributes = {
    storage: { traces: TRACE_STORAGE },
    base_path: settings.basePath,
    // Jaeger would trace its own queries into its own storage: noise next to the order traces.
    enable_tracing: false,
    http: { endpoint: at(settings.ports.queryHttp) },
    grpc: { endpoint: at(settings.ports.queryGrpc) },
  };
  if (settings.uiConfigFile) query.ui = { config_file: settings.uiConfigFile };

  const metrics: Attributes =
    settings.metricsPort === undefined
      ? { level: "none" }
      : {
          level: "normal",
          readers: [{ pull: { exporter: { prometheus: { host: settings.bindAddress, port: settings.metricsPort } } } }],
        };

  return {
    extensions: {
      jaeger_storage: { backends: { [TRACE_STORAGE]: storageBackend(settings.storage) } },
      jaeger_query: query,
      healthcheckv2: {
        use_v2: true,
        http: { endpoint: at(settings.ports.health), status: { enabled: true, path: "/status" } },
        grpc: { endpoint: at(settings.ports.healthGrpc) },
      },
    },
    receivers: {
      otlp: {
        protocols: { grpc: { endpoint: at(settings.ports.otlpGrpc) }, http: { endpoint: at(settings.ports.otlpHttp) } },
      },
    },
    processors,
    exporters: { jaeger_storage_exporter: { trace_storage: TRACE_STORAGE } },
    service: {
      extensions: [COMPONENT_IDS.storage, COMPONENT_IDS.query, COMPONENT_IDS.health],
      pipelines: {
        traces: {
          receivers: [COMPONENT_IDS.otlp],
          // The memory limiter goes first, so refused data is refused before it is buffered.
          processors: Object.keys(processors),
          exporters: [COMPONENT_IDS.exporter],
        },
      },
      telemetry: {
        resource: { "service.name": "jaeger" },
        logs: { level: settings.logLevel ?? "info" },
        metrics,
      },
    },
  };
}

function storageBackend(storage: JaegerStorageSettings): Attributes {
  switch (storage.kind) {
    case "memory":
      return { memory: { max_traces: storage.maxTraces } };
    case "badger":
      return {
        badger: {
          directories: { keys: `${storage.directory}/keys`, values: `${storage.directory}/values` },
          ephemeral: false,
          ttl: { spans: `${storage.retentionHours}h` },
        },
      };
    case "elasticsearch":
    case "opensearch":
      return { [storage.kind]: searchBackend(storage) };
  }
}

function searchBackend(storage: SearchStorageSettings): Attributes {
  const daily = {
    date_layout: DAILY_INDEX_DATE_LAYOUT,
    rollover_frequency: "day",
    shards: SHARDS_PER_DAILY_INDEX,
    replicas: storage.replicas,
  };
  const backend: Attributes = {
    server_urls: storage.serverUrls,
    indices: {
      index_prefix: storage.indexPrefix,
      spans: daily,
      services: daily,
      dependencies: daily,
      sampling: daily,
    },
    // Jaeger installs its index templates (mappings, shards, replicas) at start.
    create_mappings: true,
    max_span_age: `${storage.retentionDays * 24}h`,
  };
  if (storage.version !== undefined) backend.version = storage.version;
  if (storage.basicAuth) {
    backend.auth = { basic: { username: storage.basicAuth.username, password_file: storage.basicAuth.passwordFile } };
  }
  if (storage.caFile) backend.tls = { ca_file: storage.caFile };
  return backend;
}

/** The config file's text: the document serialized once. */
export function renderJaegerConfig(document: JaegerConfigDocument): string {
  return yaml.dump(document, { lineWidth: -1, noRefs: true, sortKeys: false });
}

/**
 * The UI's own config (query's `ui.config_file`): no dependency graph and no monitor tab, since no
 * Spark dependencies job and no span metrics run here, and no archive storage is configured.
 */
export function buildJaegerUiConfig(): Record<string, unknown> {
  return {
    dependencies: { menuEnabled: false },
    monitor: { menuEnabled: false },
    archiveEnabled: false,
  };
}
