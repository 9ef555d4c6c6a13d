/**
 * From a stack's validated `collector` config to the builder's settings: the tiers a cluster runs,
 * and the same pipeline at a loopback location for the local sandbox and the tests.
 */
import type { CollectorConfig } from "../config/collector";
import { PARTS, PORTS, serviceHost, type Part } from "../topology";
import {
  memoryLimiterFor,
  queueSpansFor,
  type CollectorLocation,
  type CollectorSettings,
  type CollectorTier,
} from "./config";

/** Where the persistent sending queue lives in a pod (an emptyDir volume). */
export const QUEUE_DIRECTORY = "/var/lib/otelcol/queue";

/** One Deployment of the collector: its part name, size and pipeline. */
export interface CollectorTierPlan {
  part: Part;
  role: CollectorTier["kind"];
  replicas: number;
  settings: CollectorSettings;
}

/** The location of a collector pod in the cluster: every interface, Jaeger by its Service name. */
export function clusterLocation(namespace: string, persistentQueue: boolean): CollectorLocation {
  return {
    bindAddress: "0.0.0.0",
    ports: {
      otlpGrpc: PORTS.otlpGrpc,
      otlpHttp: PORTS.otlpHttp,
      health: PORTS.collectorHealth,
      metrics: PORTS.collectorMetrics,
    },
    exporterEndpoint: `${serviceHost(PARTS.jaeger, namespace)}:${PORTS.otlpGrpc}`,
    exporterInsecure: true,
    k8sAttributes: true,
    queueDirectory: persistentQueue ? QUEUE_DIRECTORY : undefined,
  };
}

/**
 * The collector Deployments of a stack: one gateway (layout `single`), or routers that apps send
 * to in front of samplers that only the routers reach (layout `two-tier`). Apps always send to the
 * `otel-collector` Service, whatever the layout.
 */
export function collectorTiers(config: CollectorConfig, namespace: string): CollectorTierPlan[] {
  const location = clusterLocation(namespace, config.queue.persistent);
  const base = pipelineSettings(config);
  if (config.layout === "single") {
    return [
      {
        part: PARTS.collector,
        role: "gateway",
        replicas: config.replicas,
        settings: { ...base, tier: { kind: "gateway" }, location },
      },
    ];
  }
  return [
    {
      part: PARTS.collector,
      role: "router",
      replicas: config.replicas,
      settings: {
        ...base,
        tier: {
          kind: "router",
          samplerHostname: serviceHost(PARTS.collectorSampler, namespace),
          samplerPort: PORTS.otlpGrpc,
        },
        // Routers hand over to samplers at once; only the samplers queue towards Jaeger.
        location: { ...location, queueDirectory: undefined },
      },
    },
    {
      part: PARTS.collectorSampler,
      role: "sampler",
      replicas: config.samplerReplicas,
      settings: { ...base, tier: { kind: "sampler" }, location },
    },
  ];
}

/** Where a local collector listens and sends: loopback ports chosen by the caller. */
export interface LocalLocation {
  ports: CollectorLocation["ports"];
  /** `127.0.0.1:<port>` of the local Jaeger's OTLP gRPC receiver (or a test's receiver). */
  exporterEndpoint: string;
  queueDirectory?: string;
}

/**
 * The stack's pipeline as one local collector: the same processors, limits and sampling, bound to
 * loopback, without the Kubernetes lookup (there is no API server), exporting in plain text.
 */
export function localCollectorSettings(config: CollectorConfig, local: LocalLocation): CollectorSettings {
  return {
    ...pipelineSettings(config, local.queueDirectory !== undefined),
    tier: { kind: "gateway" },
    location: {
      bindAddress: "127.0.0.1",
      ports: local.ports,
      exporterEndpoint: local.exporterEndpoint,
      exporterInsecure: true,
      k8sAttributes: false,
      queueDirectory: local.queueDirectory,
    },
  };
}

/** The settings that do not depend on where the collector runs. */
function pipelineSettings(
  config: CollectorConfig,
  persistentQueue = config.queue.persistent,
): Pick<CollectorSettings, "memoryLimiter" | "sampling" | "queueSpans"> {
  const memoryLimiter = memoryLimiterFor(config.memoryLimitBytes);
  const queueDisk = persistentQueue ? config.queue.diskBytes : undefined;
  return { memoryLimiter, sampling: { ...config.sampling }, queueSpans: queueSpansFor(memoryLimiter, queueDisk) };
}
