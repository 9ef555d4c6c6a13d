import { describe, expect, it } from "vitest";
import { stackViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { configMap, deployment, networkPolicy, nginxIngress, pods, service } from "../testing/resources";
import { jaegerUiSupportRoleOnly as rule } from "./jaeger-ui-support-role-only";

/** oauth2-proxy's config file as infra/components/access renders it (the lines the rule reads). */
const PROXY_CFG = [
  'provider = "oidc"',
  'oidc_issuer_url = "https://sso.internal/realms/staff"',
  'allowed_groups = ["support"]',
  'upstreams = ["http://jaeger.tracing.svc.cluster.local:16686/"]',
  "cookie_secure = true",
].join("\n");

const QUERY_FROM_PROXY = {
  podSelector: { matchLabels: pods("jaeger") },
  policyTypes: ["Ingress"],
  ingress: [
    { from: [{ podSelector: { matchLabels: pods("oauth2-proxy") } }], ports: [{ protocol: "TCP", port: 16686 }] },
  ],
};

function accessPath(
  changes: {
    cfg?: string;
    args?: string[];
    queryPolicy?: Record<string, unknown> | null;
    ingress?: ResourceUnderTest;
  } = {},
) {
  const resources = [
    changes.ingress ?? nginxIngress(),
    service("oauth2-proxy", { type: "ClusterIP", selector: pods("oauth2-proxy") }),
    configMap("oauth2-proxy", { "oauth2-proxy.cfg": changes.cfg ?? PROXY_CFG }, pods("oauth2-proxy")),
    deployment("oauth2-proxy", pods("oauth2-proxy"), {
      containers: [{ name: "oauth2-proxy", args: changes.args ?? ["--config=/etc/oauth2-proxy/oauth2-proxy.cfg"] }],
    }),
    deployment("jaeger", pods("jaeger"), { containers: [{ name: "jaeger" }] }),
    service("jaeger", { type: "ClusterIP", selector: pods("jaeger") }),
    networkPolicy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    networkPolicy("jaeger-otlp", {
      podSelector: { matchLabels: pods("jaeger") },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: pods("otel-collector") } }], ports: [{ port: 4317 }] }],
    }),
  ];
  if (changes.queryPolicy !== null)
    resources.push(networkPolicy("jaeger-query", changes.queryPolicy ?? QUERY_FROM_PROXY));
  return resources;
}

const messages = async (resources: ResourceUnderTest[], config = {}) =>
  (await stackViolationsOf(rule, resources, config)).map((v) => v.message);

describe("jaeger-ui-support-role-only", () => {
  it("passes the access path as infra/ declares it: Ingress → proxy (OIDC, support) → Jaeger query", async () => {
    expect(await stackViolationsOf(rule, accessPath())).toEqual([]);
  });

  it("passes a stack without access (prod today): Jaeger isolated, query opened to no one", async () => {
    const closed = accessPath({ queryPolicy: null }).filter(
      (r) => !r.name?.startsWith("oauth2-proxy") && r.name !== "jaeger-ui",
    );
    expect(await stackViolationsOf(rule, closed)).toEqual([]);
  });

  it("refuses an Ingress that sends traffic straight to Jaeger query, naming the Ingress", async () => {
    const direct = nginxIngress({
      spec: { rules: [{ host: "jaeger.internal", http: { paths: [{ backend: { service: { name: "jaeger" } } }] } }] },
    });
    const violations = await stackViolationsOf(rule, accessPath({ ingress: direct }));
    expect(violations).toEqual([
      {
        policy: "jaeger-ui-support-role-only",
        message: expect.stringContaining('sends traffic to Service "jaeger" directly'),
        urn: expect.stringContaining("Ingress::jaeger-ui"),
      },
    ]);
  });

  it("refuses a proxy without OIDC, without the support group, or with a foreign group", async () => {
    expect(await messages(accessPath({ cfg: PROXY_CFG.replace('"oidc"', '"github"') }))).toEqual([
      expect.stringContaining('uses provider "github". Set provider = "oidc"'),
    ]);
    expect(await messages(accessPath({ cfg: PROXY_CFG.replace('allowed_groups = ["support"]', "") }))).toEqual([
      expect.stringContaining("admits every signed-in user (no allowed_groups)"),
    ]);
    expect(await messages(accessPath({ cfg: PROXY_CFG.replace('["support"]', '["support", "everyone"]') }))).toEqual([
      expect.stringContaining("admits groups everyone"),
    ]);
    expect(await messages(accessPath(), { allowedGroups: ["техподдержка"] })).toEqual([
      expect.stringContaining("admits groups support"),
    ]);
  });

  it("reads the proxy's flags over its config file, and refuses routes that skip sign-in", async () => {
    const flags = ["--config=/etc/cfg", "--allowed-group=support", "--allowed-group=developers"];
    expect(await messages(accessPath({ args: flags }))).toEqual([expect.stringContaining("admits groups developers")]);
    const skip = ["--config=/etc/cfg", "--skip-auth-route=^/api/"];
    expect(await messages(accessPath({ args: skip }))).toEqual([expect.stringContaining("without sign-in (^/api/)")]);
  });

  it("refuses an Ingress to tracing when the stack declares no proxy to check", async () => {
    const noProxy = accessPath().filter((r) => !(r.type.endsWith("Deployment") && r.name === "oauth2-proxy"));
    expect(await messages(noProxy)).toEqual([expect.stringContaining("declares no oauth2-proxy workload")]);
  });

  it("refuses NetworkPolicies that let anything but the proxy (or the report job) reach query's port", async () => {
    const open = { ...QUERY_FROM_PROXY, ingress: [{ ports: [{ port: 16686 }] }] };
    expect(await messages(accessPath({ queryPolicy: open }))).toEqual([expect.stringContaining("admits every source")]);
    const anyPortFromNamespace = {
      ...QUERY_FROM_PROXY,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "shop" } } }] }],
    };
    expect(await messages(accessPath({ queryPolicy: anyPortFromNamespace }))).toEqual([
      expect.stringContaining('admits {"namespaceSelector"'),
    ]);
    const byName = {
      ...QUERY_FROM_PROXY,
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: "query-http" }] }],
    };
    expect(await messages(accessPath({ queryPolicy: byName }))).toEqual([expect.stringContaining("ipBlock")]);
    const report = {
      ...QUERY_FROM_PROXY,
      ingress: [{ from: [{ podSelector: { matchLabels: pods("order-report") } }], ports: [{ port: 16686 }] }],
    };
    expect(await messages(accessPath({ queryPolicy: report }))).toEqual([]);
  });

  it("refuses a stack where nothing isolates Jaeger query's pods", async () => {
    const open = accessPath({ queryPolicy: null }).filter((r) => !r.type.endsWith("NetworkPolicy"));
    expect(await messages(open)).toEqual([expect.stringContaining("No NetworkPolicy isolates Jaeger query's pods")]);
  });
});
