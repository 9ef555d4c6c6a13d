import { it, expect } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { describePackOnStack } from "../testing/pack-on-stack";
import { packViolationsOf, type ResourceUnderTest } from "../testing/run-policy";

// The real composition root with Pulumi.dev.yaml (access path, one collector, one Elasticsearch
// node), under mocks.
describePackOnStack("dev", (declared) => {
  // The same resources, each broken the way the rules exist to catch: proves the rules read the
  // shapes infra/ really declares, so "no violation" above is not vacuous.
  it("refuses the real resources once they are broken", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited loosely
    const broken = (name: string, edit: (props: Record<string, any>) => void) =>
      declared().map((r) => {
        if (r.name !== name) return r;
        const props = structuredClone(r.props);
        edit(props);
        return { ...r, props };
      });
    const policiesOf = async (changed: ResourceUnderTest[]) =>
      [...new Set((await packViolationsOf(ORDER_TRACING_POLICIES, changed)).map((v) => v.policy))].sort();

    expect(await policiesOf(broken("jaeger", (p) => p.spec?.type && (p.spec.type = "LoadBalancer")))).toEqual([
      "jaeger-ui-internal-only",
    ]);
    expect(await policiesOf(broken("tracing-default-deny", (p) => (p.spec.policyTypes = ["Egress"])))).toEqual([
      "tracing-namespace-default-deny",
    ]);
    expect(await policiesOf(declared().filter((r) => r.name !== "tracing-quota"))).toEqual(["trace-disk-bounded"]);
    expect(await policiesOf(declared().filter((r) => r.name !== "instrumentation-mes"))).toEqual([
      "instrumentation-present",
    ]);
    const plainSecret = broken("jaeger-ui-oauth2-proxy", (p) => {
      if (p.stringData) p.stringData = { "client-secret": "plain" };
    });
    expect(await policiesOf(plainSecret)).toEqual(["secrets-stay-secret"]);
    const anyGroup = broken("jaeger-ui-oauth2-proxy", (p) => {
      if (p.data) p.data["oauth2-proxy.cfg"] = p.data["oauth2-proxy.cfg"].replace(/allowed_groups = .*/, "");
    });
    expect(await policiesOf(anyGroup)).toEqual(["jaeger-ui-support-role-only"]);
  });
});
