import { X509Certificate } from "node:crypto";
import { cidrBlock, privateCidr } from "./cidr";
import type { ConfigReader } from "./read";
import { dnsLabel, dnsName, dnsSubdomain, urlCheck } from "./validators";
import { checkedStringList, hasErrorsUnder, refuseUnknownFields } from "./sections";
import type { ConfigKeyDoc } from "./reference";

/** The two internal load balancers the Jaeger UI can sit behind (docs/access.md). */
export const INGRESS_CONTROLLERS = ["nginx", "alb"] as const;
export type IngressController = (typeof INGRESS_CONTROLLERS)[number];

/** Where the TLS certificate of the UI host comes from. */
export type UiTls =
  /** nginx: a kubernetes.io/tls Secret in the tracing namespace, made by hand or by cert-manager. */
  | { source: "secret"; secretName: string; certManager?: { kind: "ClusterIssuer" | "Issuer"; name: string } }
  /** alb: an ACM certificate; the ALB terminates TLS with it. */
  | { source: "acm"; certificateArn: string };

/** Who may open a connection to the proxy: the controller's pods, or the ALB's subnets (target type ip). */
export type ProxyClients =
  { kind: "pods"; namespace: string; podLabels: Record<string, string> } | { kind: "cidrs"; cidrs: string[] };

export interface AccessConfig {
  /** DNS name of the Jaeger UI, resolvable only inside the company network. */
  host: string;
  /** The allowlist of the ingress: office and VPN ranges, all private. */
  allowedCidrs: string[];
  ingress: { controller: IngressController; className: string };
  proxyClients: ProxyClients;
  tls: UiTls;
  oidc: {
    issuerUrl: string;
    clientId: string;
    /** The ID token claim that lists the user's groups. */
    groupsClaim: string;
    /** Members of any of these groups get the UI; everyone else gets 403. */
    allowedGroups: string[];
    scopes: string[];
    /** Where the proxy may reach the identity provider (egress NetworkPolicy). */
    providerCidrs: string[];
    /**
     * PEM certificates of the CA that signed the provider's TLS certificate, when that is a company
     * CA rather than one the proxy's image trusts; the proxy then trusts only these for the provider.
     */
    providerCa?: string;
  };
  proxyReplicas: number;
}

/** The top-level key of the OIDC client secret (a Pulumi secret, read as an Output by the root). */
export const OIDC_CLIENT_SECRET_KEY = "oidcClientSecret";

const DEFAULT_CLASS: Record<IngressController, string> = { nginx: "nginx-internal", alb: "alb" };
const DEFAULT_NGINX_NAMESPACE = "ingress-nginx";
const DEFAULT_NGINX_POD_SELECTOR = "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller";
const DEFAULT_SCOPES = ["openid", "email", "profile", "groups"];

const FIELDS = {
  access: ["host", "officeCidrs", "vpnCidrs", "ingress", "tls", "oidc", "proxyReplicas"],
  "access.ingress": ["controller", "className", "controllerNamespace", "controllerPodSelector", "albSubnetCidrs"],
  "access.tls": ["secretName", "clusterIssuer", "issuer", "certificateArn"],
  "access.oidc": ["issuerUrl", "clientId", "groupsClaim", "allowedGroups", "scopes", "providerCidrs", "providerCa"],
} as const;

/**
 * Reads `order-tracing:access`: the internal ingress and the OIDC proxy in front of Jaeger query.
 * Leaving it out fails closed: no ingress and no proxy are declared, and the UI is reachable only
 * by `kubectl port-forward`. When it is set, every field is checked, and the OIDC client secret
 * must be set as a Pulumi secret, in every stack.
 */
export function readAccessConfig(read: ConfigReader): AccessConfig | undefined {
  const fields = read.fieldsOf("access");
  const secretSet = read.secret(OIDC_CLIENT_SECRET_KEY, fields !== undefined, "access is configured");
  if (fields === undefined) {
    if (secretSet)
      read.fail(OIDC_CLIENT_SECRET_KEY, "set, but order-tracing:access is not configured; set both or neither");
    return undefined;
  }
  refuseUnknownFields(read, FIELDS);

  const host = required(read, "access.host", dnsName);
  const officeCidrs = checkedStringList(read, "access.officeCidrs", privateCidr);
  const vpnCidrs = checkedStringList(read, "access.vpnCidrs", privateCidr);
  if (officeCidrs.length + vpnCidrs.length === 0 && !hasErrorsUnder(read, "access.officeCidrs", "access.vpnCidrs")) {
    read.fail(
      "access.officeCidrs",
      "missing: list the office and/or VPN ranges (access.officeCidrs, access.vpnCidrs) allowed to reach the UI",
    );
  }

  const controller = read.oneOf("access.ingress.controller", INGRESS_CONTROLLERS, "nginx");
  const className = read.string("access.ingress.className", DEFAULT_CLASS[controller], dnsSubdomain);

  const oidc: AccessConfig["oidc"] = {
    issuerUrl: required(read, "access.oidc.issuerUrl", issuerUrl),
    clientId: required(read, "access.oidc.clientId", token),
    groupsClaim: read.string("access.oidc.groupsClaim", "groups", token),
    allowedGroups: checkedStringList(read, "access.oidc.allowedGroups", nonEmpty, ["support"]),
    scopes: checkedStringList(read, "access.oidc.scopes", token, DEFAULT_SCOPES),
    providerCidrs: checkedStringList(read, "access.oidc.providerCidrs", cidrBlock, ["0.0.0.0/0"]),
    providerCa: read.string("access.oidc.providerCa", undefined, pemCertificates),
  };
  if (!oidc.scopes.includes("openid"))
    read.fail("access.oidc.scopes", `must include "openid", got ${JSON.stringify(oidc.scopes)}`);

  return {
    host,
    allowedCidrs: [...new Set([...officeCidrs, ...vpnCidrs])],
    ingress: { controller, className },
    proxyClients: readProxyClients(read, controller),
    tls: readTls(read, controller),
    oidc,
    proxyReplicas: read.number("access.proxyReplicas", 2, { min: 1, max: 10, integer: true }),
  };
}

function readProxyClients(read: ConfigReader, controller: IngressController): ProxyClients {
  const namespace = read.string("access.ingress.controllerNamespace", undefined, dnsLabel);
  const selector = read.string("access.ingress.controllerPodSelector", undefined, labelSelector);
  const albSubnetCidrs = checkedStringList(read, "access.ingress.albSubnetCidrs", privateCidr);
  if (controller === "alb") {
    if (namespace !== undefined || selector !== undefined) {
      read.fail(
        "access.ingress",
        "controllerNamespace/controllerPodSelector apply to nginx; an ALB reaches the pods from its subnets: set albSubnetCidrs",
      );
    }
    if (albSubnetCidrs.length === 0 && !hasErrorsUnder(read, "access.ingress.albSubnetCidrs")) {
      read.fail(
        "access.ingress.albSubnetCidrs",
        "missing: the CIDRs of the subnets the internal ALB runs in (its targets are the proxy pods' IPs)",
      );
    }
    return { kind: "cidrs", cidrs: albSubnetCidrs };
  }
  if (albSubnetCidrs.length > 0) read.fail("access.ingress.albSubnetCidrs", "applies to controller alb only");
  return {
    kind: "pods",
    namespace: namespace ?? DEFAULT_NGINX_NAMESPACE,
    podLabels: parseLabelSelector(selector ?? DEFAULT_NGINX_POD_SELECTOR),
  };
}

function readTls(read: ConfigReader, controller: IngressController): UiTls {
  const secretName = read.string("access.tls.secretName", undefined, dnsSubdomain);
  const clusterIssuer = read.string("access.tls.clusterIssuer", undefined, dnsSubdomain);
  const issuer = read.string("access.tls.issuer", undefined, dnsSubdomain);
  const certificateArn = read.string("access.tls.certificateArn", undefined, acmArn);
  if (controller === "alb") {
    if (secretName !== undefined || clusterIssuer !== undefined || issuer !== undefined) {
      read.fail(
        "access.tls",
        "an ALB terminates TLS with an ACM certificate: set certificateArn, not secretName/clusterIssuer/issuer",
      );
    }
    if (certificateArn === undefined && !hasErrorsUnder(read, "access.tls.certificateArn")) {
      read.fail(
        "access.tls.certificateArn",
        "missing: the ARN of the ACM certificate for access.host (arn:aws:acm:<region>:<account>:certificate/<id>)",
      );
    }
    return { source: "acm", certificateArn: certificateArn ?? "" };
  }
  if (certificateArn !== undefined)
    read.fail(
      "access.tls.certificateArn",
      "applies to controller alb only; nginx takes secretName and/or clusterIssuer/issuer",
    );
  if (clusterIssuer !== undefined && issuer !== undefined)
    read.fail("access.tls", "set clusterIssuer or issuer, not both");
  if (
    secretName === undefined &&
    clusterIssuer === undefined &&
    issuer === undefined &&
    !hasErrorsUnder(read, "access.tls.secretName", "access.tls.clusterIssuer", "access.tls.issuer")
  ) {
    read.fail(
      "access.tls",
      "missing: set secretName (an existing kubernetes.io/tls Secret) or a cert-manager clusterIssuer/issuer",
    );
  }
  const certManager =
    clusterIssuer !== undefined
      ? { kind: "ClusterIssuer" as const, name: clusterIssuer }
      : issuer !== undefined
        ? { kind: "Issuer" as const, name: issuer }
        : undefined;
  // cert-manager writes the certificate into this Secret; without a name of its own it gets one.
  return { source: "secret", secretName: secretName ?? "jaeger-ui-tls", certManager };
}

function required(read: ConfigReader, key: string, check: (v: string) => string | undefined): string {
  const value = read.string(key, undefined, check);
  if (value === undefined && !hasErrorsUnder(read, key)) read.fail(key, "missing; see docs/access.md");
  return value ?? "";
}

/** The OIDC issuer: https only, a base URL the discovery path is added to. */
const issuerUrl = urlCheck({ example: "https://login.example.com/realms/staff", httpsOnly: true, base: true });

const SET_PROVIDER_CA = `pulumi config set --path access.oidc.providerCa -- "$(cat ca.pem)"`;

/** One or more PEM certificates, each readable as X.509, and nothing secret beside them. */
function pemCertificates(v: string): string | undefined {
  if (/PRIVATE KEY-----/.test(v)) return `holds a private key: give only the CA's certificate (${SET_PROVIDER_CA})`;
  const blocks = v.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) return `expected PEM certificates (-----BEGIN CERTIFICATE-----…); set it with ${SET_PROVIDER_CA}`;
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `certificate ${index + 1} of ${blocks.length} does not parse (${(error as Error).message})`;
    }
  }
  return undefined;
}

function token(v: string): string | undefined {
  return /^\S+$/.test(v) ? undefined : `expected a value without spaces, got "${v}"`;
}

function nonEmpty(v: string): string | undefined {
  return v.trim() ? undefined : "expected a non-empty group name";
}

function acmArn(v: string): string | undefined {
  return /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(v)
    ? undefined
    : `expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), got "${v}"`;
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** An equality-based label selector as `kubectl -l` takes it: `key=value,key=value`. */
function labelSelector(v: string): string | undefined {
  const ok = v.split(",").every((pair) => {
    const [key, value, extra] = pair.trim().split("=");
    return extra === undefined && value !== undefined && LABEL_KEY.test(key) && LABEL_VALUE.test(value);
  });
  return ok
    ? undefined
    : `expected an equality label selector such as app.kubernetes.io/name=ingress-nginx, got "${v}"`;
}

function parseLabelSelector(v: string): Record<string, string> {
  return Object.fromEntries(v.split(",").map((pair) => pair.trim().split("=") as [string, string]));
}

/** The `order-tracing:*` keys this module reads (the Jaeger UI access path): docs/configuration.md is generated from them. */
export const ACCESS_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["access"],
    type: "object",
    default: "none: no ingress, no proxy (the UI only through `kubectl port-forward`)",
    meaning:
      "the Jaeger UI's access path; its keys below. When set, every key is checked and `oidcClientSecret` is required, in every stack. See [Access to the Jaeger UI](access.md#access-to-the-jaeger-ui)",
  },
  {
    keys: ["access.host"],
    type: "host name",
    default: "required",
    meaning:
      "the UI's DNS name, resolvable inside the company network only; the URL is `https://<host>/` (stack output `jaegerUiUrl`)",
  },
  {
    keys: ["access.officeCidrs", "access.vpnCidrs"],
    type: "CIDR list",
    default: "at least one range in either",
    meaning:
      "the source ranges the ingress admits. Only private blocks: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10` (CGNAT, common for VPN pools), `fc00::/7` (IPv6 ULA), or blocks inside them; public ranges and `0.0.0.0/0` are refused",
  },
  {
    keys: ["access.ingress.controller"],
    type: "`nginx` | `alb`",
    default: "`nginx`",
    meaning:
      "the internal load balancer: an internal ingress-nginx class, or the AWS Load Balancer Controller with an internal ALB",
  },
  {
    keys: ["access.ingress.className"],
    type: "DNS name",
    default: "`nginx-internal` (nginx), `alb` (alb)",
    meaning: "the IngressClass of that internal controller",
  },
  {
    keys: ["access.ingress.controllerNamespace", "access.ingress.controllerPodSelector"],
    type: "DNS label, `k=v,…`",
    default: "`ingress-nginx`, `app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller`",
    meaning: "nginx only: where the controller's pods run; the proxy's NetworkPolicy admits only them",
  },
  {
    keys: ["access.ingress.albSubnetCidrs"],
    type: "CIDR list",
    default: "required with `alb`",
    meaning:
      "alb only: the private subnets of the internal ALB; it sends to the proxy pods' IPs (target type `ip`) from there",
  },
  {
    keys: ["access.tls.secretName"],
    type: "DNS name",
    default: "`jaeger-ui-tls` with an issuer",
    meaning: "nginx: the `kubernetes.io/tls` Secret (in the tracing namespace) with the certificate of `host`",
  },
  {
    keys: ["access.tls.clusterIssuer", "access.tls.issuer"],
    type: "DNS name",
    default: "none",
    meaning:
      "nginx: a cert-manager ClusterIssuer or Issuer that issues the certificate into `secretName`. nginx needs `secretName` or an issuer",
  },
  {
    keys: ["access.tls.certificateArn"],
    type: "ACM ARN",
    default: "required with `alb`",
    meaning: "alb: the ACM certificate of `host`",
  },
  {
    keys: ["access.oidc.issuerUrl"],
    type: "https URL",
    default: "required",
    meaning: "the identity provider's issuer (its `/.well-known/openid-configuration` must answer)",
  },
  {
    keys: ["access.oidc.clientId"],
    type: "string",
    default: "required",
    meaning: "the client registered for the Jaeger UI at the identity provider",
  },
  {
    keys: ["oidcClientSecret"],
    type: "Pulumi secret",
    default: "required when `access` is set",
    meaning:
      "that client's secret: `pulumi config set --secret order-tracing:oidcClientSecret <value>`; plain text is refused",
  },
  {
    keys: ["access.oidc.groupsClaim"],
    type: "claim name",
    default: "`groups`",
    meaning: "the ID-token claim that lists the user's groups (`cognito:groups`, `roles`, a URL claim, …)",
  },
  {
    keys: ["access.oidc.allowedGroups"],
    type: "list",
    default: "`[support]`",
    meaning: "members of any of these groups get the UI; every other signed-in user gets 403",
  },
  {
    keys: ["access.oidc.scopes"],
    type: "list",
    default: "`[openid, email, profile, groups]`",
    meaning:
      "the scopes requested; must include `openid`. Drop `groups` if your provider puts the groups claim in the ID token without it and refuses unknown scopes",
  },
  {
    keys: ["access.oidc.providerCidrs"],
    type: "CIDR list",
    default: "`[0.0.0.0/0]`",
    meaning:
      "where the proxy may connect to the identity provider (egress NetworkPolicy, on the issuer's port); narrow it for an IdP inside your network",
  },
  {
    keys: ["access.oidc.providerCa"],
    type: "PEM certificates",
    default: "none (the image's public CAs)",
    meaning:
      'the CA that signed the identity provider\'s TLS certificate, when it is a company CA: the proxy then trusts only these certificates for the provider. `pulumi config set --path access.oidc.providerCa -- "$(cat ca.pem)"`',
  },
  {
    keys: ["access.proxyReplicas"],
    type: "integer 1–10",
    default: "`2`",
    meaning: "oauth2-proxy replicas (sessions live in cookies, so replicas share nothing)",
  },
];
