import type { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { ingressBackends, routesToTracing } from "../lib/ingress";
import { labelsOf, mayMatch, nameOf, onlyMatches, whenKnown, type LabelSelector, type Props } from "../lib/kubernetes";
import { listSetting, parseProxyConfigFile, proxyContainerSettings, type ProxySettings } from "../lib/oauth2-proxy";
import { objectsOf, workloadsOf, type StackResource } from "../lib/stack";
import {
  APP_LABEL,
  JAEGER_QUERY_SCHEMA,
  TRACING_APPS_SCHEMA,
  TRACING_NAMESPACE_SCHEMA,
  type JaegerQueryConfig,
  type TracingAppsConfig,
  type TracingNamespaceConfig,
  stringList,
} from "./shared-config";

interface Config extends TracingNamespaceConfig, TracingAppsConfig, JaegerQueryConfig {
  allowedGroups: string[];
  allowedProviders: string[];
  otherQueryClients: string[];
}

/**
 * Rule 2. Only the support role reaches the Jaeger UI: every route to tracing ends at the
 * authenticating proxy, the proxy signs people in with OIDC and admits only the allowed groups,
 * and Jaeger query's pods admit connections to query's ports from the proxy only.
 */
export const jaegerUiSupportRoleOnly: StackValidationPolicy = {
  name: "jaeger-ui-support-role-only",
  description:
    "Routes to Jaeger go through the OIDC proxy that admits only the allowed group; a NetworkPolicy admits only the proxy to Jaeger query.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...TRACING_NAMESPACE_SCHEMA,
      ...TRACING_APPS_SCHEMA,
      ...JAEGER_QUERY_SCHEMA,
      allowedGroups: stringList(
        ["support"],
        "The identity provider's groups of the Support role; the proxy may admit only these.",
      ),
      allowedProviders: stringList(["oidc"], "oauth2-proxy providers accepted (OpenID Connect)."),
      otherQueryClients: stringList(
        ["order-report"],
        "app.kubernetes.io/name of in-cluster jobs that read Jaeger query's API besides the proxy (the scheduled report).",
      ),
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<Config>();
    const resources: StackResource[] = args.resources;
    checkRoutes(resources, config, reportViolation);
    checkQueryIsolation(resources, config, reportViolation);
  },
};

/** Ingresses to tracing end at the proxy, and the proxy requires OIDC sign-in of the allowed groups. */
function checkRoutes(resources: StackResource[], config: Config, report: ReportViolation): void {
  const services = objectsOf(resources, ["Service"]);
  const proxyServices = new Set([
    config.proxyApp,
    ...services
      .filter((s) => whenKnown(() => s.props.spec?.selector?.[APP_LABEL] === config.proxyApp, false))
      .map((s) => whenKnown(() => nameOf(s.props), "")),
  ]);
  const ingresses = objectsOf(resources, ["Ingress"]).filter((i) =>
    whenKnown(() => routesToTracing(i.props, config.tracingNamespace, config.tracingApps), false),
  );
  for (const ingress of ingresses) {
    const direct = whenKnown(() => ingressBackends(ingress.props.spec), []).filter((name) => !proxyServices.has(name));
    for (const service of new Set(direct)) {
      report(
        `Ingress "${whenKnown(() => nameOf(ingress.props), ingress.name)}" sends traffic to Service "${service}" directly, ` +
          `skipping sign-in. Route it to the ${config.proxyApp} Service, which forwards signed-in support staff to Jaeger.`,
        ingress.urn,
      );
    }
  }

  const proxies = workloadsOf(resources).filter((w) => w.template.labels[APP_LABEL] === config.proxyApp);
  if (proxies.length === 0) {
    if (ingresses.length > 0) {
      report(
        `Ingresses route to tracing, but this stack declares no ${config.proxyApp} workload (pods labelled ` +
          `${APP_LABEL}=${config.proxyApp}), so nothing proves sign-in is required. Declare the proxy in this stack.`,
        ingresses[0].urn,
      );
    }
    return;
  }
  const file: ProxySettings = {};
  for (const configMap of objectsOf(resources, ["ConfigMap"])) {
    whenKnown(() => {
      if (labelsOf(configMap.props)[APP_LABEL] !== config.proxyApp) return;
      for (const text of Object.values<unknown>(configMap.props.data ?? {})) {
        if (typeof text === "string") Object.assign(file, parseProxyConfigFile(text));
      }
    }, undefined);
  }
  for (const proxy of proxies) {
    const settings = whenKnown(() => proxyContainerSettings(proxy.template.spec, file), undefined);
    if (settings === undefined) continue;
    const what = `The ${config.proxyApp} of "${whenKnown(() => nameOf(proxy.resource.props), proxy.resource.name)}"`;
    const provider = settings.provider;
    if (typeof provider !== "string" || !config.allowedProviders.includes(provider)) {
      report(
        `${what} uses provider "${String(provider ?? "google (the default)")}". Set provider = "${config.allowedProviders[0]}" ` +
          `with the company's OpenID Connect issuer.`,
        proxy.resource.urn,
      );
    }
    const issuer = settings.oidc_issuer_url;
    if (typeof issuer !== "string" || !issuer.startsWith("https://")) {
      report(`${what} has no https oidc_issuer_url. Set it to the identity provider's issuer.`, proxy.resource.urn);
    }
    const groups = listSetting(settings, "allowed_groups");
    const foreign = groups.filter((g) => !config.allowedGroups.includes(g));
    if (groups.length === 0 || foreign.length > 0) {
      report(
        `${what} admits ${groups.length === 0 ? "every signed-in user (no allowed_groups)" : `groups ${foreign.join(", ")}`}. ` +
          `Set allowed_groups to ${JSON.stringify(config.allowedGroups)}, the Support role's groups.`,
        proxy.resource.urn,
      );
    }
    const skipped = [...listSetting(settings, "skip_auth_routes"), ...listSetting(settings, "skip_auth_regex")];
    if (skipped.length > 0 || settings.skip_jwt_bearer_tokens === true) {
      report(
        `${what} lets requests through without sign-in (${skipped.length > 0 ? skipped.join(", ") : "skip_jwt_bearer_tokens"}). ` +
          `Remove skip_auth_routes, skip_auth_regex and skip_jwt_bearer_tokens.`,
        proxy.resource.urn,
      );
    }
  }
}

/** Jaeger query's pods are isolated, and only the proxy (and listed readers) may open query's ports. */
function checkQueryIsolation(resources: StackResource[], config: Config, report: ReportViolation): void {
  const queryPods = workloadsOf(resources, config.tracingNamespace).filter((w) =>
    config.jaegerQueryApps.includes(w.template.labels[APP_LABEL]),
  );
  if (queryPods.length === 0) return;
  const clients = [config.proxyApp, ...config.otherQueryClients];
  const policies = objectsOf(resources, ["NetworkPolicy"], config.tracingNamespace).filter((p) =>
    whenKnown(() => {
      const selector: LabelSelector | undefined = p.props.spec?.podSelector ?? {};
      const types: string[] = p.props.spec?.policyTypes ?? ["Ingress"];
      return types.includes("Ingress") && mayMatch(selector, APP_LABEL, config.jaegerQueryApps);
    }, false),
  );
  if (policies.length === 0) {
    for (const workload of queryPods) {
      report(
        `No NetworkPolicy isolates Jaeger query's pods, so any pod in the cluster can open the UI without signing in. ` +
          `Add one selecting them that admits only the ${config.proxyApp} pods on query's port.`,
        workload.resource.urn,
      );
    }
    return;
  }
  for (const policy of policies) {
    const rules: Props[] = whenKnown(() => [...(policy.props.spec?.ingress ?? [])], []);
    for (const rule of rules) {
      whenKnown(() => {
        if (!opensQueryPort(rule.ports, config.jaegerQueryPorts)) return;
        const peers: Props[] = rule.from ?? [];
        const strangers =
          peers.length === 0
            ? ["every source"]
            : peers
                .filter(
                  (peer) =>
                    peer.ipBlock || peer.namespaceSelector || !onlyMatches(peer.podSelector, APP_LABEL, clients),
                )
                .map((peer) => JSON.stringify(peer));
        if (strangers.length > 0) {
          report(
            `NetworkPolicy "${nameOf(policy.props)}" admits ${strangers.join(", ")} to Jaeger query's port, around the sign-in. ` +
              `Admit only pods labelled ${APP_LABEL} in [${clients.join(", ")}] (no namespaceSelector or ipBlock).`,
            policy.urn,
          );
        }
      }, undefined);
    }
  }
}

/** Whether a rule's port list (none: every port) includes one of query's ports. */
function opensQueryPort(ports: Props[] | undefined, queryPorts: (number | string)[]): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((entry) => {
    const port = entry?.port;
    if (port === undefined) return true;
    if (typeof port === "string") return queryPorts.includes(port);
    const end = typeof entry.endPort === "number" ? entry.endPort : port;
    return queryPorts.some((q) => typeof q === "number" && q >= port && q <= end);
  });
}
