import { beforeAll, describe, expect, it } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { packViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { declareStack } from "../testing/stack-under-mocks";

// The real composition root with Pulumi.prod.yaml, under mocks (one stack per file: the program
// runs once per module graph): the pack finds nothing to refuse.
describe("the policy pack on the prod stack", () => {
  let resources: ResourceUnderTest[];
  beforeAll(async () => {
    resources = await declareStack("prod");
  }, 120_000);

  it("passes every rule", async () => {
    expect(resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThan(20);
    expect(await packViolationsOf(ORDER_TRACING_POLICIES, resources)).toEqual([]);
  });
});
