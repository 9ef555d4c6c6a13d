import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigErrors } from "./index";
import { readAccessConfig } from "./access";
import { privateCidr } from "./cidr";
import { ConfigReader } from "./read";
import {
  ALB_ACCESS,
  CLIENT_SECRET,
  NGINX_ACCESS,
  parsedAccess,
  SECRET_KEYS,
  TEST_PROVIDER_CA,
} from "../testing/access-fixtures";

const SECRET = CLIENT_SECRET;

/** The messages of a config that fails validation. */
function problemsOf(stack: string, raw: Record<string, unknown>, secretKeys = SECRET_KEYS): string[] {
  try {
    parseStackConfig(stack, raw, secretKeys);
  } catch (e) {
    if (e instanceof StackConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  throw new Error("expected the config to be refused");
}

describe("order-tracing:access", () => {
  it("is optional: without it no access path is declared (fails closed)", () => {
    expect(parseStackConfig("dev", {}).access).toBeUndefined();
    expect(parseStackConfig("prod", { kubernetes: { context: "prod" } }).access).toBeUndefined();
  });

  it("reads an nginx section with its defaults: support group, groups claim, controller pods, cert-manager", () => {
    const access = parseStackConfig("dev", { access: NGINX_ACCESS, ...SECRET }, SECRET_KEYS).access;
    expect(access).toEqual({
      host: "jaeger.dev.order-tracing.internal",
      allowedCidrs: ["10.20.0.0/16", "100.96.0.0/12"],
      ingress: { controller: "nginx", className: "nginx-internal" },
      proxyClients: {
        kind: "pods",
        namespace: "ingress-nginx",
        podLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" },
      },
      tls: {
        source: "secret",
        secretName: "jaeger-ui-tls",
        certManager: { kind: "ClusterIssuer", name: "internal-ca" },
      },
      oidc: {
        issuerUrl: "https://sso.order-tracing.internal/realms/staff",
        clientId: "jaeger-ui",
        groupsClaim: "groups",
        allowedGroups: ["support"],
        scopes: ["openid", "email", "profile", "groups"],
        providerCidrs: ["0.0.0.0/0"],
      },
      proxyReplicas: 2,
    });
  });

  it("reads an ALB section: ALB subnets as the proxy's clients, an ACM certificate", () => {
    const access = parseStackConfig("prod", { access: ALB_ACCESS, ...SECRET }, SECRET_KEYS).access;
    expect(access?.ingress).toEqual({ controller: "alb", className: "alb" });
    expect(access?.proxyClients).toEqual({ kind: "cidrs", cidrs: ["10.0.0.0/20", "10.0.16.0/20"] });
    expect(access?.tls).toEqual({ source: "acm", certificateArn: ALB_ACCESS.tls.certificateArn });
  });

  it("refuses a public range and 0.0.0.0/0 in the allowlist, naming the item", () => {
    const problems = problemsOf("dev", {
      access: { ...NGINX_ACCESS, officeCidrs: ["203.0.113.0/24", "10.20.0.0/16"], vpnCidrs: ["0.0.0.0/0"] },
      ...SECRET,
    });
    expect(problems).toEqual([
      'order-tracing:access.officeCidrs[0]: "203.0.113.0/24" is not a private range; only 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7 (or blocks inside them) are allowed',
      'order-tracing:access.vpnCidrs[0]: "0.0.0.0/0" allows every address; list the office and VPN ranges instead',
    ]);
  });

  it("refuses a missing client secret in prod, and a client secret in plain text", () => {
    expect(problemsOf("prod", { access: ALB_ACCESS }, new Set())).toEqual([
      "order-tracing:oidcClientSecret: missing: access is configured; set it with `pulumi config set --secret order-tracing:oidcClientSecret <value>`",
    ]);
    expect(problemsOf("prod", { access: ALB_ACCESS, ...SECRET }, new Set())).toEqual([
      "order-tracing:oidcClientSecret: must be a Pulumi secret, not plain text; set it with `pulumi config set --secret order-tracing:oidcClientSecret <value>`",
    ]);
  });

  it("reports every missing required field at once", () => {
    expect(problemsOf("dev", { access: { tls: { secretName: "jaeger-ui-tls" } }, ...SECRET })).toEqual([
      "order-tracing:access.host: missing; see docs/access.md",
      "order-tracing:access.officeCidrs: missing: list the office and/or VPN ranges (access.officeCidrs, access.vpnCidrs) allowed to reach the UI",
      "order-tracing:access.oidc.issuerUrl: missing; see docs/access.md",
      "order-tracing:access.oidc.clientId: missing; see docs/access.md",
    ]);
  });

  it("refuses a plain-http issuer, a URL as host, a typo'd field and TLS settings of the other controller", () => {
    const problems = problemsOf("dev", {
      access: {
        ...NGINX_ACCESS,
        host: "https://jaeger.internal",
        vpnCidr: ["10.99.0.0/16"],
        tls: { certificateArn: ALB_ACCESS.tls.certificateArn },
        oidc: { ...NGINX_ACCESS.oidc, issuerUrl: "http://sso.order-tracing.internal/realms/staff" },
      },
      ...SECRET,
    });
    expect(problems).toEqual([
      "order-tracing:access.vpnCidr: unknown key; known keys are host, officeCidrs, vpnCidrs, ingress, tls, oidc, proxyReplicas (is it a typo?)",
      'order-tracing:access.host: expected a host name such as jaeger.internal.example.com (no scheme, port or path), got "https://jaeger.internal"',
      'order-tracing:access.oidc.issuerUrl: expected an https:// URL such as https://login.example.com/realms/staff, got "http://sso.order-tracing.internal/realms/staff"',
      "order-tracing:access.tls.certificateArn: applies to controller alb only; nginx takes secretName and/or clusterIssuer/issuer",
      "order-tracing:access.tls: missing: set secretName (an existing kubernetes.io/tls Secret) or a cert-manager clusterIssuer/issuer",
    ]);
  });

  it("reads the identity provider's CA certificates, and refuses what is not PEM, a broken certificate and a private key", () => {
    const withCa = (providerCa: string) => ({
      access: { ...NGINX_ACCESS, oidc: { ...NGINX_ACCESS.oidc, providerCa } },
      ...SECRET,
    });
    expect(parsedAccess(NGINX_ACCESS).oidc.providerCa).toBeUndefined();
    expect(parsedAccess(withCa(TEST_PROVIDER_CA).access).oidc.providerCa).toBe(TEST_PROVIDER_CA);
    const key = "order-tracing:access.oidc.providerCa";
    const fix = `pulumi config set --path access.oidc.providerCa -- "$(cat ca.pem)"`;
    expect(problemsOf("dev", withCa("/etc/ssl/company-ca.pem"))).toEqual([
      `${key}: expected PEM certificates (-----BEGIN CERTIFICATE-----…); set it with ${fix}`,
    ]);
    const broken = TEST_PROVIDER_CA.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA");
    expect(problemsOf("dev", withCa(`${TEST_PROVIDER_CA}${broken}`))[0]).toMatch(
      new RegExp(`^${key}: certificate 2 of 2 does not parse \\(.+\\)$`),
    );
    expect(
      problemsOf("dev", withCa(`${TEST_PROVIDER_CA}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`)),
    ).toEqual([`${key}: holds a private key: give only the CA's certificate (${fix})`]);
  });

  it("requires an ALB's subnets and certificate, and refuses nginx pod selectors for it", () => {
    const problems = problemsOf("prod", {
      access: {
        ...ALB_ACCESS,
        ingress: { controller: "alb", controllerNamespace: "ingress-nginx" },
        tls: { clusterIssuer: "internal-ca" },
      },
      ...SECRET,
    });
    expect(problems).toEqual([
      "order-tracing:access.ingress: controllerNamespace/controllerPodSelector apply to nginx; an ALB reaches the pods from its subnets: set albSubnetCidrs",
      "order-tracing:access.ingress.albSubnetCidrs: missing: the CIDRs of the subnets the internal ALB runs in (its targets are the proxy pods' IPs)",
      "order-tracing:access.tls: an ALB terminates TLS with an ACM certificate: set certificateArn, not secretName/clusterIssuer/issuer",
      "order-tracing:access.tls.certificateArn: missing: the ARN of the ACM certificate for access.host (arn:aws:acm:<region>:<account>:certificate/<id>)",
    ]);
  });

  it("reads a custom controller selector, groups claim and group list", () => {
    const access = parseStackConfig(
      "dev",
      {
        access: {
          ...NGINX_ACCESS,
          ingress: {
            controller: "nginx",
            controllerNamespace: "ingress-internal",
            controllerPodSelector: "app=internal-ingress, tier=edge",
          },
          oidc: { ...NGINX_ACCESS.oidc, groupsClaim: "cognito:groups", allowedGroups: ["support", "sre"] },
        },
        ...SECRET,
      },
      SECRET_KEYS,
    ).access;
    expect(access?.proxyClients).toEqual({
      kind: "pods",
      namespace: "ingress-internal",
      podLabels: { app: "internal-ingress", tier: "edge" },
    });
    expect(access?.oidc.groupsClaim).toBe("cognito:groups");
    expect(access?.oidc.allowedGroups).toEqual(["support", "sre"]);
  });

  it("refuses a client secret without an access section", () => {
    expect(problemsOf("dev", SECRET)).toEqual([
      "order-tracing:oidcClientSecret: set, but order-tracing:access is not configured; set both or neither",
    ]);
  });
});

describe("the stack files", () => {
  it("Pulumi.dev.yaml configures the access path, its client secret encrypted", () => {
    const file = path.resolve(__dirname, "..", "..", "Pulumi.dev.yaml");
    const doc = yaml.load(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    const secret = doc.config["order-tracing:oidcClientSecret"] as { secure?: string };
    expect(secret.secure).toMatch(/^v1:/);
    const read = new ConfigReader(
      { access: doc.config["order-tracing:access"], oidcClientSecret: secret },
      new Set(["oidcClientSecret"]),
    );
    const access = readAccessConfig(read);
    expect(read.errors).toEqual([]);
    expect(access?.ingress.controller).toBe("nginx");
    expect(access?.oidc.allowedGroups).toEqual(["support"]);
  });
});

describe("the stack files (prod)", () => {
  it("Pulumi.prod.yaml's commented ALB access block is valid once uncommented and the secret is set", () => {
    const text = readFileSync(path.resolve(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8");
    const start = text.indexOf("  # order-tracing:access:");
    expect(start).toBeGreaterThan(0);
    const block = text
      .slice(start)
      .split("\n")
      .filter((line) => line.startsWith("  # "))
      .map((line) => line.slice(4))
      .join("\n");
    const read = new ConfigReader(
      { access: (yaml.load(block) as Record<string, unknown>)["order-tracing:access"], oidcClientSecret: "set" },
      new Set(["oidcClientSecret"]),
    );
    const access = readAccessConfig(read);
    expect(read.errors).toEqual([]);
    expect(access?.ingress).toEqual({ controller: "alb", className: "alb" });
  });
});

describe("privateCidr", () => {
  it.each([
    ["10.0.0.0/8"],
    ["172.20.0.0/16"],
    ["192.168.10.0/24"],
    ["100.64.0.0/10"],
    ["10.1.2.3/32"],
    ["fd12:3456:789a::/48"],
  ])("accepts the private block %s", (cidr) => {
    expect(privateCidr(cidr)).toBeUndefined();
  });

  it.each([
    ["0.0.0.0/0", /allows every address/],
    ["::/0", /allows every address/],
    ["8.8.8.0/24", /not a private range/],
    ["172.32.0.0/16", /not a private range/],
    ["10.0.0.0/7", /not a private range/],
    ["192.168.0.0/15", /not a private range/],
    ["2001:db8::/32", /not a private range/],
    ["10.1.2.3/8", /host bits set; the block is 10.0.0.0\/8/],
    ["10.1.2.3", /expected a CIDR block/],
    ["10.1.2.300/32", /not an IPv4 or IPv6 address/],
    ["10.0.0.0/33", /longer than 32 bits/],
  ])("refuses %s", (cidr, reason) => {
    expect(privateCidr(cidr)).toMatch(reason);
  });
});
