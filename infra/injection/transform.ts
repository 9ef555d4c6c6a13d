/**
 * The injection as a Pulumi resource transform, for stacks that declare their workloads themselves:
 *
 *   new k8s.apps.v1.Deployment("shop", {...}, { transforms: [instrumentTransform(target, settings)] });
 *
 * Set on a component or the stack, it instruments every Deployment, StatefulSet, DaemonSet or Job
 * whose pod template has the target container, and leaves everything else alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { instrumentPodSpec, type InjectionSettings, type InjectionTarget } from "./instrument-pod-spec";
import type { PodSpec } from "./kubernetes-types";

/** Resource types whose pod template sits at `spec.template.spec`. */
export const POD_TEMPLATE_TYPES: readonly string[] = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:batch/v1:Job",
];

interface WorkloadSpec {
  template?: { spec?: PodSpec; [field: string]: unknown };
  [field: string]: unknown;
}

export function instrumentTransform(target: InjectionTarget, settings: InjectionSettings): pulumi.ResourceTransform {
  const instrumentWorkload = (spec: WorkloadSpec | undefined): WorkloadSpec | undefined => {
    const podSpec = spec?.template?.spec;
    if (!spec || !podSpec?.containers?.some((c) => c.name === target.container)) return spec;
    const instrumented = instrumentPodSpec(podSpec, target, settings);
    for (const warning of instrumented.warnings)
      pulumi.log.warn(`instrumentation of ${target.serviceName}: ${warning}`);
    return { ...spec, template: { ...spec.template, spec: instrumented.podSpec } };
  };

  return (args) => {
    if (!args.custom || !POD_TEMPLATE_TYPES.includes(args.type) || args.props.spec === undefined) return undefined;
    const spec: unknown = args.props.spec;
    // A spec without Outputs is rewritten as is, so previews show the exact change; otherwise the
    // rewrite waits for its values.
    const instrumented = isPlain(spec)
      ? instrumentWorkload(spec as WorkloadSpec)
      : pulumi.output(spec as pulumi.Input<WorkloadSpec>).apply((resolved) => instrumentWorkload(resolved));
    return { props: { ...args.props, spec: instrumented }, opts: args.opts };
  };
}

/** True when a value holds no Output or Promise anywhere inside. */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}
