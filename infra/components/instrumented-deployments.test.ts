import { describe, expect, it } from "vitest";
import type { InstrumentedService } from "../config/instrumentation";
import { DEFAULT_AGENT_IMAGES } from "../injection/languages";
import { testInstrumentationConfig } from "../testing/injection-settings";
import { recordResources, valueOf } from "../testing/mocks";
import { InstrumentedDeployments } from "./instrumented-deployments";

const config = testInstrumentationConfig();

const services: InstrumentedService[] = [
  { name: "shop", namespace: "shop", deployment: "shop", container: "shop", language: "nodejs" },
  { name: "shop-worker", namespace: "shop", deployment: "shop-worker", container: "worker", language: "nodejs" },
  { name: "mes", namespace: "mes", deployment: "mes", container: "mes", language: "java" },
];

interface PatchInputs {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations: Record<string, string> };
  spec?: {
    template: {
      spec: {
        containers: Array<{ name: string; env: Array<{ name: string; value?: string }>; volumeMounts: unknown[] }>;
        initContainers: Array<{ name: string; image: string }>;
        volumes: Array<{ name: string }>;
      };
    };
  };
}

describe("InstrumentedDeployments", () => {
  it("patches each listed deployment with server-side apply under our field manager, carrying only our fields", async () => {
    const declared = recordResources();
    const component = new InstrumentedDeployments("instrumentation", {
      ...config,
      services,
      collectorNamespace: "tracing",
    });
    expect(await valueOf(component.deployments)).toEqual(["shop/shop", "shop/shop-worker", "mes/mes"]);

    const patches = declared.filter((r) => r.type === "kubernetes:apps/v1:DeploymentPatch");
    expect(patches.map((p) => p.name)).toEqual([
      "instrumentation-shop",
      "instrumentation-shop-worker",
      "instrumentation-mes",
    ]);
    const mes = patches[2].inputs as unknown as PatchInputs;
    expect(mes.metadata).toEqual({
      name: "mes",
      namespace: "mes",
      annotations: { "pulumi.com/patchFieldManager": "order-tracing-instrumentation" },
    });
    const podSpec = mes.spec!.template.spec;
    expect(Object.keys(podSpec).sort()).toEqual(["containers", "initContainers", "volumes"]);
    // Keyed by container name (the SSA merge key): no image, command or anything else of the team's.
    expect(podSpec.containers.map((c) => Object.keys(c).sort())).toEqual([["env", "name", "volumeMounts"]]);
    expect(podSpec.containers[0].name).toBe("mes");
    expect(podSpec.containers[0].env.find((e) => e.name === "JAVA_TOOL_OPTIONS")?.value).toBe(
      "-javaagent:/otel-auto-instrumentation-java/javaagent.jar",
    );
    expect(podSpec.initContainers.map((c) => c.image)).toEqual([DEFAULT_AGENT_IMAGES.java]);
    expect(podSpec.volumes.map((v) => v.name)).toEqual(["order-tracing-instrumentation"]);

    const worker = (patches[1].inputs as unknown as PatchInputs).spec!.template.spec.containers[0];
    expect(worker.name).toBe("worker");
    expect(worker.env.find((e) => e.name === "OTEL_SERVICE_NAME")?.value).toBe("shop-worker");
    expect(worker.env.find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).toBe(
      "http://otel-collector.tracing.svc.cluster.local:4317",
    );
  });

  it("labels each app namespace once as instrumented, for the collector's NetworkPolicy", async () => {
    const declared = recordResources();
    const component = new InstrumentedDeployments("instrumentation", {
      ...config,
      services,
      collectorNamespace: "tracing",
    });
    await valueOf(component.deployments);
    const namespaces = declared.filter((r) => r.type === "kubernetes:core/v1:NamespacePatch");
    expect(namespaces.map((n) => (n.inputs as unknown as PatchInputs).metadata)).toEqual(
      ["shop", "mes"].map((name) => ({
        name,
        labels: { "order-tracing/instrumented": "true" },
        annotations: { "pulumi.com/patchFieldManager": "order-tracing-instrumentation" },
      })),
    );
  });

  it("forces conflicts only when the stack asks for it", async () => {
    const declared = recordResources();
    const component = new InstrumentedDeployments("instrumentation", {
      ...config,
      services: services.slice(0, 1),
      forceConflicts: true,
      collectorNamespace: "tracing",
    });
    await valueOf(component.deployments);
    const patches = declared.filter((r) => r.type.endsWith("Patch"));
    expect(patches.map((p) => p.type)).toEqual([
      "kubernetes:core/v1:NamespacePatch",
      "kubernetes:apps/v1:DeploymentPatch",
    ]);
    for (const patch of patches) {
      expect((patch.inputs as unknown as PatchInputs).metadata.annotations).toEqual({
        "pulumi.com/patchFieldManager": "order-tracing-instrumentation",
        "pulumi.com/patchForce": "true",
      });
    }
  });

  it("declares no patch when no service is listed", async () => {
    const declared = recordResources();
    const component = new InstrumentedDeployments("instrumentation", { ...config, collectorNamespace: "tracing" });
    expect(await valueOf(component.deployments)).toEqual([]);
    expect(declared.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });
});
