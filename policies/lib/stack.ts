/** What stack rules read of each resource; PolicyResource satisfies it, and so do test fixtures. */
import { kubernetesKind, namespaceOf, podTemplateOf, whenKnown, type PodTemplate, type Props } from "./kubernetes";

export interface StackResource {
  type: string;
  props: Props;
  urn: string;
  name: string;
}

/** Kubernetes objects of some kinds (Patch variants included), optionally in one namespace. */
export function objectsOf(resources: readonly StackResource[], kinds: string[], namespace?: string): StackResource[] {
  return resources.filter((r) => {
    const kind = kubernetesKind(r.type)?.kind;
    if (kind === undefined || !kinds.includes(kind)) return false;
    return namespace === undefined || whenKnown(() => namespaceOf(r.props), undefined) === namespace;
  });
}

/** Whether the stack declares anything in the namespace (a rule about the namespace applies). */
export function declaresNamespace(resources: readonly StackResource[], namespace: string): boolean {
  return resources.some((r) => {
    const kind = kubernetesKind(r.type)?.kind;
    if (kind === undefined) return false;
    return whenKnown(
      () => (kind === "Namespace" ? r.props.metadata?.name === namespace : namespaceOf(r.props) === namespace),
      false,
    );
  });
}

export interface Workload {
  resource: StackResource;
  template: PodTemplate;
}

/** Every workload with a pod template (Pods, Deployments, StatefulSets, Jobs, CronJobs, their patches). */
export function workloadsOf(resources: readonly StackResource[], namespace?: string): Workload[] {
  const workloads: Workload[] = [];
  for (const resource of resources) {
    const template = whenKnown(() => podTemplateOf(resource.type, resource.props), undefined);
    if (template === undefined) continue;
    if (namespace !== undefined && whenKnown(() => namespaceOf(resource.props), undefined) !== namespace) continue;
    workloads.push({ resource, template });
  }
  return workloads;
}
