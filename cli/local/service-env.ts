/**
 * The environment of a sandbox service: exactly what the injection sets on the instrumented
 * container in the cluster (infra/injection), with only the locations changed: the agent (our
 * bundle for Node.js, the OpenTelemetry Java agent for the JVM) is loaded from the local build
 * instead of the init container's volume, the collector is the local one, and
 * the downward-API variables (node, pod, namespace) are left out because no pod exists here, so the
 * bundle reports `host.name` as the node id, as it does anywhere outside Kubernetes.
 */
import type { InstrumentationConfig, InstrumentedService } from "../../infra/config/instrumentation";
import { instrumentPodSpec, type InjectionTarget } from "../../infra/injection/instrument-pod-spec";
import type { EnvVar } from "../../infra/injection/kubernetes-types";
import { languageAgent } from "../../infra/injection/languages";
import { OTEL_ENV } from "../../instrumentation/src/env";

export interface LocalInstrumentation {
  /** Folder holding the bundle's register.js (instrumentation/build/bundle). */
  bundleDir: string;
  /** Folder holding the Java agent's javaagent.jar (scripts/build-mes-jvm.sh); for Java services. */
  javaAgentDir?: string;
  /** `http://127.0.0.1:<port>` of the local collector's OTLP gRPC receiver. */
  otlpEndpoint: string;
}

/** `$(VAR)` references in a value, as Kubernetes expands them. */
const VARIABLE_REFERENCE = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/;

/** The injection target of a service listed in the stack's `instrumentation.services`. */
export function injectionTarget(service: InstrumentedService): InjectionTarget {
  return {
    serviceName: service.name,
    container: service.container,
    language: service.language,
    nodeModuleFormat: service.nodeModuleFormat,
    orderTracingRules: service.rules,
  };
}

/** The app's own variables plus the injected ones, as a process environment. */
export function localServiceEnv(
  target: InjectionTarget,
  appEnv: Readonly<Record<string, string>>,
  instrumentation: Pick<InstrumentationConfig, "agents" | "initContainerResources">,
  local: LocalInstrumentation,
): Record<string, string> {
  const agentDir = localAgentDir(target, local);
  const agents = {
    ...instrumentation.agents,
    // The image is never pulled here: the sandbox loads the agent the image would carry.
    [target.language]: {
      ...instrumentation.agents[target.language],
      image: instrumentation.agents[target.language].image ?? "local-agent",
    },
  };
  const { podSpec } = instrumentPodSpec(
    { containers: [{ name: target.container, env: Object.entries(appEnv).map(([name, value]) => ({ name, value })) }] },
    target,
    { collectorHost: "127.0.0.1", agents, initContainerResources: instrumentation.initContainerResources },
  );
  const mountPath = languageAgent(target.language, target.nodeModuleFormat).mountPath;
  const env = podSpec.containers[0].env ?? [];
  return localise(env, mountPath, agentDir, local.otlpEndpoint);
}

/** Where the sandbox keeps what the language's init container would copy into the shared volume. */
function localAgentDir(target: InjectionTarget, local: LocalInstrumentation): string {
  if (target.language === "nodejs") return local.bundleDir;
  if (target.language === "java") {
    if (local.javaAgentDir === undefined) {
      throw new Error(`${target.serviceName} is a Java service: the sandbox needs the Java agent's folder`);
    }
    return local.javaAgentDir;
  }
  throw new Error(`the sandbox runs Node.js and Java services only; ${target.serviceName} is ${target.language}`);
}

function localise(
  env: readonly EnvVar[],
  mountPath: string,
  agentDir: string,
  otlpEndpoint: string,
): Record<string, string> {
  const omitted = new Set(env.filter((variable) => variable.valueFrom !== undefined).map((v) => v.name));
  const result: Record<string, string> = {};
  for (const variable of env) {
    if (variable.valueFrom !== undefined || variable.value === undefined) continue;
    let value = variable.value.split(mountPath).join(agentDir);
    if (variable.name === OTEL_ENV.endpoint) value = otlpEndpoint;
    if (variable.name === OTEL_ENV.resourceAttributes) {
      value = value
        .split(",")
        .filter((pair) => {
          const reference = VARIABLE_REFERENCE.exec(pair);
          return !(reference && omitted.has(reference[1]));
        })
        .join(",");
      if (value === "") continue;
    }
    result[variable.name] = value;
  }
  return result;
}
