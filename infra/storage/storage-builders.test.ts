import { describe, expect, it } from "vitest";
import {
  buildElasticsearchSettings,
  diskNeededPerNodeBytes,
  ELASTICSEARCH_UID,
  elasticsearchHeapMiB,
  heapJavaOpts,
  MAX_HEAP_MIB,
} from "./elasticsearch";
import { parseStackConfig } from "../config";
import type { ElasticsearchStorage } from "../config/storage";
import { JAEGER_FILES } from "../jaeger/settings";
import { JAEGER_UID } from "../pod-security";
import { buildElasticsearchStatefulSetSpec } from "./elasticsearch-statefulset";
import { buildIndexCleanerCronJobSpec, indexCleanerArgs, indexCleanerEnv, indexCleanerImage } from "./index-cleaner";

/** The specs' input types allow promises and outputs; the builders return plain values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const GIB = 2 ** 30;
const WATERMARKS = { low: 80, high: 85, floodStage: 90 };

describe("Elasticsearch heap", () => {
  it("is half of the memory limit, fixed in size, and never past compressed pointers", () => {
    expect(elasticsearchHeapMiB(2 * GIB)).toBe(1024);
    expect(elasticsearchHeapMiB(3 * GIB)).toBe(1536);
    expect(elasticsearchHeapMiB(128 * GIB)).toBe(MAX_HEAP_MIB);
    expect(heapJavaOpts(1024)).toBe("-Xms1024m -Xmx1024m");
  });
});

describe("buildElasticsearchSettings", () => {
  const base = {
    clusterName: "order-tracing",
    statefulSet: "elasticsearch",
    discoveryHost: "elasticsearch-nodes.tracing.svc.cluster.local",
    watermarks: WATERMARKS,
    allowMmap: true,
  };

  it("runs one node with single-node discovery", () => {
    const settings = buildElasticsearchSettings({ ...base, nodes: 1 });
    expect(settings["discovery.type"]).toBe("single-node");
    expect(settings).not.toHaveProperty("cluster.initial_master_nodes");
  });

  it("lets three nodes find each other through the headless Service and bootstrap from all three", () => {
    const settings = buildElasticsearchSettings({ ...base, nodes: 3 });
    expect(settings).not.toHaveProperty("discovery.type");
    expect(settings["discovery.seed_hosts"]).toEqual(["elasticsearch-nodes.tracing.svc.cluster.local"]);
    expect(settings["cluster.initial_master_nodes"]).toEqual(["elasticsearch-0", "elasticsearch-1", "elasticsearch-2"]);
  });

  it("sets the disk watermarks so writes stop before the disk is full", () => {
    expect(buildElasticsearchSettings({ ...base, nodes: 1 })).toMatchObject({
      "cluster.routing.allocation.disk.threshold_enabled": true,
      "cluster.routing.allocation.disk.watermark.low": "80%",
      "cluster.routing.allocation.disk.watermark.high": "85%",
      "cluster.routing.allocation.disk.watermark.flood_stage": "90%",
    });
  });

  it("turns mmap off when vm.max_map_count is not raised", () => {
    expect(buildElasticsearchSettings({ ...base, nodes: 1, allowMmap: false })["node.store.allow_mmap"]).toBe(false);
  });
});

describe("diskNeededPerNodeBytes", () => {
  it("is daily volume × (retention + 1) × (1 + replicas) over the nodes, below the low watermark", () => {
    // docs/operations.md's worked example: 2,000 orders a day, 50 KiB per order trace (an assumption).
    const bytes = diskNeededPerNodeBytes({
      ordersPerDay: 2000,
      bytesPerOrderTrace: 50 * 1024,
      retentionDays: 14,
      replicas: 1,
      nodes: 3,
      lowWatermarkPercent: 80,
    });
    expect(bytes).toBeCloseTo((2000 * 50 * 1024 * 15 * 2) / 3 / 0.8, 0);
    expect(bytes / GIB).toBeCloseTo(1.2, 1);
  });
});

describe("index cleaner", () => {
  it("passes the retention, the URL and Jaeger's index prefix", () => {
    expect(
      indexCleanerArgs({ retentionDays: 7, url: "http://elasticsearch:9200", indexPrefix: "order-tracing" }),
    ).toEqual(["7", "http://elasticsearch:9200", "--index-prefix=order-tracing"]);
  });

  it("turns TLS on for https, with a private CA when given", () => {
    expect(
      indexCleanerArgs({
        retentionDays: 30,
        url: "https://es.internal:9200",
        indexPrefix: "p",
        caFile: "/etc/ca/ca.crt",
      }),
    ).toEqual([
      "30",
      "https://es.internal:9200",
      "--index-prefix=p",
      "--es.tls.enabled=true",
      "--es.tls.ca=/etc/ca/ca.crt",
    ]);
  });

  it("takes the password from a Secret through the environment, never from the command line", () => {
    expect(indexCleanerEnv({})).toEqual([]);
    expect(
      indexCleanerEnv({
        basicAuth: { username: "jaeger", passwordSecret: { name: "trace-storage-credentials", key: "password" } },
      }),
    ).toEqual([
      { name: "ES_USERNAME", value: "jaeger" },
      { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "trace-storage-credentials", key: "password" } } },
    ]);
  });
});

describe("buildIndexCleanerCronJobSpec", () => {
  const build = (caSecretName?: string) =>
    buildIndexCleanerCronJobSpec({
      schedule: "@daily",
      labels: { app: "cleaner" },
      args: ["7", "http://es:9200", "--index-prefix=ot"],
      env: [],
      caSecretName,
    }) as Loose;

  it("runs the pinned cleaner once at a time, in UTC, as Jaeger's non-root user", () => {
    const spec = build();
    expect(spec).toMatchObject({ schedule: "@daily", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid" });
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: JAEGER_UID, runAsGroup: JAEGER_UID });
    expect(pod.containers[0].image).toBe(indexCleanerImage());
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    expect(pod.volumes).toEqual([]);
  });

  it("mounts the storage's CA bundle when it has one", () => {
    const pod = build("storage-ca").jobTemplate.spec.template.spec;
    expect(pod.volumes[0].secret.secretName).toBe("storage-ca");
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: "storage-ca", mountPath: JAEGER_FILES.caDir, readOnly: true },
    ]);
  });
});

describe("buildElasticsearchStatefulSetSpec", () => {
  // The dev stack's in-cluster Elasticsearch, with the node count and sizes each test sets.
  const backend = parseStackConfig("dev", {}).storage.backend as ElasticsearchStorage;
  const build = (overrides: Partial<ElasticsearchStorage> = {}) =>
    buildElasticsearchStatefulSetSpec({
      backend: { ...backend, ...overrides },
      diskSize: "100Gi",
      pods: { app: "es" },
      labels: { app: "es" },
      settingsText: "cluster.name: t\n",
      configMapName: "es",
      serviceName: "es-nodes",
    }) as Loose;

  it("gives each node a disk, a fixed heap at half the memory, Guaranteed QoS and hosts of their own", () => {
    const spec = build({ nodes: 3, memory: "4Gi", memoryBytes: 4 * 2 ** 30, cpu: "2", sysctlInitContainer: false });
    expect(spec.replicas).toBe(3);
    expect(spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("100Gi");
    const pod = spec.template.spec;
    const [container] = pod.containers;
    expect(container.env).toEqual([{ name: "ES_JAVA_OPTS", value: heapJavaOpts(2048) }]);
    expect(container.resources.requests).toEqual(container.resources.limits);
    expect(pod.affinity.podAntiAffinity).toBeDefined();
    expect(pod.initContainers).toEqual([]);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: ELASTICSEARCH_UID,
      fsGroup: ELASTICSEARCH_UID,
    });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("raises vm.max_map_count in a privileged init container only when asked, and one node needs no spreading", () => {
    const pod = build({ sysctlInitContainer: true, nodes: 1 }).template.spec;
    expect(pod.initContainers[0]).toMatchObject({
      securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false },
    });
    expect(pod.affinity).toBeUndefined();
  });
});
