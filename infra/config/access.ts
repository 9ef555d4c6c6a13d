import { cidrBlock, privateCidr } from "./cidr";
import type { ConfigReader } from "./read";
import { checkedStringList, hasErrorsUnder, refuseUnknownFields } from "./sections";

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
  "access.oidc": ["issuerUrl", "clientId", "groupsClaim", "allowedGroups", "scopes", "providerCidrs"],
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
    issuerUrl: required(read, "access.oidc.issuerUrl", httpsUrl),
    clientId: required(read, "access.oidc.clientId", token),
    groupsClaim: read.string("access.oidc.groupsClaim", "groups", token),
    allowedGroups: checkedStringList(read, "access.oidc.allowedGroups", nonEmpty, ["support"]),
    scopes: checkedStringList(read, "access.oidc.scopes", token, DEFAULT_SCOPES),
    providerCidrs: checkedStringList(read, "access.oidc.providerCidrs", cidrBlock, ["0.0.0.0/0"]),
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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function dnsLabel(v: string): string | undefined {
  return DNS_LABEL.test(v) ? undefined : `expected a DNS-1123 label (lower-case letters, digits and '-'), got "${v}"`;
}

function dnsSubdomain(v: string): string | undefined {
  return v.length <= 253 && v.split(".").every((l) => DNS_LABEL.test(l))
    ? undefined
    : `expected a DNS-1123 name (lower-case labels separated by '.'), got "${v}"`;
}

/** A fully qualified host name: at least two labels, no wildcard, no scheme or port. */
function dnsName(v: string): string | undefined {
  return v.includes(".") && !dnsSubdomain(v)
    ? undefined
    : `expected a host name such as jaeger.internal.example.com (no scheme, port or path), got "${v}"`;
}

function httpsUrl(v: string): string | undefined {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `expected an https URL such as https://login.example.com/realms/staff, got "${v}"`;
  }
  if (url.protocol !== "https:") return `the issuer must be served over https, got "${v}"`;
  if (url.search || url.hash) return `the issuer URL takes no query or fragment, got "${v}"`;
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
