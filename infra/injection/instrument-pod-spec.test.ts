import { describe, expect, it } from "vitest";
import { TEST_BUNDLE_IMAGE, testInjectionSettings } from "../testing/injection-settings";
import { PORTS } from "../topology";
import { NONROOT_UID } from "../pod-security";
import {
  INSTRUMENTATION_INIT_CONTAINER,
  INSTRUMENTATION_VOLUME,
  InjectionError,
  instrumentPodSpec,
  type InjectionTarget,
} from "./instrument-pod-spec";
import type { Container, EnvVar, PodSpec } from "./kubernetes-types";

const settings = testInjectionSettings();
const collectorHost = settings.collectorHost;
const shop: InjectionTarget = { serviceName: "shop", container: "shop", language: "nodejs" };

function podWith(app: Partial<Container> = {}, extra: Partial<PodSpec> = {}): PodSpec {
  return {
    containers: [
      { name: "shop", image: "registry.example.test/shop:1.4.2", ports: [{ containerPort: 8080 }], ...app },
      { name: "log-shipper", image: "registry.example.test/log-shipper:2.0" },
    ],
    ...extra,
  };
}

const appContainer = (spec: PodSpec, name = "shop"): Container => spec.containers.find((c) => c.name === name)!;
const envOf = (spec: PodSpec, name = "shop"): EnvVar[] => appContainer(spec, name).env ?? [];
const valueOf = (spec: PodSpec, variable: string, name = "shop") =>
  envOf(spec, name).find((e) => e.name === variable)?.value;

describe("instrumentPodSpec (Node.js)", () => {
  const { podSpec, warnings } = instrumentPodSpec(podWith(), shop, settings);

  it("adds an init container that copies the bundle, hardened and with the configured resources", () => {
    expect(podSpec.initContainers).toEqual([
      {
        name: INSTRUMENTATION_INIT_CONTAINER,
        image: TEST_BUNDLE_IMAGE,
        imagePullPolicy: "IfNotPresent",
        command: ["cp", "-r", "/instrumentation/.", "/otel-auto-instrumentation-nodejs"],
        resources: settings.initContainerResources,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: NONROOT_UID,
          runAsGroup: NONROOT_UID,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: [{ name: INSTRUMENTATION_VOLUME, mountPath: "/otel-auto-instrumentation-nodejs" }],
      },
    ]);
  });

  it("shares the bundle through a size-limited emptyDir, mounted read-only in the app container only", () => {
    expect(podSpec.volumes).toEqual([{ name: INSTRUMENTATION_VOLUME, emptyDir: { sizeLimit: "64Mi" } }]);
    expect(appContainer(podSpec).volumeMounts).toEqual([
      { name: INSTRUMENTATION_VOLUME, mountPath: "/otel-auto-instrumentation-nodejs", readOnly: true },
    ]);
    expect(appContainer(podSpec, "log-shipper")).toEqual(podWith().containers[1]);
  });

  it("loads the bundle with --require and points it at the collector's OTLP gRPC port", () => {
    expect(valueOf(podSpec, "NODE_OPTIONS")).toBe("--require /otel-auto-instrumentation-nodejs/register.js");
    expect(valueOf(podSpec, "OTEL_SERVICE_NAME")).toBe("shop");
    expect(valueOf(podSpec, "OTEL_EXPORTER_OTLP_ENDPOINT")).toBe(`http://${collectorHost}:${PORTS.otlpGrpc}`);
    expect(valueOf(podSpec, "OTEL_EXPORTER_OTLP_PROTOCOL")).toBe("grpc");
    expect(warnings).toEqual([]);
  });

  it("takes node, pod and namespace from the downward API, defined before the attributes that expand them", () => {
    const env = envOf(podSpec);
    const fieldOf = (name: string) => env.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect(fieldOf("OTEL_K8S_NODE_NAME")).toBe("spec.nodeName");
    expect(fieldOf("OTEL_K8S_POD_NAME")).toBe("metadata.name");
    expect(fieldOf("OTEL_K8S_NAMESPACE_NAME")).toBe("metadata.namespace");
    expect(env[env.length - 1]).toEqual({
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value:
        "k8s.namespace.name=$(OTEL_K8S_NAMESPACE_NAME),k8s.node.name=$(OTEL_K8S_NODE_NAME),k8s.pod.name=$(OTEL_K8S_POD_NAME)",
    });
  });

  it("keeps every other part of the pod spec", () => {
    const spec = podWith(
      { env: [{ name: "PORT", value: "8080" }] },
      {
        serviceAccountName: "shop",
        initContainers: [{ name: "migrate", image: "registry.example.test/shop-migrate:1.4.2" }],
        volumes: [{ name: "tmp", emptyDir: {} }],
      },
    );
    const result = instrumentPodSpec(spec, shop, settings).podSpec;
    expect(result.serviceAccountName).toBe("shop");
    expect(result.initContainers?.map((c) => c.name)).toEqual(["migrate", INSTRUMENTATION_INIT_CONTAINER]);
    expect(result.volumes?.map((v) => v.name)).toEqual(["tmp", INSTRUMENTATION_VOLUME]);
    expect(envOf(result)[0]).toEqual({ name: "PORT", value: "8080" });
    expect(appContainer(result).ports).toEqual([{ containerPort: 8080 }]);
  });

  it("passes the order-context rules and loads ESM apps with --import when asked", () => {
    const rules = JSON.stringify({ http: [{ route: "/orders/:id", param: "id" }] });
    const result = instrumentPodSpec(
      podWith(),
      { ...shop, nodeModuleFormat: "esm", orderTracingRules: rules },
      settings,
    ).podSpec;
    expect(valueOf(result, "ORDER_TRACING_RULES")).toBe(rules);
    expect(valueOf(result, "NODE_OPTIONS")).toBe("--import /otel-auto-instrumentation-nodejs/import.mjs");
  });
});

describe("instrumentPodSpec with the container's own settings", () => {
  it("appends to an existing NODE_OPTIONS instead of replacing it", () => {
    const spec = podWith({ env: [{ name: "NODE_OPTIONS", value: "--max-old-space-size=384" }] });
    expect(valueOf(instrumentPodSpec(spec, shop, settings).podSpec, "NODE_OPTIONS")).toBe(
      "--max-old-space-size=384 --require /otel-auto-instrumentation-nodejs/register.js",
    );
  });

  it("lets the container's own variables win, and adds only the resource attributes it does not set", () => {
    const spec = podWith({
      env: [
        { name: "OTEL_RESOURCE_ATTRIBUTES", value: "deployment.environment.name=staging,k8s.pod.name=shop-canary" },
        { name: "OTEL_SERVICE_NAME", value: "shop-storefront" },
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://node-agent.monitoring:4317" },
        { name: "OTEL_K8S_NODE_NAME", value: "edge-node" },
      ],
    });
    const result = instrumentPodSpec(spec, shop, settings).podSpec;
    expect(valueOf(result, "OTEL_SERVICE_NAME")).toBe("shop-storefront");
    expect(valueOf(result, "OTEL_EXPORTER_OTLP_ENDPOINT")).toBe("http://node-agent.monitoring:4317");
    expect(valueOf(result, "OTEL_K8S_NODE_NAME")).toBe("edge-node");
    const env = envOf(result);
    expect(env.filter((e) => e.name === "OTEL_SERVICE_NAME")).toHaveLength(1);
    expect(env[env.length - 1]).toEqual({
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value:
        "deployment.environment.name=staging,k8s.pod.name=shop-canary," +
        "k8s.namespace.name=$(OTEL_K8S_NAMESPACE_NAME),k8s.node.name=$(OTEL_K8S_NODE_NAME)",
    });
  });

  it("keeps a NODE_OPTIONS that comes from a Secret or ConfigMap, and says the bundle is not loaded", () => {
    const fromConfigMap: EnvVar = {
      name: "NODE_OPTIONS",
      valueFrom: { configMapKeyRef: { name: "shop-runtime", key: "node-options" } },
    };
    const { podSpec, warnings } = instrumentPodSpec(podWith({ env: [fromConfigMap] }), shop, settings);
    expect(envOf(podSpec).filter((e) => e.name === "NODE_OPTIONS")).toEqual([fromConfigMap]);
    expect(warnings).toEqual([
      'container "shop" takes NODE_OPTIONS from a configMapKeyRef reference; it is kept as is, so the nodejs ' +
        'agent is not loaded: add "--require /otel-auto-instrumentation-nodejs/register.js" to that value',
    ]);
  });

  it("keeps an OTEL_RESOURCE_ATTRIBUTES from a reference as it is, and says so", () => {
    const fromSecret: EnvVar = {
      name: "OTEL_RESOURCE_ATTRIBUTES",
      valueFrom: { secretKeyRef: { name: "s", key: "k" } },
    };
    const { podSpec, warnings } = instrumentPodSpec(podWith({ env: [fromSecret] }), shop, settings);
    expect(envOf(podSpec).filter((e) => e.name === "OTEL_RESOURCE_ATTRIBUTES")).toEqual([fromSecret]);
    expect(warnings).toEqual([
      'container "shop" takes OTEL_RESOURCE_ATTRIBUTES from a secretKeyRef reference; it is kept as is, ' +
        "without k8s.namespace.name, k8s.node.name and k8s.pod.name",
    ]);
  });
});

describe("instrumentPodSpec is idempotent and pure", () => {
  const cases: Array<[string, InjectionTarget, Partial<Container>]> = [
    ["nodejs", shop, { env: [{ name: "NODE_OPTIONS", value: "--enable-source-maps" }] }],
    [
      "java",
      { serviceName: "mes", container: "shop", language: "java" },
      { env: [{ name: "JAVA_TOOL_OPTIONS", value: "-Xmx512m" }] },
    ],
    [
      "python",
      { serviceName: "crm", container: "shop", language: "python" },
      { env: [{ name: "PYTHONPATH", value: "/app" }] },
    ],
    ["dotnet", { serviceName: "crm", container: "shop", language: "dotnet" }, {}],
  ];

  it.each(cases)(
    "%s: applying twice gives what applying once gives, and the input is not changed",
    (_, target, app) => {
      const input = podWith(app, { volumes: [{ name: "tmp", emptyDir: {} }] });
      const before = structuredClone(input);
      const once = instrumentPodSpec(input, target, settings).podSpec;
      expect(input).toEqual(before);
      expect(instrumentPodSpec(once, target, settings).podSpec).toEqual(once);
    },
  );
});

describe("instrumentPodSpec for other languages", () => {
  it("java: copies the Operator's agent jar and loads it with -javaagent, appended to JAVA_TOOL_OPTIONS", () => {
    const mes: InjectionTarget = { serviceName: "mes", container: "shop", language: "java" };
    const { podSpec } = instrumentPodSpec(
      podWith({ env: [{ name: "JAVA_TOOL_OPTIONS", value: "-Xmx512m" }] }),
      mes,
      settings,
    );
    const init = podSpec.initContainers![0];
    expect(init.image).toBe("ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.31.1");
    expect(init.command).toEqual(["cp", "/javaagent.jar", "/otel-auto-instrumentation-java/javaagent.jar"]);
    expect(valueOf(podSpec, "JAVA_TOOL_OPTIONS")).toBe(
      "-Xmx512m -javaagent:/otel-auto-instrumentation-java/javaagent.jar",
    );
    expect(valueOf(podSpec, "OTEL_EXPORTER_OTLP_ENDPOINT")).toBe(`http://${collectorHost}:${PORTS.otlpGrpc}`);
    expect(valueOf(podSpec, "OTEL_JAVA_EXPERIMENTAL_SPAN_ATTRIBUTES_COPY_FROM_BAGGAGE_INCLUDE")).toBe("order.id");
    expect(valueOf(podSpec, "OTEL_METRICS_EXPORTER")).toBe("none");
    expect(podSpec.volumes).toEqual([{ name: INSTRUMENTATION_VOLUME, emptyDir: { sizeLimit: "64Mi" } }]);
  });

  it("python: wraps PYTHONPATH the Operator's way and exports OTLP/HTTP", () => {
    const target: InjectionTarget = { serviceName: "crm", container: "shop", language: "python" };
    const { podSpec } = instrumentPodSpec(podWith({ env: [{ name: "PYTHONPATH", value: "/app" }] }), target, settings);
    const mount = "/otel-auto-instrumentation-python";
    expect(valueOf(podSpec, "PYTHONPATH")).toBe(
      `${mount}/opentelemetry/instrumentation/auto_instrumentation:/app:${mount}`,
    );
    expect(valueOf(podSpec, "OTEL_EXPORTER_OTLP_PROTOCOL")).toBe("http/protobuf");
    expect(valueOf(podSpec, "OTEL_EXPORTER_OTLP_ENDPOINT")).toBe(`http://${collectorHost}:${PORTS.otlpHttp}`);
  });

  it("dotnet: enables the CLR profiler and startup hook, keeping a profiler the container chose", () => {
    const target: InjectionTarget = { serviceName: "crm", container: "shop", language: "dotnet" };
    const spec = podWith({ env: [{ name: "DOTNET_STARTUP_HOOKS", value: "/app/Hooks.dll" }] });
    const { podSpec, warnings } = instrumentPodSpec(spec, target, settings);
    const mount = "/otel-auto-instrumentation-dotnet";
    expect(valueOf(podSpec, "CORECLR_ENABLE_PROFILING")).toBe("1");
    expect(valueOf(podSpec, "DOTNET_STARTUP_HOOKS")).toBe(
      `/app/Hooks.dll:${mount}/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll`,
    );
    expect(valueOf(podSpec, "OTEL_DOTNET_AUTO_HOME")).toBe(mount);
    expect(warnings).toEqual([]);

    const ownProfiler = podWith({
      env: [{ name: "CORECLR_PROFILER", value: "{00000000-0000-0000-0000-000000000001}" }],
    });
    const kept = instrumentPodSpec(ownProfiler, target, settings);
    expect(valueOf(kept.podSpec, "CORECLR_PROFILER")).toBe("{00000000-0000-0000-0000-000000000001}");
    expect(kept.warnings).toEqual([
      'container "shop" sets CORECLR_PROFILER itself; its value is kept instead of "{918728DD-259F-4A6A-AC2B-B85E1B658318}"',
    ]);
  });
});

describe("instrumentPodSpec refuses what it cannot do", () => {
  it("names the missing container and the ones the pod has", () => {
    expect(() => instrumentPodSpec(podWith(), { ...shop, container: "api" }, settings)).toThrow(
      new InjectionError('the pod has no container "api" (its containers: "shop", "log-shipper")'),
    );
  });

  it("needs an image for the language", () => {
    const noImage = { ...settings, agents: { ...settings.agents, nodejs: { volumeSizeLimit: "64Mi" } } };
    expect(() => instrumentPodSpec(podWith(), shop, noImage)).toThrow(/no init-container image .* "nodejs"/);
  });

  it("does not shadow a volume the container already mounts at the agent's path", () => {
    const spec = podWith({ volumeMounts: [{ name: "agents", mountPath: "/otel-auto-instrumentation-nodejs" }] });
    expect(() => instrumentPodSpec(spec, shop, settings)).toThrow(/already mounts volume "agents"/);
  });
});
