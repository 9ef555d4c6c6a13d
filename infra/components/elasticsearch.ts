import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { createHash } from "node:crypto";
import { parseQuantity } from "../config/validators";
import type { ElasticsearchStorage } from "../config/storage";
import { commonLabels } from "../labels";
import {
  buildElasticsearchSettings,
  ELASTICSEARCH_PATHS,
  ELASTICSEARCH_UID,
  elasticsearchHeapMiB,
  heapJavaOpts,
  MIN_MAX_MAP_COUNT,
} from "../storage/elasticsearch";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../topology";

export interface ElasticsearchClusterArgs {
  namespace: string;
  backend: ElasticsearchStorage;
  /** The PVC of each node. */
  diskSize: string;
}

const COMPONENT = "storage";

/** The Elasticsearch major version of the image: Jaeger uses it instead of probing the server. */
export function elasticsearchMajorVersion(image: string): number | undefined {
  const match = /:(\d+)\.\d+/.exec(image.split("/").pop() ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * The in-cluster Elasticsearch: a StatefulSet of `nodes` master-eligible data nodes, each with a
 * PVC of `diskSize`, the JVM heap at half the memory limit, and disk watermarks that stop writes
 * before a disk fills. One node runs single-node discovery (dev); three or more discover each other
 * through a headless Service (prod).
 */
export class ElasticsearchCluster extends pulumi.ComponentResource {
  /** The HTTP URL Jaeger and the index cleaner use. */
  readonly url: string;

  constructor(name: string, args: ElasticsearchClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:storage:ElasticsearchCluster", name, {}, opts);
    const { namespace, backend } = args;
    const child = { parent: this };
    const pods = selectorLabels(PARTS.elasticsearch);
    const labels = { ...commonLabels(COMPONENT), ...pods };
    const discoveryService = `${PARTS.elasticsearch}-nodes`;
    const metadata = (objectName: string) => ({ name: objectName, namespace, labels });

    const settingsText = yaml.dump(
      buildElasticsearchSettings({
        clusterName: "order-tracing",
        nodes: backend.nodes,
        statefulSet: PARTS.elasticsearch,
        discoveryHost: `${discoveryService}.${namespace}.svc.cluster.local`,
        watermarks: backend.watermarks,
        allowMmap: backend.sysctlInitContainer,
      }),
      { lineWidth: -1 },
    );
    const configMap = new k8s.core.v1.ConfigMap(
      name,
      { metadata: metadata(PARTS.elasticsearch), data: { "elasticsearch.yml": settingsText } },
      child,
    );

    // Stable DNS per node for discovery; lists nodes before they are ready, so a new cluster can form.
    const headless = new k8s.core.v1.Service(
      `${name}-nodes`,
      {
        metadata: metadata(discoveryService),
        spec: {
          clusterIP: "None",
          publishNotReadyAddresses: true,
          selector: pods,
          ports: [
            { name: "http", port: PORTS.elasticsearchHttp, targetPort: "http" },
            { name: "transport", port: PORTS.elasticsearchTransport, targetPort: "transport" },
          ],
        },
      },
      child,
    );
    new k8s.core.v1.Service(
      name,
      {
        metadata: metadata(PARTS.elasticsearch),
        spec: {
          type: "ClusterIP",
          selector: pods,
          ports: [{ name: "http", port: PORTS.elasticsearchHttp, targetPort: "http" }],
        },
      },
      child,
    );

    const heapMiB = elasticsearchHeapMiB(parseQuantity(backend.memory) ?? 0);
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

    new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: metadata(PARTS.elasticsearch),
        spec: {
          serviceName: headless.metadata.name,
          replicas: backend.nodes,
          // All nodes start together: a new cluster needs its initial masters up at the same time.
          podManagementPolicy: "Parallel",
          selector: { matchLabels: pods },
          template: {
            metadata: {
              labels,
              annotations: { "checksum/config": createHash("sha256").update(settingsText).digest("hex") },
            },
            spec: {
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: 120,
              securityContext: {
                runAsUser: ELASTICSEARCH_UID,
                runAsGroup: ELASTICSEARCH_UID,
                fsGroup: ELASTICSEARCH_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              affinity:
                backend.nodes > 1
                  ? {
                      podAntiAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [
                          {
                            weight: 100,
                            podAffinityTerm: {
                              topologyKey: "kubernetes.io/hostname",
                              labelSelector: { matchLabels: pods },
                            },
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
                  readinessProbe: {
                    httpGet: { path: "/_cluster/health?local=true", port: "http" },
                    periodSeconds: 10,
                  },
                  livenessProbe: { tcpSocket: { port: "transport" }, periodSeconds: 20, failureThreshold: 6 },
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "data", mountPath: ELASTICSEARCH_PATHS.data },
                    {
                      name: "config",
                      mountPath: ELASTICSEARCH_PATHS.config,
                      subPath: "elasticsearch.yml",
                      readOnly: true,
                    },
                  ],
                },
              ],
              volumes: [{ name: "config", configMap: { name: configMap.metadata.name } }],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: backend.storageClassName,
                resources: { requests: { storage: args.diskSize } },
              },
            },
          ],
        },
      },
      child,
    );

    if (backend.nodes > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata: metadata(PARTS.elasticsearch), spec: { maxUnavailable: 1, selector: { matchLabels: pods } } },
        child,
      );
    }

    this.url = `http://${serviceHost(PARTS.elasticsearch, namespace)}:${PORTS.elasticsearchHttp}`;
    this.registerOutputs({ url: this.url });
  }
}
