/** Labels every object of the stack carries, so operators and policies can find them. */
export const PART_OF = "order-tracing";

export function commonLabels(component: string): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The labels a pod builder puts on a workload's pods. */
export interface PodLabels {
  /** The selector labels that pick the pods. */
  pods: Record<string, string>;
  /** Every label of the pods: the selector's and the common ones. */
  labels: Record<string, string>;
}
