import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import type { ElasticsearchStorage } from "../config/storage";
import { commonLabels } from "../labels";
import { buildElasticsearchSettings } from "../storage/elasticsearch";
import { buildElasticsearchStatefulSetSpec } from "../storage/elasticsearch-statefulset";
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

    new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: metadata(PARTS.elasticsearch),
        spec: buildElasticsearchStatefulSetSpec({
          backend,
          diskSize: args.diskSize,
          pods,
          labels,
          settingsText,
          configMapName: configMap.metadata.name,
          serviceName: headless.metadata.name,
        }),
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
