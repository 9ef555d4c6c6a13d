import { beforeAll, describe, expect, it } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { packViolationsOf, type ResourceUnderTest } from "./run-policy";
import { declareStack } from "./stack-under-mocks";

/**
 * The whole pack over this repository's program with `Pulumi.<stack>.yaml`, under mocks: it must find
 * nothing to refuse. One stack per test file (the program runs once per module graph); `more` adds
 * tests on the same declared resources.
 */
export function describePackOnStack(stack: string, more?: (resources: () => ResourceUnderTest[]) => void): void {
  describe(`the policy pack on the ${stack} stack`, () => {
    let resources: ResourceUnderTest[];
    beforeAll(async () => {
      resources = await declareStack(stack);
    }, 120_000);

    it("passes every rule", async () => {
      expect(resources.filter((r) => r.type.startsWith("kubernetes:")).length).toBeGreaterThan(20);
      expect(await packViolationsOf(ORDER_TRACING_POLICIES, resources)).toEqual([]);
    });

    more?.(() => resources);
  });
}
