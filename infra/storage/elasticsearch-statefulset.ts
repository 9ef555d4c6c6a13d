/**
 * The in-cluster Elasticsearch StatefulSet's spec as plain data (the ElasticsearchCluster component
 * creates it; unit tests read it). The headless Service's and ConfigMap's names come in as Pulumi
 * inputs and are placed as they are.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PodLabels } from "../labels";
import { createHash } from "node:crypto";
import type { ElasticsearchStorage } from "../config/storage";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security";
import { PORTS } from "../topology";
import {
  ELASTICSEARCH_PATHS,
  ELASTICSEARCH_UID,
  elasticsearchHeapMiB,
  heapJavaOpts,
  MIN_MAX_MAP_COUNT,
} from "./elasticsearch";

export interface ElasticsearchStatefulSetParams extends PodLabels {
  backend: ElasticsearchStorage;
  /** The PVC of each node. */
  diskSize: string;
  /** elasticsearch.yml as mounted (its checksum rolls the pods when it changes). */
  settingsText: string;
  configMapName: pulumi.Input<string>;
  /** The headless Service that gives each node its DNS name. */
  serviceName: pulumi.Input<string>;
}

/**
 * `nodes` master-eligible data nodes, each with a PVC of `diskSize`, the JVM heap at half the memory
 * limit (Guaranteed QoS), spread over hosts when there are several, started together.
 */
export function buildElasticsearchStatefulSetSpec(
  params: ElasticsearchStatefulSetParams,
): k8s.types.input.apps.v1.StatefulSetSpec {
  const { backend, pods, labels } = params;
  const heapMiB = elasticsearchHeapMiB(backend.memoryBytes);
  const initContainers: k8s.types.input.core.v1.Container[] = backend.sysctlInitContainer
    ? [
        {
          // vm.max_map_count is a node-wide kernel setting that Elasticsearch's mmap store needs at
          // 262144 or more; only a privileged container can raise it (docs/operations.md "Storage").
          name: "raise-max-map-count",
          image: backend.image,
          command: [
            "sh",
            "-c",
            `[ "$(sysctl -n vm.max_map_count)" -ge ${MIN_MAX_MAP_COUNT} ] || sysctl -w vm.max_map_count=${MIN_MAX_MAP_COUNT}`,
          ],
          securityContext: { privileged: true, runAsUser: 0, runAsNonRoot: false },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        },
      ]
    : [];
  return {
    serviceName: params.serviceName,
    replicas: backend.nodes,
    // All nodes start together: a new cluster needs its initial masters up at the same time.
    podManagementPolicy: "Parallel",
    selector: { matchLabels: pods },
    template: {
      metadata: {
        labels,
        annotations: { "checksum/config": createHash("sha256").update(params.settingsText).digest("hex") },
      },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 120,
        // fsGroup: the data volume belongs to Elasticsearch's group. The init container above
        // overrides the user: it alone runs as root.
        securityContext: restrictedPodSecurity(ELASTICSEARCH_UID, { fsGroup: true }),
        affinity:
          backend.nodes > 1
            ? {
                podAntiAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: pods } },
                    },
                  ],
                },
              }
            : undefined,
        initContainers,
        containers: [
          {
            name: "elasticsearch",
            image: backend.image,
            env: [{ name: "ES_JAVA_OPTS", value: heapJavaOpts(heapMiB) }],
            ports: [
              { name: "http", containerPort: PORTS.elasticsearchHttp, protocol: "TCP" },
              { name: "transport", containerPort: PORTS.elasticsearchTransport, protocol: "TCP" },
            ],
            // Guaranteed QoS: the heap is fixed, so memory requests equal limits.
            resources: {
              requests: { cpu: backend.cpu, memory: backend.memory },
              limits: { cpu: backend.cpu, memory: backend.memory },
            },
            startupProbe: { tcpSocket: { port: "http" }, periodSeconds: 10, failureThreshold: 30 },
            readinessProbe: { httpGet: { path: "/_cluster/health?local=true", port: "http" }, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port: "transport" }, periodSeconds: 20, failureThreshold: 6 },
            // Elasticsearch writes into its image's folders (logs, tmp): a writable root.
            securityContext: restrictedContainerSecurity({ writableRoot: true }),
            volumeMounts: [
              { name: "data", mountPath: ELASTICSEARCH_PATHS.data },
              { name: "config", mountPath: ELASTICSEARCH_PATHS.config, subPath: "elasticsearch.yml", readOnly: true },
            ],
          },
        ],
        volumes: [{ name: "config", configMap: { name: params.configMapName } }],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: backend.storageClassName,
          resources: { requests: { storage: params.diskSize } },
        },
      },
    ],
  };
}
