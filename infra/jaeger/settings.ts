/**
 * Jaeger's settings for the two places it runs: a pod of the cluster (storage from the stack
 * config), and a developer machine or test (loopback, memory or Badger). Plain data only.
 */
import { memoryLimiterFor } from "../collector/config";
import { PORTS } from "../topology";
import type { JaegerPorts, JaegerSettings, JaegerStorageSettings } from "./config";

/** Files in the Jaeger pod: config and UI config from the ConfigMap, storage credentials from Secrets. */
export const JAEGER_FILES = {
  configDir: "/etc/jaeger",
  config: "/etc/jaeger/config.yaml",
  uiConfig: "/etc/jaeger/ui.json",
  passwordDir: "/etc/jaeger/storage-auth",
  password: "/etc/jaeger/storage-auth/password",
  caDir: "/etc/jaeger/storage-ca",
  ca: "/etc/jaeger/storage-ca/ca.crt",
} as const;

/** The keys of the storage credentials Secret, shared by Jaeger and the index cleaner. */
export const STORAGE_SECRET_KEYS = { password: "password" } as const;
/** The key of the CA certificate in a storage CA Secret (as cert-manager writes it). */
export const CA_SECRET_KEY = "ca.crt";

export const CLUSTER_JAEGER_PORTS: JaegerPorts = {
  otlpGrpc: PORTS.otlpGrpc,
  otlpHttp: PORTS.otlpHttp,
  queryHttp: PORTS.jaegerQueryHttp,
  queryGrpc: PORTS.jaegerQueryGrpc,
  health: PORTS.jaegerHealth,
  healthGrpc: PORTS.jaegerHealthGrpc,
};

/** How Jaeger reaches Elasticsearch/OpenSearch in the cluster. */
export interface StorageConnection {
  engine: "elasticsearch" | "opensearch";
  url: string;
  /** Known major version (in-cluster Elasticsearch); undefined: Jaeger asks the server. */
  version?: number;
  /** User name, and the Secret holding its password under STORAGE_SECRET_KEYS.password. */
  basicAuth?: { username: string; secretName: string };
  /** A Secret with CA_SECRET_KEY, for a server certificate from a private CA. */
  caSecretName?: string;
}

export interface ClusterJaegerInput {
  storage: StorageConnection;
  indexPrefix: string;
  replicas: number;
  retentionDays: number;
  basePath: string;
  memoryLimitBytes: number;
}

/** Jaeger in a pod: listens on every interface (NetworkPolicies decide who may connect). */
export function clusterJaegerSettings(input: ClusterJaegerInput): JaegerSettings {
  return {
    bindAddress: "0.0.0.0",
    ports: CLUSTER_JAEGER_PORTS,
    storage: {
      kind: input.storage.engine,
      serverUrls: [input.storage.url],
      indexPrefix: input.indexPrefix,
      replicas: input.replicas,
      retentionDays: input.retentionDays,
      version: input.storage.version,
      basicAuth: input.storage.basicAuth
        ? { username: input.storage.basicAuth.username, passwordFile: JAEGER_FILES.password }
        : undefined,
      caFile: input.storage.caSecretName ? JAEGER_FILES.ca : undefined,
    },
    basePath: input.basePath,
    uiConfigFile: JAEGER_FILES.uiConfig,
    memoryLimiter: memoryLimiterFor(input.memoryLimitBytes),
    metricsPort: PORTS.jaegerMetrics,
    logLevel: "info",
  };
}

/**
 * Jaeger on a developer machine or in a test: loopback only, on the caller's ports, with memory
 * storage or Badger in a directory (the local sandbox, issue 5).
 */
export function localJaegerSettings(
  ports: JaegerPorts,
  storage: Extract<JaegerStorageSettings, { kind: "memory" | "badger" }>,
  basePath = "/",
): JaegerSettings {
  return { bindAddress: "127.0.0.1", ports, storage, basePath, logLevel: "warn" };
}
