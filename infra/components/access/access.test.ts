import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { AccessConfig } from "../../config/access";
import { ALB_ACCESS, NGINX_ACCESS, parsedAccess, TEST_PROVIDER_CA } from "../../testing/access-fixtures";
import { allRegistered, recordResources, valueOf, type MockedResource } from "../../testing/mocks";
import { JaegerQueryAccess, type JaegerQueryAccessArgs } from "./index";

const NGINX = parsedAccess(NGINX_ACCESS);
const ALB = parsedAccess(ALB_ACCESS, "prod");

/** How a secret value travels in the engine protocol (pulumi/sdk: rpc.ts specialSigKey, specialSecretSig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

const JAEGER_PODS = { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "order-tracing" };
const PROXY_PODS = { "app.kubernetes.io/name": "oauth2-proxy", "app.kubernetes.io/instance": "order-tracing" };

/** Declares the component under mocks and waits until every resource is registered. */
async function declare(
  access: AccessConfig,
  extra: Partial<JaegerQueryAccessArgs> = {},
): Promise<{ resources: MockedResource[]; uiUrl: string }> {
  const resources = recordResources();
  const component = new JaegerQueryAccess("jaeger-ui", {
    namespace: "tracing",
    access,
    oidcClientSecret: pulumi.secret("client-secret-under-test"),
    ...extra,
  });
  const uiUrl = await valueOf(component.uiUrl);
  await allRegistered();
  return { resources, uiUrl };
}

/** The inputs of the one resource of that type and name; assertions navigate its manifest freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are navigated loosely in assertions
function one(resources: MockedResource[], type: string, name: string): Record<string, any> {
  const found = resources.filter((r) => r.type === type && r.name === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0].inputs;
}

describe("JaegerQueryAccess", () => {
  it("outputs the internal UI URL and declares the proxy's objects in the tracing namespace", async () => {
    const { resources, uiUrl } = await declare(NGINX);
    expect(uiUrl).toBe("https://jaeger.dev.order-tracing.internal/");
    const kinds = resources.map((r) => `${r.type} ${r.name}`).sort();
    expect(kinds).toEqual([
      "kubernetes:apps/v1:Deployment jaeger-ui-oauth2-proxy",
      "kubernetes:core/v1:ConfigMap jaeger-ui-oauth2-proxy",
      "kubernetes:core/v1:Secret jaeger-ui-oauth2-proxy",
      "kubernetes:core/v1:Service jaeger-ui-oauth2-proxy",
      "kubernetes:networking.k8s.io/v1:Ingress jaeger-ui-jaeger-ui",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy jaeger-ui-jaeger-query",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy jaeger-ui-oauth2-proxy",
      "order-tracing:access:JaegerQueryAccess jaeger-ui",
      "pulumi-nodejs:dynamic/order-tracing:CookieSecret jaeger-ui-cookie-secret",
    ]);
    for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect((r.inputs.metadata as { namespace: string }).namespace, r.name).toBe("tracing");
    }
  });

  it("nginx: internal class, office/VPN allowlist, TLS from cert-manager, backend = the proxy Service", async () => {
    const { resources } = await declare(NGINX);
    const ingress = one(resources, "kubernetes:networking.k8s.io/v1:Ingress", "jaeger-ui-jaeger-ui");
    expect(ingress.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/whitelist-source-range": "10.20.0.0/16,100.96.0.0/12",
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/backend-protocol": "HTTP",
      "cert-manager.io/cluster-issuer": "internal-ca",
    });
    expect(ingress.spec).toEqual({
      ingressClassName: "nginx-internal",
      tls: [{ hosts: ["jaeger.dev.order-tracing.internal"], secretName: "jaeger-ui-tls" }],
      rules: [
        {
          host: "jaeger.dev.order-tracing.internal",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "oauth2-proxy", port: { number: 4180 } } },
              },
            ],
          },
        },
      ],
    });
  });

  it("alb: internal scheme, IP targets, inbound CIDRs, HTTPS only with the ACM certificate", async () => {
    const { resources } = await declare(ALB);
    const ingress = one(resources, "kubernetes:networking.k8s.io/v1:Ingress", "jaeger-ui-jaeger-ui");
    expect(ingress.spec.ingressClassName).toBe("alb");
    expect(ingress.metadata.annotations).toMatchObject({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/inbound-cidrs": "10.20.0.0/16,10.99.0.0/16",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/certificate-arn": ALB.tls.source === "acm" ? ALB.tls.certificateArn : "",
      "alb.ingress.kubernetes.io/healthcheck-path": "/ping",
    });
    const proxyPolicy = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-oauth2-proxy");
    expect(proxyPolicy.spec.ingress).toEqual([
      {
        from: [{ ipBlock: { cidr: "10.0.0.0/20" } }, { ipBlock: { cidr: "10.0.16.0/20" } }],
        ports: [{ protocol: "TCP", port: 4180 }],
      },
    ]);
  });

  it("oauth2-proxy: OIDC, support group, secure cookies, upstream Jaeger query, no tokens to Jaeger", async () => {
    const { resources } = await declare(NGINX);
    const configMap = one(resources, "kubernetes:core/v1:ConfigMap", "jaeger-ui-oauth2-proxy");
    const toml: string = configMap.data["oauth2-proxy.cfg"];
    for (const line of [
      'provider = "oidc"',
      'oidc_issuer_url = "https://sso.order-tracing.internal/realms/staff"',
      'client_id = "jaeger-ui"',
      'redirect_url = "https://jaeger.dev.order-tracing.internal/oauth2/callback"',
      'oidc_groups_claim = "groups"',
      'allowed_groups = ["support"]',
      'upstreams = ["http://jaeger.tracing.svc.cluster.local:16686/"]',
      'api_routes = ["^/api/"]',
      'code_challenge_method = "S256"',
      "skip_provider_button = true",
      "reverse_proxy = true",
      "cookie_secure = true",
      "cookie_httponly = true",
      'cookie_samesite = "lax"',
      "session_cookie_minimal = true",
      "pass_access_token = false",
      "pass_authorization_header = false",
      "pass_user_headers = false",
    ]) {
      expect(toml.split("\n")).toContain(line);
    }
    expect(toml).not.toMatch(/client_secret|cookie_secret/);

    // The Secret's data reaches the engine as a Pulumi secret (encrypted in state).
    const secret = one(resources, "kubernetes:core/v1:Secret", "jaeger-ui-oauth2-proxy");
    expect(secret.stringData[SECRET_SIG]).toBe(SECRET_SIG_VALUE);
    const stringData = secret.stringData.value as Record<string, unknown>;
    // (The cookie secret is the CookieSecret resource's output, which mocks leave unset.)
    expect(stringData["client-secret"]).toBe("client-secret-under-test");

    const deployment = one(resources, "kubernetes:apps/v1:Deployment", "jaeger-ui-oauth2-proxy");
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.metadata.labels).toMatchObject(PROXY_PODS);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^quay\.io\/oauth2-proxy\/oauth2-proxy:v\d+\.\d+\.\d+$/);
    expect(container.args).toEqual(["--config=/etc/oauth2-proxy/oauth2-proxy.cfg"]);
    expect(container.env).toEqual([
      {
        name: "OAUTH2_PROXY_CLIENT_SECRET",
        valueFrom: { secretKeyRef: { name: "oauth2-proxy", key: "client-secret" } },
      },
      {
        name: "OAUTH2_PROXY_COOKIE_SECRET",
        valueFrom: { secretKeyRef: { name: "oauth2-proxy", key: "cookie-secret" } },
      },
    ]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(deployment.spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);

    const service = one(resources, "kubernetes:core/v1:Service", "jaeger-ui-oauth2-proxy");
    expect(service.spec).toMatchObject({ type: "ClusterIP", selector: PROXY_PODS });
  });

  it("gives the proxy the identity provider's CA from the stack, in its ConfigMap, and rolls it when the CA changes", async () => {
    const withCa = parsedAccess({ ...NGINX_ACCESS, oidc: { ...NGINX_ACCESS.oidc, providerCa: TEST_PROVIDER_CA } });
    const configOf = async (access: AccessConfig) => {
      const { resources } = await declare(access);
      const configMap = one(resources, "kubernetes:core/v1:ConfigMap", "jaeger-ui-oauth2-proxy");
      const deployment = one(resources, "kubernetes:apps/v1:Deployment", "jaeger-ui-oauth2-proxy");
      return {
        data: configMap.data as Record<string, string>,
        checksum: deployment.spec.template.metadata.annotations["checksum/config"] as string,
        mounts: deployment.spec.template.spec.containers[0].volumeMounts,
      };
    };
    const plain = await configOf(NGINX);
    expect(Object.keys(plain.data)).toEqual(["oauth2-proxy.cfg"]);
    expect(plain.data["oauth2-proxy.cfg"]).not.toContain("provider_ca_files");

    const pinned = await configOf(withCa);
    expect(pinned.data["provider-ca.pem"]).toBe(TEST_PROVIDER_CA);
    // The ConfigMap is mounted whole at /etc/oauth2-proxy, so the CA sits beside the config file.
    expect(pinned.mounts).toEqual([{ name: "config", mountPath: "/etc/oauth2-proxy", readOnly: true }]);
    expect(pinned.data["oauth2-proxy.cfg"].split("\n")).toContain(
      'provider_ca_files = ["/etc/oauth2-proxy/provider-ca.pem"]',
    );
    expect(pinned.checksum).not.toBe(plain.checksum);
  });

  it("the cookie secret is a stack-generated resource whose value is kept secret in state", async () => {
    const { resources } = await declare(NGINX);
    const cookie = resources.find((r) => r.type === "pulumi-nodejs:dynamic/order-tracing:CookieSecret");
    expect(cookie?.inputs.__provider).toEqual(expect.stringContaining("randomBytes(32)"));
  });

  it("NetworkPolicies: ingress controller → proxy → Jaeger query, and Jaeger query admits only the proxy", async () => {
    const { resources } = await declare(NGINX);
    const proxyPolicy = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-oauth2-proxy");
    expect(proxyPolicy.spec.podSelector).toEqual({ matchLabels: PROXY_PODS });
    expect(proxyPolicy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(proxyPolicy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
            podSelector: {
              matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" },
            },
          },
        ],
        ports: [{ protocol: "TCP", port: 4180 }],
      },
    ]);
    const egress = proxyPolicy.spec.egress as { to: unknown[]; ports: { protocol: string; port: number }[] }[];
    expect(egress[0]).toEqual({
      to: [{ podSelector: { matchLabels: JAEGER_PODS } }],
      ports: [{ protocol: "TCP", port: 16686 }],
    });
    expect(egress[1]).toEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
    expect(egress).toHaveLength(2);

    const queryPolicy = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-jaeger-query");
    expect(queryPolicy.spec).toEqual({
      podSelector: { matchLabels: JAEGER_PODS },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: PROXY_PODS } }], ports: [{ protocol: "TCP", port: 16686 }] }],
    });
  });

  it("follows Jaeger's base path and the Jaeger component's query Service and pods", async () => {
    const jaegerQuery = { host: "jaeger.observability.svc.cluster.local", podLabels: { app: "jaeger-query" } };
    const { resources, uiUrl } = await declare(NGINX, { basePath: "/jaeger", jaegerQuery });
    expect(uiUrl).toBe("https://jaeger.dev.order-tracing.internal/jaeger/");
    const toml: string = one(resources, "kubernetes:core/v1:ConfigMap", "jaeger-ui-oauth2-proxy").data[
      "oauth2-proxy.cfg"
    ];
    expect(toml.split("\n")).toContain('api_routes = ["^/jaeger/api/"]');
    expect(toml.split("\n")).toContain('upstreams = ["http://jaeger.observability.svc.cluster.local:16686/"]');
    const queryPolicy = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-jaeger-query");
    expect(queryPolicy.spec.podSelector).toEqual({ matchLabels: { app: "jaeger-query" } });
  });
});

describe("JaegerQueryAccess with the stuck-orders page", () => {
  const REPORT_PODS = {
    "app.kubernetes.io/name": "order-report",
    "app.kubernetes.io/instance": "order-tracing",
    "app.kubernetes.io/component": "order-report-exporter",
  };

  it("routes /stuck-orders/ to the exporter behind the same sign-in, and lets the proxy reach it", async () => {
    const resources = recordResources();
    const component = new JaegerQueryAccess("jaeger-ui", {
      namespace: "tracing",
      access: NGINX,
      oidcClientSecret: pulumi.secret("client-secret-under-test"),
      stuckOrdersPage: { host: "order-report-exporter.tracing.svc.cluster.local", podLabels: REPORT_PODS },
    });
    expect(await valueOf(component.stuckOrdersPageUrl)).toBe("https://jaeger.dev.order-tracing.internal/stuck-orders/");
    await allRegistered();
    const config = String(
      one(resources, "kubernetes:core/v1:ConfigMap", "jaeger-ui-oauth2-proxy").data["oauth2-proxy.cfg"],
    );
    expect(config).toContain(
      'upstreams = ["http://jaeger.tracing.svc.cluster.local:16686/", "http://order-report-exporter.tracing.svc.cluster.local:9464/stuck-orders/"]',
    );
    // The same group gate and no route around the sign-in.
    expect(config).toContain('allowed_groups = ["support"]');
    expect(config).not.toMatch(/skip_auth_(routes|regex)|skip_jwt/);
    const policy = one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-oauth2-proxy").spec;
    expect(policy.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: REPORT_PODS } }],
      ports: [{ protocol: "TCP", port: 9464 }],
    });
  });

  it("has no page route without the exporter", async () => {
    const resources = recordResources();
    const component = new JaegerQueryAccess("jaeger-ui", {
      namespace: "tracing",
      access: NGINX,
      oidcClientSecret: pulumi.secret("client-secret-under-test"),
    });
    expect(await valueOf(component.stuckOrdersPageUrl)).toBeUndefined();
    await allRegistered();
    const config = String(
      one(resources, "kubernetes:core/v1:ConfigMap", "jaeger-ui-oauth2-proxy").data["oauth2-proxy.cfg"],
    );
    expect(config).toContain('upstreams = ["http://jaeger.tracing.svc.cluster.local:16686/"]');
    expect(
      one(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "jaeger-ui-oauth2-proxy").spec.egress,
    ).toHaveLength(2);
  });
});
