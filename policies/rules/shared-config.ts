/**
 * Config properties several rules share. Each rule declares the ones it reads in its own
 * configSchema, so `--policy-pack-config` can set them per rule; the defaults describe this
 * repository's stack (infra/topology.ts), and another team's stack overrides them.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

type Schema = Record<string, PolicyConfigJSONSchema>;

/** A config property holding a list of strings. */
export const stringList = (defaults: string[], description: string): PolicyConfigJSONSchema => ({
  type: "array",
  items: { type: "string" },
  default: defaults,
  description,
});

export const TRACING_NAMESPACE_SCHEMA: Schema = {
  tracingNamespace: {
    type: "string",
    default: "tracing",
    description: "The namespace that holds the trace pipeline and the Jaeger UI.",
  },
};

export interface TracingNamespaceConfig {
  tracingNamespace: string;
}

/** `app.kubernetes.io/name` of the trace pipeline's parts (PARTS in infra/topology.ts). */
export const TRACING_APPS_SCHEMA: Schema = {
  tracingApps: stringList(
    [
      "jaeger",
      "jaeger-query",
      "otel-collector",
      "otel-collector-sampler",
      "elasticsearch",
      "oauth2-proxy",
      "jaeger-index-cleaner",
      "order-report",
    ],
    "app.kubernetes.io/name of the tracing pods and Services (Services, Ingresses and selectors that name them count as tracing).",
  ),
};

export interface TracingAppsConfig {
  tracingApps: string[];
}

/** Where Jaeger query runs, the proxy in front of it, and the ports of query's UI and API. */
export const JAEGER_QUERY_SCHEMA: Schema = {
  jaegerQueryApps: stringList(
    ["jaeger", "jaeger-query"],
    "app.kubernetes.io/name of the pods that serve Jaeger query.",
  ),
  jaegerQueryPorts: {
    type: "array",
    items: { type: ["integer", "string"] },
    default: [16686, 16685, "query-http", "query-grpc"],
    description: "Jaeger query's HTTP (UI + API) and gRPC ports, as numbers and as the container port names.",
  },
  proxyApp: {
    type: "string",
    default: "oauth2-proxy",
    description: "app.kubernetes.io/name of the authenticating proxy's pods (also its Service's name).",
  },
};

export interface JaegerQueryConfig {
  jaegerQueryApps: string[];
  jaegerQueryPorts: (number | string)[];
  proxyApp: string;
}

/** The label every selector and pod carries the part name in. */
export const APP_LABEL = "app.kubernetes.io/name";
