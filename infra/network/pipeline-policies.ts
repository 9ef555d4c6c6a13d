/**
 * The tracing namespace's NetworkPolicies as plain specs: everything is denied (ingress and egress,
 * DNS excepted), then each flow of the pipeline is opened on its port only:
 *
 *   instrumented namespaces ──OTLP 4317/4318──> collector ──OTLP 4317──> Jaeger ──9200──> storage
 *   collector (router tier) ──4317──> collector (sampler tier)     collector ──> Kubernetes API
 *   index cleaner ──9200──> storage                                 Elasticsearch ⇄ Elasticsearch 9300
 *
 * Jaeger query (16686) is opened by the components that reach it (the access proxy, the report
 * job), each for its own pods, so with neither deployed the UI is reachable only by port-forward.
 */
import type * as k8s from "@pulumi/kubernetes";
import { INSTRUMENTED_NAMESPACE_LABEL, PARTS, PORTS, selectorLabels } from "../topology";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Cluster DNS as EKS, kubeadm and GKE run it: CoreDNS pods labelled k8s-app=kube-dns in kube-system. */
export const CLUSTER_DNS_PEER: NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** Where Jaeger and the index cleaner find the trace storage. */
export type StorageReach =
  /** The in-cluster Elasticsearch pods. */
  | { kind: "pods" }
  /** A server outside the cluster (AWS OpenSearch in the VPC, an external URL): address ranges and port. */
  | { kind: "cidrs"; cidrs: string[]; port: number };

export interface PipelinePolicyInput {
  storage: StorageReach;
  /** Where the Kubernetes API server answers the collector's k8s_attributes watch. */
  apiServer: { cidrs: string[]; ports: number[] };
}

export interface NamedPolicy {
  /** Object name, also the Pulumi resource name's suffix. */
  name: string;
  spec: NetworkPolicySpec;
}

const pods = (part: (typeof PARTS)[keyof typeof PARTS]): NetworkPolicyPeer => ({
  podSelector: { matchLabels: selectorLabels(part) },
});
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const COLLECTOR_TIERS = [PARTS.collector, PARTS.collectorSampler] as const;

/** Every pod of the namespace: no ingress, and egress only to cluster DNS. */
export function buildDefaultDenyPolicy(): NetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    egress: [{ to: [CLUSTER_DNS_PEER], ports: [...tcp(PORTS.dns), { protocol: "UDP", port: PORTS.dns }] }],
  };
}

/** The flows of the trace pipeline, one policy per receiving or sending part. */
export function buildPipelinePolicies(input: PipelinePolicyInput): NamedPolicy[] {
  const storagePeers: { to: NetworkPolicyPeer[]; ports: ReturnType<typeof tcp> } =
    input.storage.kind === "pods"
      ? { to: [pods(PARTS.elasticsearch)], ports: tcp(PORTS.elasticsearchHttp) }
      : { to: input.storage.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(input.storage.port) };

  const policies: NamedPolicy[] = COLLECTOR_TIERS.map((tier) => ({
    name: `${tier}-otlp`,
    spec: {
      podSelector: { matchLabels: selectorLabels(tier) },
      policyTypes: ["Ingress"],
      ingress: [
        // The apps of every instrumented namespace (label set by the injection).
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { [INSTRUMENTED_NAMESPACE_LABEL.key]: INSTRUMENTED_NAMESPACE_LABEL.value },
              },
            },
          ],
          ports: tcp(PORTS.otlpGrpc, PORTS.otlpHttp),
        },
        // The router tier hands whole traces to the sampler tier (two-tier layout).
        { from: [pods(PARTS.collector)], ports: tcp(PORTS.otlpGrpc) },
      ],
    },
  }));

  policies.push(
    {
      name: `${PARTS.collector}-egress`,
      spec: {
        podSelector: {
          matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: [...COLLECTOR_TIERS] }],
        },
        policyTypes: ["Egress"],
        egress: [
          { to: [pods(PARTS.jaeger), pods(PARTS.collectorSampler)], ports: tcp(PORTS.otlpGrpc) },
          // k8s_attributes watches pods; the API server is not a pod, so it is named by address.
          { to: input.apiServer.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(...input.apiServer.ports) },
        ],
      },
    },
    {
      name: `${PARTS.jaeger}-otlp`,
      spec: {
        podSelector: { matchLabels: selectorLabels(PARTS.jaeger) },
        policyTypes: ["Ingress"],
        ingress: [{ from: COLLECTOR_TIERS.map(pods), ports: tcp(PORTS.otlpGrpc) }],
      },
    },
    {
      name: `${PARTS.jaeger}-storage`,
      spec: {
        podSelector: { matchLabels: selectorLabels(PARTS.jaeger) },
        policyTypes: ["Egress"],
        egress: [storagePeers],
      },
    },
    {
      name: `${PARTS.indexCleaner}-storage`,
      spec: {
        podSelector: { matchLabels: selectorLabels(PARTS.indexCleaner) },
        policyTypes: ["Egress"],
        egress: [storagePeers],
      },
    },
  );

  if (input.storage.kind === "pods") {
    policies.push({
      name: PARTS.elasticsearch,
      spec: {
        podSelector: { matchLabels: selectorLabels(PARTS.elasticsearch) },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [pods(PARTS.jaeger), pods(PARTS.indexCleaner)], ports: tcp(PORTS.elasticsearchHttp) },
          // Node-to-node: cluster state, shard replication, discovery.
          { from: [pods(PARTS.elasticsearch)], ports: tcp(PORTS.elasticsearchTransport) },
        ],
        egress: [{ to: [pods(PARTS.elasticsearch)], ports: tcp(PORTS.elasticsearchTransport) }],
      },
    });
  }
  return policies;
}
