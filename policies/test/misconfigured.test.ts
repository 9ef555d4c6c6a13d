import { beforeAll, describe, expect, it } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { packViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { declareProgram } from "../testing/stack-under-mocks";

/** Every rule of the pack (the observer is not a rule: it reports nothing). */
const RULES = ORDER_TRACING_POLICIES.map((p) => p.name).filter((name) => name !== "secret-inputs-observer");

// The misconfigured fixture program under mocks, with its AWS part (which the real preview in
// misconfigured.integration.test.ts cannot declare without the aws provider plugin).
describe("the policy pack on the misconfigured fixture program", () => {
  let resources: ResourceUnderTest[];
  beforeAll(async () => {
    resources = await declareProgram({
      project: "misconfigured-tracing",
      stack: "test",
      load: () => import("./fixtures/misconfigured/index"),
      config: { "misconfigured-tracing:aws": "true" },
    });
  }, 120_000);

  it("is refused by every rule, the S3 rule on the lifecycle rule that expires models/", async () => {
    const violations = await packViolationsOf(ORDER_TRACING_POLICIES, resources);
    expect([...new Set(violations.map((v) => v.policy))].sort()).toEqual([...RULES].sort());
    expect(violations.filter((v) => v.policy === "model-sources-not-expired")).toEqual([
      {
        policy: "model-sources-not-expired",
        message: expect.stringContaining('"delete-after-a-week" expires objects under "models/"'),
        urn: expect.stringContaining(
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::uploads-cleanup",
        ),
      },
    ]);
  });

  it("passes once the rules it breaks are disabled in the pack config", async () => {
    const disabled = Object.fromEntries(RULES.map((name) => [name, "disabled"]));
    expect(await packViolationsOf(ORDER_TRACING_POLICIES, resources, disabled)).toEqual([]);
  });
});
