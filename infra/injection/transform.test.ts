import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { recordResources, valueOf } from "../testing/mocks";
import { testInjectionSettings } from "../testing/injection-settings";
import type { InjectionTarget } from "./instrument-pod-spec";
import { instrumentPodSpec } from "./instrument-pod-spec";
import type { PodSpec } from "./kubernetes-types";
import { instrumentTransform } from "./transform";

const settings = testInjectionSettings();
const crm: InjectionTarget = { serviceName: "crm", container: "crm", language: "nodejs" };
const podSpec: PodSpec = { containers: [{ name: "crm", image: "registry.example.test/crm:3.1.0" }] };

function transformArgs(type: string, spec: unknown, custom = true): pulumi.ResourceTransformArgs {
  const metadata = { name: "crm", namespace: "crm" };
  return { custom, type, name: "crm", props: { metadata, spec }, opts: { protect: true } };
}

describe("instrumentTransform", () => {
  const transform = instrumentTransform(crm, settings);

  it("instruments the pod template of a workload that has the container, keeping the rest", async () => {
    const result = await transform(
      transformArgs("kubernetes:apps/v1:Deployment", { replicas: 2, template: { spec: podSpec } }),
    );
    expect(result?.opts).toEqual({ protect: true });
    expect(result?.props.metadata).toEqual({ name: "crm", namespace: "crm" });
    expect(result?.props.spec).toEqual({
      replicas: 2,
      template: { spec: instrumentPodSpec(podSpec, crm, settings).podSpec },
    });
  });

  it("leaves workloads without the container, other kinds and components alone", async () => {
    const other = { template: { spec: { containers: [{ name: "mes" }] } } };
    expect((await transform(transformArgs("kubernetes:apps/v1:StatefulSet", other)))?.props.spec).toEqual(other);
    expect(await transform(transformArgs("kubernetes:core/v1:Service", { ports: [] }))).toBeUndefined();
    expect(await transform(transformArgs("kubernetes:apps/v1:Deployment", {}, false))).toBeUndefined();
  });

  it("waits for Outputs inside the spec, then instruments it", async () => {
    recordResources();
    const image = pulumi.output("registry.example.test/crm:3.2.0");
    const result = await transform(
      transformArgs("kubernetes:batch/v1:Job", { template: { spec: { containers: [{ name: "crm", image }] } } }),
    );
    const spec = await valueOf(result?.props.spec as pulumi.Output<{ template: { spec: PodSpec } }>);
    const resolved: PodSpec = { containers: [{ name: "crm", image: "registry.example.test/crm:3.2.0" }] };
    expect(spec.template.spec).toEqual(instrumentPodSpec(resolved, crm, settings).podSpec);
  });
});
