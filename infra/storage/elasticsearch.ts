/**
 * The in-cluster Elasticsearch's settings as plain data: node settings (discovery, disk
 * watermarks), the JVM heap, and what the StatefulSet needs to know about them. No Pulumi here.
 */
import type { DiskWatermarks } from "../config/storage";

const MIB = 2 ** 20;

/**
 * Largest heap that keeps the JVM's compressed object pointers (just under 32 GiB); more memory
 * than twice this serves Lucene through the page cache, not the heap.
 */
export const MAX_HEAP_MIB = 31 * 1024;

/** Where the official image reads its settings and keeps its data. */
export const ELASTICSEARCH_PATHS = {
  config: "/usr/share/elasticsearch/config/elasticsearch.yml",
  data: "/usr/share/elasticsearch/data",
} as const;

/** The official image's user; its files belong to this uid and gid 0 (fsGroup makes the PVC writable). */
export const ELASTICSEARCH_UID = 1000;

/** Elasticsearch's bootstrap check wants at least this many memory-map areas for mmapfs. */
export const MIN_MAX_MAP_COUNT = 262144;

/**
 * The JVM heap for a container memory limit: half of it (the other half is Lucene's page cache and
 * the JVM's off-heap memory), never above MAX_HEAP_MIB.
 */
export function elasticsearchHeapMiB(memoryLimitBytes: number): number {
  return Math.min(Math.floor(memoryLimitBytes / MIB / 2), MAX_HEAP_MIB);
}

/** ES_JAVA_OPTS for a heap: fixed size (Xms = Xmx), so it never resizes under load. */
export function heapJavaOpts(heapMiB: number): string {
  return `-Xms${heapMiB}m -Xmx${heapMiB}m`;
}

export interface ElasticsearchNodeSettings {
  clusterName: string;
  nodes: number;
  /** StatefulSet name: pods are `<statefulSet>-0..n-1`, the initial master candidates. */
  statefulSet: string;
  /** The headless Service whose DNS name resolves to every node (discovery). */
  discoveryHost: string;
  watermarks: DiskWatermarks;
  /** false where vm.max_map_count cannot be raised: Lucene then reads files without mmap. */
  allowMmap: boolean;
}

/** elasticsearch.yml of every node. */
export function buildElasticsearchSettings(settings: ElasticsearchNodeSettings): Record<string, unknown> {
  const discovery: Record<string, unknown> =
    settings.nodes === 1
      ? // One node elects itself and never looks for others (and skips the production bootstrap checks).
        { "discovery.type": "single-node" }
      : {
          "discovery.seed_hosts": [settings.discoveryHost],
          // Only for the very first start; afterwards the cluster state remembers its masters.
          "cluster.initial_master_nodes": Array.from(
            { length: settings.nodes },
            (_, i) => `${settings.statefulSet}-${i}`,
          ),
        };
  return {
    "cluster.name": settings.clusterName,
    "node.name": "${HOSTNAME}",
    "network.host": "0.0.0.0",
    ...discovery,
    "cluster.routing.allocation.disk.threshold_enabled": true,
    "cluster.routing.allocation.disk.watermark.low": `${settings.watermarks.low}%`,
    "cluster.routing.allocation.disk.watermark.high": `${settings.watermarks.high}%`,
    "cluster.routing.allocation.disk.watermark.flood_stage": `${settings.watermarks.floodStage}%`,
    // Jaeger and the index cleaner reach it over the pod network only, fenced by NetworkPolicies
    // (docs/operations.md "Storage"); use storage.kind external or opensearch-aws for authenticated TLS.
    "xpack.security.enabled": false,
    "xpack.ml.enabled": false,
    "xpack.watcher.enabled": false,
    // The cleaner deletes indices by their full names; no one may delete `*`.
    "action.destructive_requires_name": true,
    "node.store.allow_mmap": settings.allowMmap,
  };
}

/**
 * Disk a storage node needs for the retention period (docs/operations.md "Retention and disk"): the daily
 * volume × (retention + 1, since today's index is still open) × (1 + replicas) spread over the
 * nodes, grown so it stays under the low watermark.
 */
export function diskNeededPerNodeBytes(input: {
  ordersPerDay: number;
  bytesPerOrderTrace: number;
  retentionDays: number;
  replicas: number;
  nodes: number;
  lowWatermarkPercent: number;
}): number {
  const daily = input.ordersPerDay * input.bytesPerOrderTrace;
  const stored = daily * (input.retentionDays + 1) * (1 + input.replicas);
  return stored / input.nodes / (input.lowWatermarkPercent / 100);
}
