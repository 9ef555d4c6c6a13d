import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { SKIP_AWAIT_ANNOTATION, skipAwaitOnKubernetesObjects } from "./kubernetes-provider";
import { recordResources, valueOf } from "./testing/mocks";

recordResources();

/** The resource under construction, which a stack transformation receives (not read by this one). */
class Constructing extends pulumi.ComponentResource {
  constructor() {
    super("test:index:Constructing", "constructing");
  }
}

function transform(type: string, props: Record<string, unknown>) {
  return skipAwaitOnKubernetesObjects({ resource: new Constructing(), type, name: "x", props, opts: {} });
}

async function annotationsOf(props: Record<string, unknown> | undefined): Promise<unknown> {
  const metadata = await valueOf(pulumi.output(props?.metadata as pulumi.Input<{ annotations: unknown }>));
  return metadata.annotations;
}

describe("skipAwait transform (API-only clusters)", () => {
  it("adds pulumi.com/skipAwait to an object's annotations and keeps the others", async () => {
    const result = transform("kubernetes:apps/v1:DeploymentPatch", {
      metadata: { name: "shop", namespace: "shop", annotations: { "pulumi.com/patchFieldManager": "ours" } },
      spec: {},
    });
    expect(await annotationsOf(result?.props)).toEqual({
      "pulumi.com/patchFieldManager": "ours",
      [SKIP_AWAIT_ANNOTATION]: "true",
    });
    expect(result?.props.spec).toEqual({});
  });

  it("annotates objects without annotations, and metadata given as an Output", async () => {
    expect(await annotationsOf(transform("kubernetes:core/v1:Service", { metadata: { name: "a" } })?.props)).toEqual({
      [SKIP_AWAIT_ANNOTATION]: "true",
    });
    const fromOutput = transform("kubernetes:core/v1:Namespace", { metadata: pulumi.output({ name: "b" }) });
    expect(await annotationsOf(fromOutput?.props)).toEqual({ [SKIP_AWAIT_ANNOTATION]: "true" });
  });

  it("leaves components, providers and non-Kubernetes resources alone", () => {
    expect(transform("order-tracing:x:Component", { metadata: {} })).toBeUndefined();
    expect(transform("kubernetes:yaml/v2:ConfigGroup", { files: ["a.yaml"] })).toBeUndefined();
    expect(transform("pulumi:providers:kubernetes", { kubeconfig: "k" })).toBeUndefined();
    expect(transform("random:index/randomPassword:RandomPassword", { length: 32 })).toBeUndefined();
  });
});
