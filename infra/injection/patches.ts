/**
 * The server-side-apply patches that put the injection into deployments owned by other teams. A
 * patch carries only our fields (the init container, the volume, and in the app container, keyed by
 * its name, the env entries and the volume mount), applied under one fixed field manager: the API
 * server merges them into the team's deployment by the SSA merge keys, and when a service leaves the
 * config, relinquishing that manager removes exactly those fields.
 */
import { INSTRUMENTED_NAMESPACE_LABEL } from "../topology";
import { instrumentPodSpec, type InjectionSettings, type InjectionTarget } from "./instrument-pod-spec";
import type { PodSpec } from "./kubernetes-types";

/** The field manager of every patch this stack applies; the fields it owns are ours and nothing else. */
export const INSTRUMENTATION_FIELD_MANAGER = "order-tracing-instrumentation";

/** Annotations the kubernetes provider reads on Patch resources (pulumi-kubernetes `metadata/annotations.go`). */
const PATCH_FIELD_MANAGER_ANNOTATION = "pulumi.com/patchFieldManager";
const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

export interface PatchOptions {
  /**
   * Take over fields another manager owns (SSA `force`). Off by default: a field the team's own
   * manifest sets (say its own OTEL_SERVICE_NAME) stops the apply with a conflict naming the field,
   * instead of being overwritten.
   */
  forceConflicts: boolean;
}

export interface PatchMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations: Record<string, string>;
}

export interface DeploymentInstrumentationPatch {
  metadata: PatchMetadata;
  spec: { template: { spec: PodSpec } };
}

export interface NamespaceLabelPatch {
  metadata: PatchMetadata;
}

function patchAnnotations(options: PatchOptions): Record<string, string> {
  return {
    [PATCH_FIELD_MANAGER_ANNOTATION]: INSTRUMENTATION_FIELD_MANAGER,
    ...(options.forceConflicts ? { [PATCH_FORCE_ANNOTATION]: "true" } : {}),
  };
}

/**
 * Our fields for one deployment: the injection applied to a pod spec holding only the named
 * container, which yields exactly what the injection adds. The team's own env is not known here, so
 * SSA decides between its values and ours (see PatchOptions.forceConflicts).
 */
export function deploymentInstrumentationPatch(
  deployment: { name: string; namespace: string },
  target: InjectionTarget,
  settings: InjectionSettings,
  options: PatchOptions,
): DeploymentInstrumentationPatch {
  const { podSpec } = instrumentPodSpec({ containers: [{ name: target.container }] }, target, settings);
  return {
    metadata: { name: deployment.name, namespace: deployment.namespace, annotations: patchAnnotations(options) },
    spec: { template: { spec: podSpec } },
  };
}

/** The label that tells the pipeline's NetworkPolicies this namespace sends OTLP to the collector. */
export function namespaceLabelPatch(namespace: string, options: PatchOptions): NamespaceLabelPatch {
  return {
    metadata: {
      name: namespace,
      labels: { [INSTRUMENTED_NAMESPACE_LABEL.key]: INSTRUMENTED_NAMESPACE_LABEL.value },
      annotations: patchAnnotations(options),
    },
  };
}
