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

/**
 * A self-signed CA certificate (EC P-256, valid until 2126) standing for a company CA that signed the
 * identity provider's certificate (`access.oidc.providerCa`). Its key was thrown away: nothing can be
 * signed with it.
 */
export const TEST_PROVIDER_CA = `-----BEGIN CERTIFICATE-----
MIIByzCCAXGgAwIBAgIUPLz3dd8qrW5iip7w/XcUayhRIzkwCgYIKoZIzj0EAwIw
MjEwMC4GA1UEAwwnb3JkZXItdHJhY2luZyB0ZXN0IGlkZW50aXR5IHByb3ZpZGVy
IENBMCAXDTI2MTIwNjE0MDMxM1oYDzIxMjYxMTEyMTQwMzEzWjAyMTAwLgYDVQQD
DCdvcmRlci10cmFjaW5nIHRlc3QgaWRlbnRpdHkgcHJvdmlkZXIgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASGrW0u70BzQ/bvFW1CQJi8t9DckTwPeEKHvro+
bwUdvOBR939i7701ruZWFfDbGa0V6CKBB0IfbJZ90SLgXecio2MwYTAdBgNVHQ4E
FgQUC7jm3uiWCizhNne+sywhL6x/1fYwHwYDVR0jBBgwFoAUC7jm3uiWCizhNne+
sywhL6x/1fYwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwCgYIKoZI
zj0EAwIDSAAwRQIgftl1AcKZbuZTM70lb5IzXx1AIBpKa5WJrxBjHaySxRUCIQD+
r6/gGpR3j2AX7VfP1fhcTPEWmT1h9jU9YyVmTJA+aQ==
-----END CERTIFICATE-----
`;

/** The OIDC client secret, set as a Pulumi secret. */
export const CLIENT_SECRET = { oidcClientSecret: "client-secret-under-test" };
export const SECRET_KEYS: ReadonlySet<string> = new Set(["oidcClientSecret"]);

/** An access section validated exactly as the stack validates it. */
export function parsedAccess(raw: Record<string, unknown>, stack = "dev"): AccessConfig {
  const access = parseStackConfig(stack, { access: raw, ...CLIENT_SECRET }, SECRET_KEYS).access;
  if (!access) throw new Error("the access section did not parse");
  return access;
}
