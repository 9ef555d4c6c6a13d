import { describe, expect, it } from "vitest";
import { missingManifestUrns, renderedManifestPath } from "./rendered-manifests";

const provider = {
  urn: "urn:pulumi:dev::order-tracing::pulumi:providers:kubernetes::kubernetes",
  id: "p1",
  type: "pulumi:providers:kubernetes",
  custom: true,
  inputs: { renderYamlToDirectory: "rendered/dev" },
};
const namespaceUrn = "urn:pulumi:dev::order-tracing::kubernetes:core/v1:Namespace::tracing";
const deploymentUrn = "urn:pulumi:dev::order-tracing::kubernetes:apps/v1:Deployment::jaeger";
const exported = {
  deployment: {
    resources: [
      provider,
      {
        urn: namespaceUrn,
        type: "kubernetes:core/v1:Namespace",
        custom: true,
        provider: `${provider.urn}::p1`,
        outputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "tracing" } },
      },
      {
        urn: deploymentUrn,
        type: "kubernetes:apps/v1:Deployment",
        custom: true,
        provider: `${provider.urn}::p1`,
        outputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "jaeger", namespace: "tracing" } },
      },
    ],
  },
};

describe("renderedManifestPath", () => {
  it("follows the provider's naming: sanitised apiVersion, kind, namespace (default), name", () => {
    expect(
      renderedManifestPath("out", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "x", namespace: "ns" },
      }),
    ).toBe("out/1-manifest/apps_v1-deployment-ns-x.yaml");
    expect(renderedManifestPath("out", { apiVersion: "v1", kind: "Namespace", metadata: { name: "tracing" } })).toBe(
      "out/1-manifest/v1-namespace-default-tracing.yaml",
    );
    expect(
      renderedManifestPath("out", {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "c" },
      }),
    ).toBe("out/0-crd/apiextensions.k8s.io_v1-customresourcedefinition-default-c.yaml");
  });
});

describe("missingManifestUrns", () => {
  it("lists exactly the rendered resources whose file is gone", () => {
    const present = new Set(["rendered/dev/1-manifest/v1-namespace-default-tracing.yaml"]);
    expect(missingManifestUrns(exported, (f) => present.has(f))).toEqual([deploymentUrn]);
  });

  it("lists nothing when every file is there, or the provider does not render", () => {
    expect(missingManifestUrns(exported, () => true)).toEqual([]);
    const clusterProvider = { ...provider, inputs: { context: "prod" } };
    const clusterExport = { deployment: { resources: [clusterProvider, ...exported.deployment.resources.slice(1)] } };
    expect(missingManifestUrns(clusterExport, () => false)).toEqual([]);
  });
});
