/**
 * Reading Kubernetes objects as policies see them: by type token (`kubernetes:<group>/<version>:<Kind>`,
 * Patch variants included), without loading the @pulumi/kubernetes SDK, so the pack runs on any
 * team's stack whatever SDK version it uses.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Loosely typed object properties, navigated defensively (the inputs are whatever a program sent). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON
export type Props = Record<string, any>;

export interface KubernetesKind {
  /** API group (`core` for the core group). */
  group: string;
  /** The object's kind; a `…Patch` resource reports the kind it patches. */
  kind: string;
  patch: boolean;
}

/** The kind of a kubernetes resource type token, or undefined for any other provider's type. */
export function kubernetesKind(type: string): KubernetesKind | undefined {
  const match = /^kubernetes:([^/]+)\/[^:]+:([A-Za-z]+)$/.exec(type);
  if (!match) return undefined;
  const [, group, name] = match;
  const patch = name.endsWith("Patch");
  return { group, kind: patch ? name.slice(0, -"Patch".length) : name, patch };
}

export function isKind(type: string, ...kinds: string[]): boolean {
  const parsed = kubernetesKind(type);
  return parsed !== undefined && kinds.includes(parsed.kind);
}

/** The namespace an object lives in (`default` when the program leaves it to the provider). */
export function namespaceOf(props: Props): string {
  const namespace = props.metadata?.namespace;
  return typeof namespace === "string" && namespace !== "" ? namespace : "default";
}

export function nameOf(props: Props): string {
  return String(props.metadata?.name ?? "(unnamed)");
}

export function labelsOf(props: Props): Record<string, string> {
  return { ...(props.metadata?.labels ?? {}) };
}

export function annotationsOf(props: Props): Record<string, string> {
  return { ...(props.metadata?.annotations ?? {}) };
}

/** A pod template found in a workload: where it is, its pod labels and its spec. */
export interface PodTemplate {
  labels: Record<string, string>;
  spec: Props;
}

/** Kinds whose pod template sits at `spec.template`. */
const TEMPLATE_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"];

/** The pod template of a workload (Pod, Deployment, StatefulSet, DaemonSet, Job, CronJob, and their patches). */
export function podTemplateOf(type: string, props: Props): PodTemplate | undefined {
  const kind = kubernetesKind(type)?.kind;
  if (kind === "Pod") return props.spec ? { labels: labelsOf(props), spec: props.spec } : undefined;
  const template =
    kind === "CronJob"
      ? props.spec?.jobTemplate?.spec?.template
      : kind !== undefined && TEMPLATE_KINDS.includes(kind)
        ? props.spec?.template
        : undefined;
  if (!template?.spec) return undefined;
  return { labels: { ...(template.metadata?.labels ?? {}) }, spec: template.spec };
}

/** Every container of a pod spec, init containers first. */
export function containersOf(spec: Props): Props[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** A label selector (`matchLabels` + `matchExpressions`, or a Service's plain map). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a selector may select a pod that carries `key` with one of `values`: it does not
 * exclude such pods. An empty selector selects every pod.
 */
export function mayMatch(selector: LabelSelector | undefined, key: string, values: readonly string[]): boolean {
  if (selector === undefined) return true;
  const label = selector.matchLabels?.[key];
  if (label !== undefined && !values.includes(label)) return false;
  for (const expression of selector.matchExpressions ?? []) {
    if (expression.key !== key) continue;
    const listed = expression.values ?? [];
    if (expression.operator === "In" && !listed.some((v) => values.includes(v))) return false;
    if (expression.operator === "NotIn" && values.every((v) => listed.includes(v))) return false;
    if (expression.operator === "DoesNotExist") return false;
  }
  return true;
}

/** Whether a selector requires `key` to be one of `values` (so it selects only such pods). */
export function onlyMatches(selector: LabelSelector | undefined, key: string, values: readonly string[]): boolean {
  if (selector === undefined) return false;
  const label = selector.matchLabels?.[key];
  if (label !== undefined) return values.includes(label);
  return (selector.matchExpressions ?? []).some(
    (e) =>
      e.key === key && e.operator === "In" && (e.values ?? []).length > 0 && e.values!.every((v) => values.includes(v)),
  );
}

/**
 * Runs `read` and returns its result, or `fallback` when it touches a value that is unknown during
 * a preview (an output of a resource not created yet). Stack rules use it per resource, so one
 * unknown value does not stop the whole rule.
 */
export function whenKnown<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return fallback;
    throw error;
  }
}
