import type { AccessConfig } from "../config/access";
import { parseStackConfig } from "../config";

/** Access sections as a platform engineer writes them in a stack file (tests only). */
export const NGINX_ACCESS = {
  host: "jaeger.dev.order-tracing.internal",
  officeCidrs: ["10.20.0.0/16"],
  vpnCidrs: ["100.96.0.0/12"],
  ingress: { controller: "nginx", className: "nginx-internal" },
  tls: { clusterIssuer: "internal-ca" },
  oidc: { issuerUrl: "https://sso.order-tracing.internal/realms/staff", clientId: "jaeger-ui" },
};

export const ALB_ACCESS = {
  host: "jaeger.order-tracing.internal",
  officeCidrs: ["10.20.0.0/16"],
  vpnCidrs: ["10.99.0.0/16"],
  ingress: { controller: "alb", albSubnetCidrs: ["10.0.0.0/20", "10.0.16.0/20"] },
  tls: { certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/0f2c7c1e-1111-4222-8333-944455556666" },
  oidc: { issuerUrl: "https://sso.order-tracing.internal/realms/staff", clientId: "jaeger-ui" },
};

/** The OIDC client secret, set as a Pulumi secret. */
export const CLIENT_SECRET = { oidcClientSecret: "client-secret-under-test" };
export const SECRET_KEYS: ReadonlySet<string> = new Set(["oidcClientSecret"]);

/** An access section validated exactly as the stack validates it. */
export function parsedAccess(raw: Record<string, unknown>, stack = "dev"): AccessConfig {
  const access = parseStackConfig(stack, { access: raw, ...CLIENT_SECRET }, SECRET_KEYS).access;
  if (!access) throw new Error("the access section did not parse");
  return access;
}
