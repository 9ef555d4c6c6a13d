import { beforeAll, describe, expect, it } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { packViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { declareStack } from "../testing/stack-under-mocks";

// The real composition root with Pulumi.dev.yaml, under mocks (one stack per file: the program
// runs once per module graph): the pack finds nothing to refuse.
describe("the policy pack on the dev stack", () => {
  let resources: ResourceUnderTest[];
  beforeAll(async () => {
    resources = await declareStack("dev");
  }, 120_000);

  it("passes every rule", async () => {
    expect(resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThan(20);
    expect(await packViolationsOf(ORDER_TRACING_POLICIES, resources)).toEqual([]);
  });

  it("sees the secrets of the access path as Pulumi secrets (the observer ran)", () => {
    const proxySecret = resources.find((r) => r.type === "kubernetes:core/v1:Secret");
    expect(JSON.stringify(proxySecret?.props.stringData)).toContain("4dabf18193072939515e22adb298388d");
  });
});
