import type { StackValidationPolicy } from "@pulumi/policy";
import { whenKnown, type Props } from "../lib/kubernetes";
import { declaresNamespace, objectsOf } from "../lib/stack";
import { TRACING_NAMESPACE_SCHEMA, type TracingNamespaceConfig } from "./shared-config";

interface Config extends TracingNamespaceConfig {
  denyEgress: boolean;
}

/** Cluster DNS: the one egress a default-deny policy may keep open for every pod. */
const DNS_PORT = 53;

/**
 * Rule 3. The tracing namespace starts from "nothing talks to anything": a NetworkPolicy selecting
 * every pod with no ingress rule (and, by default, egress to cluster DNS only). Each flow of the
 * pipeline is then opened by its own policy, so a new pod is closed until someone opens it.
 */
export const tracingNamespaceDefaultDeny: StackValidationPolicy = {
  name: "tracing-namespace-default-deny",
  description: "The tracing namespace has a default-deny NetworkPolicy (every pod, no ingress, egress to DNS only).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...TRACING_NAMESPACE_SCHEMA,
      denyEgress: {
        type: "boolean",
        default: true,
        description: "Require the default-deny policy to cover egress too (all egress closed but cluster DNS).",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<Config>();
    if (!declaresNamespace(args.resources, config.tracingNamespace)) {
      args.notApplicable(`the stack declares nothing in namespace "${config.tracingNamespace}"`);
    }
    const policies = objectsOf(args.resources, ["NetworkPolicy"], config.tracingNamespace);
    if (policies.some((p) => whenKnown(() => isDefaultDeny(p.props.spec ?? {}, config.denyEgress), false))) return;
    const namespace = objectsOf(args.resources, ["Namespace"]).find((n) =>
      whenKnown(() => n.props.metadata?.name === config.tracingNamespace, false),
    );
    const egress = config.denyEgress ? ', "Egress"' : "";
    reportViolation(
      `Namespace "${config.tracingNamespace}" has no default-deny NetworkPolicy, so every pod in it is open to the ` +
        `whole cluster until a policy selects it. Add one with podSelector: {}, policyTypes: ["Ingress"${egress}], ` +
        `no ingress rules${config.denyEgress ? ", and egress only to cluster DNS (port 53)" : ""}.`,
      namespace?.urn,
    );
  },
};

function isDefaultDeny(spec: Props, denyEgress: boolean): boolean {
  const selector = spec.podSelector ?? {};
  const selectsAll =
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const types: string[] = spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
  if (!selectsAll || !types.includes("Ingress") || (spec.ingress ?? []).length > 0) return false;
  if (!denyEgress) return true;
  const egress: Props[] = spec.egress ?? [];
  return (
    types.includes("Egress") &&
    egress.every((rule) => (rule.ports ?? []).length > 0 && rule.ports.every((p: Props) => Number(p.port) === DNS_PORT))
  );
}
