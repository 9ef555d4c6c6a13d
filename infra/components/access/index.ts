import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { AccessConfig } from "../../config/access";
import { commonLabels } from "../../labels";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../../topology";
import { SERVE_PATHS } from "../../../cli/report/serve-paths";
import { CookieSecret } from "./cookie-secret";
import { buildJaegerUiIngress, jaegerUiUrl } from "./ingress";
import { buildJaegerQueryNetworkPolicy, buildProxyNetworkPolicy } from "./network-policies";
import { urlPort } from "../../config/validators";
import { buildOAuth2ProxyConfig, renderOAuth2ProxyConfig } from "./oauth2-proxy-config";
import {
  buildOAuth2ProxyPodSpec,
  oauth2ProxyImage,
  PROVIDER_CA_FILE,
  PROXY_CONFIG_FILE,
  PROXY_SECRET_KEYS,
  proxyConfigPath,
} from "./oauth2-proxy-pod";

export interface JaegerQueryAccessArgs {
  /** The tracing namespace (validated config); the access path lives beside Jaeger. */
  namespace: string;
  access: AccessConfig;
  /** The OIDC client secret, a Pulumi secret read by the composition root. */
  oidcClientSecret: pulumi.Input<string>;
  /**
   * Jaeger query as the proxy reaches it: its Service's DNS name and its pods' labels. Defaults to
   * the Jaeger part of infra/topology.ts.
   */
  jaegerQuery?: { host: string; podLabels: Record<string, string> };
  /** Jaeger's base path (`jaeger.basePath`); default `/`. */
  basePath?: string;
  /**
   * The stuck-orders page of `order-tracing report --serve`, served behind the same sign-in at
   * `/stuck-orders/`: the exporter's Service host and its pods' labels.
   */
  stuckOrdersPage?: { host: string; podLabels: Record<string, string> };
}

const COMPONENT = "access";

/**
 * The only way to the Jaeger UI: an internal-only Ingress (office/VPN CIDRs) → oauth2-proxy (OIDC,
 * support group) → Jaeger query (ClusterIP, admits only the proxy), with the NetworkPolicies that
 * pin those flows.
 */
export class JaegerQueryAccess extends pulumi.ComponentResource {
  /** The URL people open (resolvable and reachable only inside the company network). */
  readonly uiUrl: pulumi.Output<string>;
  /** The stuck-orders page behind the same sign-in; undefined without `stuckOrdersPage`. */
  readonly stuckOrdersPageUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: JaegerQueryAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:access:JaegerQueryAccess", name, {}, opts);
    const { access, namespace } = args;
    const basePath = args.basePath ?? "/";
    const jaegerQuery = args.jaegerQuery ?? {
      host: serviceHost(PARTS.jaeger, namespace),
      podLabels: selectorLabels(PARTS.jaeger),
    };
    const proxyName = PARTS.oauth2Proxy;
    const proxyPods = selectorLabels(PARTS.oauth2Proxy);
    const labels = { ...commonLabels(COMPONENT), ...proxyPods };
    const child = { parent: this };
    const metadata = (objectName: string, extra: Record<string, string> = {}) => ({
      name: objectName,
      namespace,
      labels: { ...labels, ...extra },
    });

    const cookieSecret = new CookieSecret(`${name}-cookie-secret`, child);
    const secret = new k8s.core.v1.Secret(
      `${name}-oauth2-proxy`,
      {
        metadata: metadata(proxyName),
        type: "Opaque",
        stringData: {
          [PROXY_SECRET_KEYS.clientSecret]: pulumi.secret(args.oidcClientSecret),
          [PROXY_SECRET_KEYS.cookieSecret]: cookieSecret.value,
        },
      },
      child,
    );

    const proxyConfig = renderOAuth2ProxyConfig(
      buildOAuth2ProxyConfig({
        listenAddress: `0.0.0.0:${PORTS.oauth2Proxy}`,
        publicUrl: `https://${access.host}`,
        upstreamUrl: `http://${jaegerQuery.host}:${PORTS.jaegerQueryHttp}/`,
        extraUpstreamUrls: args.stuckOrdersPage
          ? [`http://${args.stuckOrdersPage.host}:${PORTS.orderReportHttp}${SERVE_PATHS.proxiedPage}`]
          : [],
        basePath,
        oidc: access.oidc,
        providerCaFile: access.oidc.providerCa === undefined ? undefined : proxyConfigPath(PROVIDER_CA_FILE),
        secureCookies: true,
      }),
    );
    const configFiles: Record<string, string> = {
      [PROXY_CONFIG_FILE]: proxyConfig,
      ...(access.oidc.providerCa === undefined ? {} : { [PROVIDER_CA_FILE]: access.oidc.providerCa }),
    };
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-oauth2-proxy`,
      { metadata: metadata(proxyName), data: configFiles },
      child,
    );

    new k8s.apps.v1.Deployment(
      `${name}-oauth2-proxy`,
      {
        metadata: metadata(proxyName),
        spec: {
          replicas: access.proxyReplicas,
          selector: { matchLabels: proxyPods },
          template: {
            metadata: {
              labels,
              // A config or CA change rolls the pods (they read the files only at start).
              annotations: {
                "checksum/config": createHash("sha256").update(JSON.stringify(configFiles)).digest("hex"),
              },
            },
            spec: buildOAuth2ProxyPodSpec({
              image: oauth2ProxyImage(),
              configMapName: proxyName,
              secretName: proxyName,
            }),
          },
        },
      },
      { ...child, dependsOn: [configMap, secret] },
    );

    const service = new k8s.core.v1.Service(
      `${name}-oauth2-proxy`,
      {
        metadata: metadata(proxyName),
        spec: {
          type: "ClusterIP",
          selector: proxyPods,
          ports: [{ name: "http", port: PORTS.oauth2Proxy, targetPort: "http", protocol: "TCP" }],
        },
      },
      child,
    );

    const ingress = buildJaegerUiIngress(access, { serviceName: proxyName, port: PORTS.oauth2Proxy });
    new k8s.networking.v1.Ingress(
      `${name}-jaeger-ui`,
      {
        metadata: { ...metadata("jaeger-ui"), annotations: ingress.annotations },
        spec: ingress.spec,
      },
      { ...child, dependsOn: [service] },
    );

    const policyParts = {
      proxyPods,
      jaegerQueryPods: jaegerQuery.podLabels,
      proxyClients: access.proxyClients,
      identityProvider: { cidrs: access.oidc.providerCidrs, port: urlPort(access.oidc.issuerUrl) },
      stuckOrdersPagePods: args.stuckOrdersPage?.podLabels,
    };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-oauth2-proxy`,
      { metadata: metadata(proxyName), spec: buildProxyNetworkPolicy(policyParts) },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-jaeger-query`,
      { metadata: metadata("jaeger-query-from-oauth2-proxy"), spec: buildJaegerQueryNetworkPolicy(policyParts) },
      child,
    );

    this.uiUrl = pulumi.output(jaegerUiUrl(access, basePath));
    this.stuckOrdersPageUrl = pulumi.output(
      args.stuckOrdersPage ? `https://${access.host}${SERVE_PATHS.proxiedPage}` : undefined,
    );
    this.registerOutputs({ uiUrl: this.uiUrl, stuckOrdersPageUrl: this.stuckOrdersPageUrl });
  }
}
