import type * as k8s from "@pulumi/kubernetes";
import type { ProxyClients } from "../../config/access";
import { PORTS } from "../../topology";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface AccessPolicyParts {
  /** Labels of the oauth2-proxy pods. */
  proxyPods: Record<string, string>;
  /** Labels of the Jaeger pods that serve query. */
  jaegerQueryPods: Record<string, string>;
  /** Who may open connections to the proxy: the ingress controller's pods or the ALB's subnets. */
  proxyClients: ProxyClients;
  /** Where the identity provider is, and its port (from the issuer URL). */
  identityProvider: { cidrs: string[]; port: number };
  /** The pods of `order-tracing report --serve`, when the proxy serves its page. */
  stuckOrdersPagePods?: Record<string, string>;
}

/**
 * The proxy's own policy: only the ingress controller may connect to it, and it may connect only to
 * Jaeger query and the identity provider (cluster DNS is open to every pod of the namespace by its
 * default-deny policy, infra/network/pipeline-policies.ts).
 */
export function buildProxyNetworkPolicy(parts: AccessPolicyParts): NetworkPolicySpec {
  const from: NetworkPolicyPeer[] =
    parts.proxyClients.kind === "pods"
      ? [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": parts.proxyClients.namespace } },
            podSelector: { matchLabels: parts.proxyClients.podLabels },
          },
        ]
      : parts.proxyClients.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return {
    podSelector: { matchLabels: parts.proxyPods },
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from, ports: [{ protocol: "TCP", port: PORTS.oauth2Proxy }] }],
    egress: [
      {
        to: [{ podSelector: { matchLabels: parts.jaegerQueryPods } }],
        ports: [{ protocol: "TCP", port: PORTS.jaegerQueryHttp }],
      },
      {
        to: parts.identityProvider.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
        ports: [{ protocol: "TCP", port: parts.identityProvider.port }],
      },
      ...(parts.stuckOrdersPagePods
        ? [
            {
              to: [{ podSelector: { matchLabels: parts.stuckOrdersPagePods } }],
              ports: [{ protocol: "TCP", port: PORTS.orderReportHttp }],
            },
          ]
        : []),
    ],
  };
}

/**
 * Jaeger query's UI/API port admits the proxy and nothing else. Selecting the Jaeger pods isolates
 * them for ingress, so this holds even before the namespace's default-deny policy exists; other
 * policies (the collector's OTLP into Jaeger) add their own ports.
 */
export function buildJaegerQueryNetworkPolicy(parts: AccessPolicyParts): NetworkPolicySpec {
  return {
    podSelector: { matchLabels: parts.jaegerQueryPods },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ podSelector: { matchLabels: parts.proxyPods } }],
        ports: [{ protocol: "TCP", port: PORTS.jaegerQueryHttp }],
      },
    ],
  };
}
