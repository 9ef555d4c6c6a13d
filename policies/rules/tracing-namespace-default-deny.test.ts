import { describe, expect, it } from "vitest";
import { stackViolationsOf } from "../testing/run-policy";
import { namespace, networkPolicy, service } from "../testing/resources";
import { tracingNamespaceDefaultDeny as rule } from "./tracing-namespace-default-deny";

/** infra/network/pipeline-policies.ts buildDefaultDenyPolicy. */
const DEFAULT_DENY = {
  podSelector: {},
  policyTypes: ["Ingress", "Egress"],
  egress: [
    {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
      ports: [
        { protocol: "TCP", port: 53 },
        { protocol: "UDP", port: 53 },
      ],
    },
  ],
};

const stack = (spec?: Record<string, unknown>) => [
  namespace(),
  service("jaeger", { type: "ClusterIP" }),
  ...(spec ? [networkPolicy("default-deny", spec)] : []),
];

describe("tracing-namespace-default-deny", () => {
  it("passes the namespace's default-deny policy (no ingress, egress to cluster DNS only)", async () => {
    expect(await stackViolationsOf(rule, stack(DEFAULT_DENY))).toEqual([]);
  });

  it("refuses a namespace without one, on the Namespace resource, saying what to add", async () => {
    const [violation] = await stackViolationsOf(rule, stack());
    expect(violation.urn).toContain("Namespace::tracing");
    expect(violation.message).toMatch(
      /no default-deny NetworkPolicy.*podSelector: \{\}, policyTypes: \["Ingress", "Egress"\]/,
    );
  });

  it("does not count policies that select some pods, admit something, or leave egress open", async () => {
    const some = { ...DEFAULT_DENY, podSelector: { matchLabels: { app: "jaeger" } } };
    const admits = { ...DEFAULT_DENY, ingress: [{ from: [{ podSelector: {} }] }] };
    const ingressOnly = { podSelector: {}, policyTypes: ["Ingress"] };
    const openEgress = { ...DEFAULT_DENY, egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] };
    for (const spec of [some, admits, ingressOnly, openEgress]) {
      expect(await stackViolationsOf(rule, stack(spec))).toHaveLength(1);
    }
    expect(await stackViolationsOf(rule, stack(ingressOnly), { denyEgress: false })).toEqual([]);
  });

  it("does not apply to a stack with nothing in the tracing namespace (another team's stack)", async () => {
    expect(await stackViolationsOf(rule, [service("shop", {}, "shop")])).toEqual([]);
  });
});
