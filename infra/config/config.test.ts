import { describe, expect, it } from "vitest";
import { parseStackConfig, rawConfigOf, StackConfigErrors } from "./index";

describe("parseStackConfig", () => {
  it("defaults to render mode into rendered/<stack> when no cluster is configured", () => {
    const config = parseStackConfig("dev", {});
    expect(config.kubernetes).toEqual({ mode: "render", renderDirectory: "rendered/dev" });
    expect(config.namespace).toBe("tracing");
  });

  it("deploys to a cluster when a kubeconfig context is set", () => {
    const config = parseStackConfig("prod", { kubernetes: { context: "prod" } });
    expect(config.kubernetes).toEqual({ mode: "cluster", kubeconfig: undefined, context: "prod", skipAwait: false });
  });

  it("refuses render and cluster settings together, naming the key", () => {
    expect(() => parseStackConfig("dev", { kubernetes: { renderDirectory: "out", context: "prod" } })).toThrow(
      /order-tracing:kubernetes: set either renderDirectory .* or kubeconfig\/context/,
    );
  });

  it("reports every wrong key at once, each with the expected form", () => {
    let caught: unknown;
    try {
      parseStackConfig("dev", { namespace: "Tracing_NS", retentionDayz: 3 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StackConfigErrors);
    const messages = (caught as StackConfigErrors).errors.map((e) => e.message);
    expect(messages).toEqual([
      "order-tracing:namespace: expected a DNS-1123 label (lower-case letters, digits and '-', at most 63), got \"Tracing_NS\"",
      "order-tracing:retentionDayz: unknown key; known keys are listed in docs/configuration.md (is it a typo?)",
    ]);
  });
});

describe("rawConfigOf", () => {
  it("keeps only the namespace's keys and decodes JSON values", () => {
    expect(
      rawConfigOf("order-tracing", {
        "order-tracing:kubernetes": '{"context":"prod"}',
        "order-tracing:namespace": "tracing",
        "kubernetes:context": "other",
      }),
    ).toEqual({ kubernetes: { context: "prod" }, namespace: "tracing" });
  });
});
