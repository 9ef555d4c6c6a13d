import type * as k8s from "@pulumi/kubernetes";
import type { AccessConfig } from "../../config/access";
import { OAUTH2_PROXY_PATHS } from "./oauth2-proxy-config";

type IngressSpec = k8s.types.input.networking.v1.IngressSpec;

export interface IngressBackend {
  serviceName: string;
  port: number;
}

/** The Ingress of the Jaeger UI: annotations for the chosen internal controller, and its spec. */
export interface JaegerUiIngress {
  annotations: Record<string, string>;
  spec: IngressSpec;
}

/** An AWS security policy that allows TLS 1.2 and 1.3 only. */
const ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * Builds the internal-only Ingress that sends the UI host to the OIDC proxy. Two layers keep it
 * internal: the controller itself is internal (an internal ingress-nginx class, or an ALB with
 * scheme internal), and the source allowlist admits only the office and VPN ranges.
 */
export function buildJaegerUiIngress(access: AccessConfig, backend: IngressBackend): JaegerUiIngress {
  const rule = {
    host: access.host,
    http: {
      paths: [
        {
          path: "/",
          pathType: "Prefix",
          backend: { service: { name: backend.serviceName, port: { number: backend.port } } },
        },
      ],
    },
  };
  const sourceRanges = access.allowedCidrs.join(",");

  if (access.tls.source === "acm") {
    return {
      annotations: {
        "alb.ingress.kubernetes.io/scheme": "internal",
        // Targets are the proxy pods' IPs: the proxy Service stays ClusterIP (no NodePort).
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/inbound-cidrs": sourceRanges,
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/certificate-arn": access.tls.certificateArn,
        "alb.ingress.kubernetes.io/ssl-policy": ALB_SSL_POLICY,
        "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
        "alb.ingress.kubernetes.io/healthcheck-path": OAUTH2_PROXY_PATHS.ping,
      },
      spec: { ingressClassName: access.ingress.className, tls: [{ hosts: [access.host] }], rules: [rule] },
    };
  }

  const certManager = access.tls.certManager;
  return {
    annotations: {
      "nginx.ingress.kubernetes.io/whitelist-source-range": sourceRanges,
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/backend-protocol": "HTTP",
      ...(certManager === undefined
        ? {}
        : {
            [certManager.kind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer"]:
              certManager.name,
          }),
    },
    spec: {
      ingressClassName: access.ingress.className,
      tls: [{ hosts: [access.host], secretName: access.tls.secretName }],
      rules: [rule],
    },
  };
}

/** The URL people open: the UI host and Jaeger's base path (`/` or a prefix such as `/jaeger`). */
export function jaegerUiUrl(access: Pick<AccessConfig, "host">, basePath = "/"): string {
  return `https://${access.host}${basePath.replace(/\/+$/, "")}/`;
}
