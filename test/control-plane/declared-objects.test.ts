import { describe, expect, it } from "vitest";
import type { KubeObject } from "../support/kube-api";
import { declaredObjects, notStoredAsDeclared } from "./declared-objects";

const configMap = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "c", namespace: "tracing" },
  data,
  ...extra,
});

describe("declaredObjects (pulumi stack export --show-secrets)", () => {
  it("keeps the Kubernetes objects, marks patches, and decodes secret values", () => {
    const exported = {
      deployment: {
        resources: [
          { urn: "urn:stack", type: "pulumi:pulumi:Stack", custom: false, inputs: {} },
          { urn: "urn:provider", type: "pulumi:providers:kubernetes", custom: true, inputs: { kubeconfig: "k" } },
          {
            urn: "urn:secret",
            type: "kubernetes:core/v1:Secret",
            custom: true,
            inputs: {
              apiVersion: "v1",
              kind: "Secret",
              metadata: { name: "s" },
              stringData: {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                plaintext: JSON.stringify({ password: "not-a-real-one" }),
              },
            },
          },
          {
            urn: "urn:patch",
            type: "kubernetes:apps/v1:DeploymentPatch",
            custom: true,
            inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "shop", namespace: "shop" } },
          },
        ],
      },
    };
    const declared = declaredObjects(exported);
    expect(declared.map((d) => [d.urn, d.isPatch])).toEqual([
      ["urn:secret", false],
      ["urn:patch", true],
    ]);
    expect(declared[0].object.stringData).toEqual({ password: "not-a-real-one" });
  });
});

describe("notStoredAsDeclared", () => {
  it("accepts what the API server adds around the declared fields, and canonical quantities", () => {
    const declared: KubeObject = {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "l", annotations: {} },
      spec: { limits: [{ type: "Container", default: { cpu: "0.5", memory: "1024Mi" } }] },
    };
    const stored: KubeObject = {
      ...declared,
      metadata: { name: "l", uid: "u", resourceVersion: "1" },
      spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "1Gi" }, defaultRequest: {} }] },
    };
    expect(notStoredAsDeclared(declared, stored)).toEqual([]);
  });

  it("names each declared field that was dropped or changed", () => {
    const declared = configMap({ a: "1", b: "2" }, { unknownField: true });
    const stored = configMap({ a: "1", b: "3" });
    expect(notStoredAsDeclared(declared, stored)).toEqual([
      '.data.b: declared "2", stored "3"',
      ".unknownField: declared true, stored nothing",
    ]);
  });

  it("compares lists item by item and reports a different length", () => {
    const declared = configMap({}, { list: [{ name: "x" }, { name: "y" }] });
    expect(notStoredAsDeclared(declared, configMap({}, { list: [{ name: "x" }] }))).toEqual([
      '.list: declared 2 items, stored [{"name":"x"}]',
    ]);
  });

  it("compares a Secret's stringData with the base64 data the API server stores", () => {
    const secret = (fields: Record<string, unknown>): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      ...fields,
    });
    const stored = secret({ data: { token: Buffer.from("abc").toString("base64") } });
    expect(notStoredAsDeclared(secret({ stringData: { token: "abc" } }), stored)).toEqual([]);
    expect(notStoredAsDeclared(secret({ stringData: { token: "abd" } }), stored)).toHaveLength(1);
  });
});
