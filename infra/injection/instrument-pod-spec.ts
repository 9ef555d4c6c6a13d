/**
 * The injection, as a pure function from pod spec to pod spec in the manner of the OpenTelemetry
 * Operator: an init container copies the agent into a size-limited emptyDir volume, the app
 * container mounts it read-only and gets the variables that load and configure the agent. The
 * container's own variables always win. Applying it twice gives the same pod spec as applying it once.
 * Used by the DeploymentPatch of deployments owned by other teams and by `instrumentTransform` for
 * workloads this stack declares itself.
 */
import { DOWNWARD_API_ENV, DOWNWARD_API_FIELDS, OTEL_ENV, ORDER_TRACING_ENV } from "../../instrumentation/src/env";
import type { Container, EnvVar, PodSpec, ResourceRequirements, SecurityContext, Volume } from "./kubernetes-types";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security";
import { languageAgent, type Language, type LanguageAgent, type NodeModuleFormat } from "./languages";

/** Name of our init container and of the shared volume in every instrumented pod. */
export const INSTRUMENTATION_VOLUME = "order-tracing-instrumentation";
export const INSTRUMENTATION_INIT_CONTAINER = "order-tracing-instrumentation";

/**
 * The init container runs as NONROOT_UID whatever its image says (the "nonroot" user of distroless
 * images), so `runAsNonRoot` holds for any agent image. emptyDir volumes are world-writable, and
 * `cp` leaves the copied files world-readable for the app's own user.
 */

/** Which container of the pod to instrument, and as which service. */
export interface InjectionTarget {
  /** `service.name` of the spans. */
  serviceName: string;
  container: string;
  language: Language;
  /** Node.js only: `--require` for CommonJS apps (default), `--import` for ESM apps. */
  nodeModuleFormat?: NodeModuleFormat;
  /** Node.js only: order-context and status rules for the bundle, as JSON text (ORDER_TRACING_RULES). */
  orderTracingRules?: string;
}

export interface AgentSettings {
  /** The init-container image carrying the agent; required for the languages in use. */
  image?: string;
  /** sizeLimit of the shared emptyDir volume. */
  volumeSizeLimit: string;
}

export interface InjectionSettings {
  /** In-cluster host of the collector gateway's OTLP Service. */
  collectorHost: string;
  agents: Readonly<Record<Language, AgentSettings>>;
  initContainerResources: ResourceRequirements;
}

export interface InstrumentedPodSpec {
  podSpec: PodSpec;
  /** What could not be injected as asked, for the operator to read (e.g. a NODE_OPTIONS from a Secret). */
  warnings: string[];
}

/** The pod spec cannot be instrumented as asked; the message says why and what to change. */
export class InjectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InjectionError";
  }
}

// Our resource attributes, in the order they are written; each refers to a downward-API variable.
const K8S_RESOURCE_ATTRIBUTES: ReadonlyArray<[attribute: string, variable: string]> = [
  ["k8s.namespace.name", DOWNWARD_API_ENV.namespaceName],
  ["k8s.node.name", DOWNWARD_API_ENV.nodeName],
  ["k8s.pod.name", DOWNWARD_API_ENV.podName],
];

/** The pod-level restricted context at container level (the app's pod may set none), never privileged. */
const INIT_CONTAINER_SECURITY_CONTEXT: SecurityContext = {
  ...restrictedPodSecurity(NONROOT_UID),
  ...restrictedContainerSecurity(),
  privileged: false,
};

export function instrumentPodSpec(
  spec: PodSpec,
  target: InjectionTarget,
  settings: InjectionSettings,
): InstrumentedPodSpec {
  const agent = languageAgent(target.language, target.nodeModuleFormat);
  const { image, volumeSizeLimit } = settings.agents[target.language];
  if (!image) {
    throw new InjectionError(`no init-container image is configured for language "${target.language}"`);
  }
  const index = spec.containers.findIndex((c) => c.name === target.container);
  if (index < 0) {
    const names = spec.containers.map((c) => `"${c.name}"`).join(", ");
    throw new InjectionError(`the pod has no container "${target.container}" (its containers: ${names})`);
  }
  const app = spec.containers[index];
  const clash = (app.volumeMounts ?? []).find(
    (m) => m.mountPath === agent.mountPath && m.name !== INSTRUMENTATION_VOLUME,
  );
  if (clash) {
    throw new InjectionError(
      `container "${app.name}" already mounts volume "${clash.name}" at ${agent.mountPath}, where the agent goes`,
    );
  }

  const warnings: string[] = [];
  const instrumented: Container = {
    ...app,
    env: instrumentEnv(app.env ?? [], agent, target, settings.collectorHost, warnings),
    volumeMounts: upsertByName(app.volumeMounts ?? [], {
      name: INSTRUMENTATION_VOLUME,
      mountPath: agent.mountPath,
      readOnly: true,
    }),
  };
  const initContainer: Container = {
    name: INSTRUMENTATION_INIT_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    command: agent.copyCommand,
    resources: settings.initContainerResources,
    securityContext: INIT_CONTAINER_SECURITY_CONTEXT,
    volumeMounts: [{ name: INSTRUMENTATION_VOLUME, mountPath: agent.mountPath }],
  };
  const volume: Volume = { name: INSTRUMENTATION_VOLUME, emptyDir: { sizeLimit: volumeSizeLimit } };

  return {
    podSpec: {
      ...spec,
      initContainers: upsertByName(spec.initContainers ?? [], initContainer),
      containers: spec.containers.map((c, i) => (i === index ? instrumented : c)),
      volumes: upsertByName(spec.volumes ?? [], volume),
    },
    warnings,
  };
}

function instrumentEnv(
  existing: EnvVar[],
  agent: LanguageAgent,
  target: InjectionTarget,
  collectorHost: string,
  warnings: string[],
): EnvVar[] {
  const env = [...existing];
  const find = (name: string) => env.find((e) => e.name === name);
  const setUnlessPresent = (variable: EnvVar) => {
    if (!find(variable.name)) env.push(variable);
  };
  const where = `container "${target.container}"`;

  for (const key of Object.keys(DOWNWARD_API_ENV) as Array<keyof typeof DOWNWARD_API_ENV>) {
    setUnlessPresent({ name: DOWNWARD_API_ENV[key], valueFrom: { fieldRef: { fieldPath: DOWNWARD_API_FIELDS[key] } } });
  }
  setUnlessPresent({ name: OTEL_ENV.serviceName, value: target.serviceName });
  setUnlessPresent({ name: OTEL_ENV.endpoint, value: `http://${collectorHost}:${agent.otlp.port}` });
  setUnlessPresent({ name: OTEL_ENV.protocol, value: agent.otlp.protocol });
  // The gateway has a traces pipeline only: agents that also export metrics or logs by default
  // (Java, Python, .NET) would retry against it forever.
  setUnlessPresent({ name: "OTEL_TRACES_EXPORTER", value: "otlp" });
  setUnlessPresent({ name: "OTEL_METRICS_EXPORTER", value: "none" });
  setUnlessPresent({ name: "OTEL_LOGS_EXPORTER", value: "none" });
  for (const variable of agent.env) setUnlessPresent(variable);
  if (target.orderTracingRules !== undefined) {
    setUnlessPresent({ name: ORDER_TRACING_ENV.rules, value: target.orderTracingRules });
  }

  for (const activation of agent.activation) {
    const index = env.findIndex((e) => e.name === activation.name);
    const current = env[index];
    if (!current) {
      env.push({ name: activation.name, value: activation.value });
    } else if (current.valueFrom) {
      warnings.push(
        `${where} takes ${activation.name} from ${describeSource(current)}; it is kept as is, so the ` +
          `${target.language} agent is not loaded: add "${activation.value}" to that value`,
      );
    } else if (!(current.value ?? "").includes(activation.marker)) {
      if (activation.join) env[index] = { ...current, value: activation.join(current.value ?? "") };
      else warnings.push(`${where} sets ${activation.name} itself; its value is kept instead of "${activation.value}"`);
    }
  }

  return withResourceAttributes(env, where, warnings);
}

/**
 * Adds our k8s.* resource attributes to OTEL_RESOURCE_ATTRIBUTES (keys the container sets itself
 * win) and moves the variable last: Kubernetes expands `$(VAR)` only from variables defined before it.
 */
function withResourceAttributes(env: EnvVar[], where: string, warnings: string[]): EnvVar[] {
  const index = env.findIndex((e) => e.name === OTEL_ENV.resourceAttributes);
  const ours = (skip: ReadonlySet<string>) =>
    K8S_RESOURCE_ATTRIBUTES.filter(([key]) => !skip.has(key))
      .map(([key, variable]) => `${key}=$(${variable})`)
      .join(",");
  if (index < 0) return [...env, { name: OTEL_ENV.resourceAttributes, value: ours(new Set()) }];

  const current = env[index];
  const rest = env.filter((_, i) => i !== index);
  if (current.valueFrom) {
    warnings.push(
      `${where} takes ${OTEL_ENV.resourceAttributes} from ${describeSource(current)}; it is kept as is, ` +
        `without k8s.namespace.name, k8s.node.name and k8s.pod.name`,
    );
    return env;
  }
  const value = current.value ?? "";
  const present = new Set(
    value
      .split(",")
      .map((pair) => pair.split("=")[0].trim())
      .filter((key) => key !== ""),
  );
  const missing = ours(present);
  const separator = value === "" || value.endsWith(",") || missing === "" ? "" : ",";
  return [...rest, { ...current, value: `${value}${separator}${missing}` }];
}

function describeSource(variable: EnvVar): string {
  const source = Object.keys(variable.valueFrom ?? {})[0] ?? "valueFrom";
  return `a ${source} reference`;
}

/** Replaces the item of the same name, or appends it: a second injection updates, never duplicates. */
function upsertByName<T extends { name: string }>(items: readonly T[], item: T): T[] {
  const index = items.findIndex((i) => i.name === item.name);
  return index < 0 ? [...items, item] : items.map((existing, i) => (i === index ? item : existing));
}
