import { describe, expect, it } from "vitest";
import { violationsOf } from "../testing/run-policy";
import { noPublicServices } from "./no-public-services";

const service = (namespace: string, type?: string) => ({
  type: "kubernetes:core/v1:Service",
  props: { metadata: { name: "jaeger-query", namespace }, spec: { type, ports: [{ port: 16686 }] } },
});

describe("tracing-services-internal-only", () => {
  it("passes ClusterIP services in the tracing namespace", async () => {
    expect(await violationsOf(noPublicServices, service("tracing"))).toEqual([]);
    expect(await violationsOf(noPublicServices, service("tracing", "ClusterIP"))).toEqual([]);
  });

  it("refuses LoadBalancer and NodePort services in the tracing namespace, saying what to change", async () => {
    for (const type of ["LoadBalancer", "NodePort"]) {
      const [violation] = await violationsOf(noPublicServices, service("tracing", type));
      expect(violation).toContain(`is of type ${type}`);
      expect(violation).toContain("Use type ClusterIP");
    }
  });

  it("follows the configured tracing namespace", async () => {
    expect(await violationsOf(noPublicServices, service("observability", "NodePort"))).toEqual([]);
    expect(
      await violationsOf(noPublicServices, service("observability", "NodePort"), { tracingNamespace: "observability" }),
    ).toHaveLength(1);
  });
});
