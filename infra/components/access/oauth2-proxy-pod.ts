import type * as k8s from "@pulumi/kubernetes";
import { toolVersion } from "../../tool-versions";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../../pod-security";
import { PORTS } from "../../topology";
import { OAUTH2_PROXY_PATHS, OAUTH2_PROXY_SECRET_ENV } from "./oauth2-proxy-config";

type PodSpec = k8s.types.input.core.v1.PodSpec;

/** Keys of the proxy's Kubernetes Secret. */
export const PROXY_SECRET_KEYS = { clientSecret: "client-secret", cookieSecret: "cookie-secret" } as const;

/** The config file's name inside the ConfigMap and its mount folder in the pod. */
export const PROXY_CONFIG_FILE = "oauth2-proxy.cfg";
const CONFIG_DIR = "/etc/oauth2-proxy";
/** The identity provider's CA certificates (`access.oidc.providerCa`), a second key of that ConfigMap. */
export const PROVIDER_CA_FILE = "provider-ca.pem";

/** Where a key of the proxy's ConfigMap is found in the pod. */
export function proxyConfigPath(file: string): string {
  return `${CONFIG_DIR}/${file}`;
}

/** The upstream oauth2-proxy image of the release pinned in tools/versions.env. */
export function oauth2ProxyImage(): string {
  return `quay.io/oauth2-proxy/oauth2-proxy:v${toolVersion("OAUTH2_PROXY_VERSION")}`;
}

export interface ProxyPodParams {
  image: string;
  configMapName: string;
  secretName: string;
}

/** The proxy's pod: config from the ConfigMap, secrets from the Secret, locked down, probed. */
export function buildOAuth2ProxyPodSpec(params: ProxyPodParams): PodSpec {
  const fromSecret = (key: string) => ({ secretKeyRef: { name: params.secretName, key } });
  return {
    // The proxy never talks to the Kubernetes API.
    automountServiceAccountToken: false,
    // The distroless image's non-root user.
    securityContext: restrictedPodSecurity(NONROOT_UID),
    containers: [
      {
        name: "oauth2-proxy",
        image: params.image,
        args: [`--config=${proxyConfigPath(PROXY_CONFIG_FILE)}`],
        env: [
          { name: OAUTH2_PROXY_SECRET_ENV.clientSecret, valueFrom: fromSecret(PROXY_SECRET_KEYS.clientSecret) },
          { name: OAUTH2_PROXY_SECRET_ENV.cookieSecret, valueFrom: fromSecret(PROXY_SECRET_KEYS.cookieSecret) },
        ],
        ports: [{ name: "http", containerPort: PORTS.oauth2Proxy, protocol: "TCP" }],
        readinessProbe: { httpGet: { path: OAUTH2_PROXY_PATHS.ready, port: "http" }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: OAUTH2_PROXY_PATHS.ping, port: "http" }, periodSeconds: 20 },
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
      },
    ],
    volumes: [{ name: "config", configMap: { name: params.configMapName } }],
  };
}
