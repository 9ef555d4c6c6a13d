/**
 * The agent each language gets, in the manner of the OpenTelemetry Operator: what the init
 * container copies into the shared volume, where the app container sees it, which variables make the
 * runtime load it, and how the agent exports. Node.js gets our own bundle (instrumentation/); Java,
 * Python and .NET get the agent images the Operator publishes, loaded the way the Operator loads them.
 */
import { ORDER_ID_BAGGAGE_KEY } from "../../contract/trace";
import { IMAGE_BUNDLE_DIR, IMPORT_ENTRY, REGISTER_ENTRY } from "../../instrumentation/src/env";
import { PORTS } from "../topology";
import type { EnvVar } from "./kubernetes-types";

export const LANGUAGES = ["nodejs", "java", "python", "dotnet"] as const;
export type Language = (typeof LANGUAGES)[number];

/** How a Node.js app loads modules: CommonJS apps take `--require`, ESM apps `--import`. */
export const NODE_MODULE_FORMATS = ["commonjs", "esm"] as const;
export type NodeModuleFormat = (typeof NODE_MODULE_FORMATS)[number];

/** Where the OpenTelemetry Operator publishes its auto-instrumentation images. */
const OPERATOR_IMAGES = "ghcr.io/open-telemetry/opentelemetry-operator";

/**
 * Default agent images: those an Operator release (v0.160) ships. Node.js has none: its image is our
 * bundle (instrumentation-nodejs of `npm run images`), pushed to the stack's own registry. A stack pins others with
 * `instrumentation.<language>.image`.
 */
export const DEFAULT_AGENT_IMAGES: Readonly<Partial<Record<Language, string>>> = {
  java: `${OPERATOR_IMAGES}/autoinstrumentation-java:2.31.1`,
  python: `${OPERATOR_IMAGES}/autoinstrumentation-python:0.65b0`,
  dotnet: `${OPERATOR_IMAGES}/autoinstrumentation-dotnet:1.16.0`,
};

/**
 * Size limits of the shared volume: a little above what each agent occupies (our bundle stays
 * under 40 MiB, the Java agent jar is about 25 MiB; the Python and .NET distributions are larger,
 * so they keep the Operator's default).
 */
export const DEFAULT_VOLUME_SIZE_LIMITS: Readonly<Record<Language, string>> = {
  nodejs: "64Mi",
  java: "64Mi",
  python: "200Mi",
  dotnet: "200Mi",
};

/**
 * A variable that makes the runtime load the agent. When the container already sets it, `join`
 * combines the container's value with ours (the container's own content is kept); without `join`
 * the container's value wins and ours is not used.
 */
export interface ActivationVariable {
  name: string;
  value: string;
  join?: (existing: string) => string;
  /** Found in a value that already carries ours, so applying the injection twice equals once. */
  marker: string;
}

export interface LanguageAgent {
  /** Where the shared volume is mounted, in the init container and (read-only) in the app container. */
  mountPath: string;
  /** The init container's command: copies the agent from its image into the shared volume. */
  copyCommand: string[];
  /** How this agent exports to the collector gateway. */
  otlp: { protocol: "grpc" | "http/protobuf"; port: number };
  activation: ActivationVariable[];
  /** Further settings of this agent; the container's own values win. */
  env: EnvVar[];
}

const mountPathOf = (language: Language): string => `/otel-auto-instrumentation-${language}`;

/** Appends a command-line option to an options variable such as NODE_OPTIONS or JAVA_TOOL_OPTIONS. */
function appendOption(name: string, option: string): ActivationVariable {
  return { name, value: option, join: (existing) => `${existing.trimEnd()} ${option}`.trim(), marker: option };
}

/** Appends a path to a `:`-separated path list such as DOTNET_STARTUP_HOOKS. */
function appendPath(name: string, path: string): ActivationVariable {
  return { name, value: path, join: (existing) => `${existing}:${path}`, marker: path };
}

/** A setting the agent needs, unless the container sets it itself. */
function unlessSet(name: string, value: string): ActivationVariable {
  return { name, value, marker: value };
}

export function languageAgent(language: Language, nodeModuleFormat: NodeModuleFormat = "commonjs"): LanguageAgent {
  const mountPath = mountPathOf(language);
  const grpc = { protocol: "grpc", port: PORTS.otlpGrpc } as const;
  // The Operator's Python and .NET images carry only the OTLP/HTTP exporter.
  const http = { protocol: "http/protobuf", port: PORTS.otlpHttp } as const;
  switch (language) {
    case "nodejs": {
      const loadOption =
        nodeModuleFormat === "esm"
          ? `--import ${mountPath}/${IMPORT_ENTRY}`
          : `--require ${mountPath}/${REGISTER_ENTRY}`;
      return {
        mountPath,
        copyCommand: ["cp", "-r", `${IMAGE_BUNDLE_DIR}/.`, mountPath],
        otlp: grpc,
        activation: [appendOption("NODE_OPTIONS", loadOption)],
        env: [],
      };
    }
    case "java":
      return {
        mountPath,
        copyCommand: ["cp", "/javaagent.jar", `${mountPath}/javaagent.jar`],
        otlp: grpc,
        activation: [appendOption("JAVA_TOOL_OPTIONS", `-javaagent:${mountPath}/javaagent.jar`)],
        // The Java agent's baggage span processor: order.id from CRM reaches MES spans without code.
        env: [
          { name: "OTEL_JAVA_EXPERIMENTAL_SPAN_ATTRIBUTES_COPY_FROM_BAGGAGE_INCLUDE", value: ORDER_ID_BAGGAGE_KEY },
        ],
      };
    case "python": {
      // The Operator's layout: its sitecustomize first, the app's own path in between, the packages last.
      const bootstrap = `${mountPath}/opentelemetry/instrumentation/auto_instrumentation`;
      return {
        mountPath,
        copyCommand: ["cp", "-r", "/autoinstrumentation/.", mountPath],
        otlp: http,
        activation: [
          {
            name: "PYTHONPATH",
            value: `${bootstrap}:${mountPath}`,
            join: (existing) => `${bootstrap}:${existing}:${mountPath}`,
            marker: bootstrap,
          },
        ],
        env: [],
      };
    }
    case "dotnet":
      // glibc (linux-x64) runtime images; the Operator's linux-musl-x64 variant is not wired.
      return {
        mountPath,
        copyCommand: ["cp", "-r", "/autoinstrumentation/.", mountPath],
        otlp: http,
        activation: [
          unlessSet("CORECLR_ENABLE_PROFILING", "1"),
          unlessSet("CORECLR_PROFILER", "{918728DD-259F-4A6A-AC2B-B85E1B658318}"),
          unlessSet("CORECLR_PROFILER_PATH", `${mountPath}/linux-x64/OpenTelemetry.AutoInstrumentation.Native.so`),
          appendPath("DOTNET_STARTUP_HOOKS", `${mountPath}/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll`),
          appendPath("DOTNET_ADDITIONAL_DEPS", `${mountPath}/AdditionalDeps`),
          appendPath("DOTNET_SHARED_STORE", `${mountPath}/store`),
          unlessSet("OTEL_DOTNET_AUTO_HOME", mountPath),
        ],
        env: [],
      };
  }
}
