import { describe, expect, it } from "vitest";
import { violationsOf } from "../testing/run-policy";
import { k8s, nginxIngress, pods, service } from "../testing/resources";
import { jaegerUiInternalOnly as rule } from "./jaeger-ui-internal-only";

const albIngress = (annotations: Record<string, string>) =>
  k8s("networking.k8s.io/v1:Ingress", "jaeger-ui", {
    metadata: { name: "jaeger-ui", namespace: "tracing", annotations },
    spec: {
      ingressClassName: "alb",
      tls: [{ hosts: ["jaeger.internal"] }],
      rules: [{ host: "jaeger.internal", http: { paths: [{ backend: { service: { name: "oauth2-proxy" } } }] } }],
    },
  });
const ALB_INTERNAL = {
  "alb.ingress.kubernetes.io/scheme": "internal",
  "alb.ingress.kubernetes.io/inbound-cidrs": "10.20.0.0/16",
  "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
  "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-central-1:123456789012:certificate/abc",
};

describe("jaeger-ui-internal-only: Services", () => {
  it("passes ClusterIP and headless Services of tracing", async () => {
    expect(await violationsOf(rule, service("jaeger", { type: "ClusterIP", selector: pods("jaeger") }))).toEqual([]);
    expect(await violationsOf(rule, service("elasticsearch-nodes", { clusterIP: "None" }))).toEqual([]);
  });

  it("refuses LoadBalancer and NodePort Services in the tracing namespace, saying what to change", async () => {
    for (const type of ["LoadBalancer", "NodePort"]) {
      const [violation] = await violationsOf(rule, service("jaeger", { type, selector: pods("jaeger") }));
      expect(violation).toContain(`is of type ${type}`);
      expect(violation).toContain("Use type ClusterIP");
    }
  });

  it("refuses a Service elsewhere that selects tracing pods, and external IPs", async () => {
    const elsewhere = service("jaeger-public", { type: "LoadBalancer", selector: pods("jaeger") }, "default");
    expect(await violationsOf(rule, elsewhere)).toEqual([expect.stringContaining("selecting tracing pods")]);
    const external = service("jaeger", { externalIPs: ["203.0.113.7"] });
    expect(await violationsOf(rule, external)).toEqual([expect.stringContaining("Remove spec.externalIPs")]);
  });

  it("leaves other teams' Services alone, and follows the configured namespace", async () => {
    const shop = service("shop", { type: "LoadBalancer", selector: { app: "shop" } }, "shop");
    expect(await violationsOf(rule, shop)).toEqual([]);
    const observability = service("ui", { type: "NodePort" }, "observability");
    expect(await violationsOf(rule, observability)).toEqual([]);
    expect(await violationsOf(rule, observability, { tracingNamespace: "observability" })).toHaveLength(1);
  });
});

describe("jaeger-ui-internal-only: Ingresses", () => {
  it("passes the dev stack's nginx Ingress and the prod ALB Ingress", async () => {
    expect(await violationsOf(rule, nginxIngress())).toEqual([]);
    expect(await violationsOf(rule, albIngress(ALB_INTERNAL))).toEqual([]);
  });

  it("refuses a public ingress class and an internet-facing ALB", async () => {
    const publicClass = nginxIngress({ spec: { ingressClassName: "nginx" } });
    expect(await violationsOf(rule, publicClass)).toEqual([
      expect.stringMatching(/ingress class "nginx", which is not an internal one.*nginx-internal, alb/),
    ]);
    const noClass = nginxIngress({ spec: { ingressClassName: undefined } });
    expect(await violationsOf(rule, noClass)).toEqual([expect.stringContaining("the cluster's default ingress class")]);
    const facing = albIngress({ ...ALB_INTERNAL, "alb.ingress.kubernetes.io/scheme": "internet-facing" });
    expect(await violationsOf(rule, facing)).toEqual([expect.stringContaining("scheme: internal")]);
  });

  it("refuses a missing allowlist and one with public ranges such as 0.0.0.0/0", async () => {
    const none = nginxIngress({ annotations: {} });
    expect(await violationsOf(rule, none)).toEqual([expect.stringContaining("has no source-range allowlist")]);
    const open = nginxIngress({
      annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": "10.20.0.0/16, 0.0.0.0/0" },
    });
    expect(await violationsOf(rule, open)).toEqual([expect.stringContaining("admits 0.0.0.0/0, outside")]);
    const publicAlb = albIngress({ ...ALB_INTERNAL, "alb.ingress.kubernetes.io/inbound-cidrs": "198.51.100.0/24" });
    expect(await violationsOf(rule, publicAlb)).toEqual([expect.stringContaining("admits 198.51.100.0/24")]);
  });

  it("accepts the configured private ranges, IPv6 ULA included", async () => {
    const v6 = nginxIngress({ annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": "fd00:10::/32" } });
    expect(await violationsOf(rule, v6)).toEqual([]);
    const single = nginxIngress({
      annotations: { "nginx.ingress.kubernetes.io/whitelist-source-range": "10.20.30.40,100.96.0.0/12" },
    });
    expect(await violationsOf(rule, single)).toEqual([]);
    const vpnOnly = nginxIngress();
    expect(await violationsOf(rule, vpnOnly, { allowedSourceCidrs: ["100.96.0.0/12"] })).toEqual([
      expect.stringContaining("admits 10.20.0.0/16"),
    ]);
  });

  it("refuses an Ingress without TLS for its host, or with HTTPS redirects off", async () => {
    const plain = nginxIngress({ spec: { tls: [] } });
    expect(await violationsOf(rule, plain)).toEqual([expect.stringContaining("without TLS")]);
    const otherHost = nginxIngress({ spec: { tls: [{ hosts: ["other.internal"], secretName: "x" }] } });
    expect(await violationsOf(rule, otherHost)).toEqual([
      expect.stringContaining("serves jaeger.internal without TLS"),
    ]);
    const noRedirect = nginxIngress({
      annotations: {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "10.20.0.0/16",
        "nginx.ingress.kubernetes.io/ssl-redirect": "false",
      },
    });
    expect(await violationsOf(rule, noRedirect)).toEqual([expect.stringContaining("HTTPS redirect off")]);
    const { ["alb.ingress.kubernetes.io/listen-ports"]: _ports, ...httpAlb } = ALB_INTERNAL;
    expect(await violationsOf(rule, albIngress(httpAlb))).toEqual([expect.stringContaining("plain HTTP")]);
  });

  it("checks an Ingress in another namespace only when it routes to a tracing Service", async () => {
    const shop = nginxIngress({ namespace: "shop", spec: { ingressClassName: "public", tls: [] } });
    const toShop = {
      ...shop,
      props: {
        ...shop.props,
        spec: {
          ingressClassName: "public",
          rules: [{ http: { paths: [{ backend: { service: { name: "shop" } } }] } }],
        },
      },
    };
    expect(await violationsOf(rule, toShop)).toEqual([]);
    expect((await violationsOf(rule, shop)).length).toBeGreaterThan(0);
  });
});
