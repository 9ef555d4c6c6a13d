import { describe, expect, it } from "vitest";
import { parseStackConfig } from "./index";

const problemsOf = (raw: Record<string, unknown>): string[] => {
  try {
    parseStackConfig("test", raw);
  } catch (e) {
    return (e as { errors: { message: string }[] }).errors.map((error) => error.message);
  }
  return [];
};

describe("order-tracing:kubernetes", () => {
  it("skipAwait tells a cluster target not to await readiness (API-only clusters)", () => {
    const config = parseStackConfig("test", { kubernetes: { kubeconfig: "/tmp/kubeconfig", skipAwait: "true" } });
    expect(config.kubernetes).toEqual({
      mode: "cluster",
      kubeconfig: "/tmp/kubeconfig",
      context: undefined,
      skipAwait: true,
    });
  });

  it("refuses skipAwait in render mode, where nothing is awaited", () => {
    expect(problemsOf({ kubernetes: { renderDirectory: "out", skipAwait: true } })).toEqual([
      expect.stringMatching(/^order-tracing:kubernetes\.skipAwait: applies to a cluster .* only/),
    ]);
  });

  it("refuses a skipAwait that is not a boolean, and a misspelt key, naming each", () => {
    expect(problemsOf({ kubernetes: { context: "prod", skipAwait: "yes", skipAwiat: true } })).toEqual([
      expect.stringMatching(/^order-tracing:kubernetes\.skipAwiat: unknown key; known keys are .*skipAwait/),
      'order-tracing:kubernetes.skipAwait: expected true or false, got string "yes"',
    ]);
  });
});
