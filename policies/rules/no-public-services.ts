import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import * as k8s from "@pulumi/kubernetes";
import { TRACING_NAMESPACE_SCHEMA, type TracingNamespaceConfig } from "./shared-config";

const EXPOSING_TYPES = ["LoadBalancer", "NodePort"];

/**
 * The Jaeger UI and the trace pipeline stay internal: no Service in the tracing namespace may be
 * exposed outside the cluster; the only way in is the internal ingress and its authenticating proxy.
 */
export const noPublicServices: ResourceValidationPolicy = {
  name: "tracing-services-internal-only",
  description: "No Service of type LoadBalancer or NodePort in the tracing namespace.",
  enforcementLevel: "mandatory",
  configSchema: { properties: { ...TRACING_NAMESPACE_SCHEMA } },
  validateResource: validateResourceOfType(k8s.core.v1.Service, (service, args, reportViolation) => {
    const { tracingNamespace } = args.getConfig<TracingNamespaceConfig>();
    const namespace = service.metadata?.namespace ?? "default";
    const type = service.spec?.type ?? "ClusterIP";
    if (namespace === tracingNamespace && EXPOSING_TYPES.includes(type)) {
      reportViolation(
        `Service "${service.metadata?.name}" in namespace "${namespace}" is of type ${type}, which exposes tracing ` +
          `outside the cluster. Use type ClusterIP and reach the Jaeger UI through the internal ingress.`,
      );
    }
  }),
};
