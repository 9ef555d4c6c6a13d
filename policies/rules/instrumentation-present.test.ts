import { describe, expect, it } from "vitest";
import { deploymentInstrumentationPatch } from "../../infra/injection/patches";
import { testInjectionSettings } from "../../infra/testing/injection-settings";
import { stackViolationsOf } from "../testing/run-policy";
import { deployment, k8s } from "../testing/resources";
import { instrumentationPresent as rule } from "./instrumentation-present";

/** The DeploymentPatch infra/ declares for a service (the real patch builder). */
const patch = (service: string, language: "nodejs" | "java" = "nodejs") =>
  k8s(
    "apps/v1:DeploymentPatch",
    `instrumentation-${service}`,
    deploymentInstrumentationPatch(
      { name: service, namespace: service },
      { serviceName: service, container: service, language },
      testInjectionSettings(),
      { forceConflicts: false },
    ) as unknown as Record<string, unknown>,
  );

describe("instrumentation-present", () => {
  it("passes when Shop, CRM and MES are patched (Node.js and Java agents)", async () => {
    expect(await stackViolationsOf(rule, [patch("shop"), patch("crm"), patch("mes", "java")])).toEqual([]);
  });

  it("names each service no workload instruments", async () => {
    const violations = await stackViolationsOf(rule, [patch("shop")]);
    expect(violations.map((v) => v.message)).toEqual([
      expect.stringContaining('instruments service "crm"'),
      expect.stringContaining('instruments service "mes"'),
    ]);
  });

  it("refuses a workload that runs a service without the init container or the OTLP endpoint", async () => {
    const bare = deployment(
      "mes",
      { app: "mes" },
      { containers: [{ name: "mes", env: [{ name: "OTEL_SERVICE_NAME", value: "mes" }] }] },
      "mes",
    );
    const [violation] = await stackViolationsOf(rule, [patch("shop"), patch("crm"), bare]);
    expect(violation.urn).toContain("Deployment::mes");
    expect(violation.message).toMatch(
      /without the init container "order-tracing-instrumentation" and an OTLP endpoint/,
    );
  });

  it("follows the configured service list (another team's stack)", async () => {
    expect(await stackViolationsOf(rule, [patch("shop")], { instrumentedServices: ["shop"] })).toEqual([]);
  });
});
