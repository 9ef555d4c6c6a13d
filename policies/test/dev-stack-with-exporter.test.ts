import { beforeAll, describe, expect, it } from "vitest";
import { ORDER_TRACING_POLICIES } from "../rules";
import { packViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { declareProgram, stackConfig } from "../testing/stack-under-mocks";

/**
 * The dev stack plus the report exporter (`report.serve`), its page behind the OIDC proxy and the
 * monitoring section (PrometheusRule, Grafana dashboard): the real composition root under mocks,
 * and the whole pack must find nothing to refuse, while still refusing the exporter's objects
 * once they open a way around the sign-in.
 */
describe("the policy pack on the dev stack with the report exporter and monitoring", () => {
  let resources: ResourceUnderTest[];
  beforeAll(async () => {
    const dev = stackConfig("dev");
    resources = await declareProgram({
      project: "order-tracing",
      stack: "dev",
      load: () => import("../../infra/index"),
      secretKeys: dev.secretKeys,
      config: {
        ...dev.config,
        "order-tracing:report": JSON.stringify({
          enabled: true,
          image: "registry.example.com/order-report@sha256:" + "c".repeat(64),
          cronJob: false,
          serve: true,
          scraperNamespace: "monitoring",
        }),
        "order-tracing:monitoring": JSON.stringify({
          prometheusRule: true,
          stuckAlertAfter: { SENT_TO_MES: "1h" },
          grafanaDashboard: true,
        }),
      },
    });
  }, 120_000);

  it("declares the exporter, the rules and the dashboard, and passes every rule", async () => {
    const names = resources.map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "kubernetes:apps/v1:Deployment order-report-exporter",
        "kubernetes:core/v1:Service order-report-exporter",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy order-report-exporter",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule monitoring-rules",
        "kubernetes:core/v1:ConfigMap monitoring-dashboard",
      ]),
    );
    expect(names.some((n) => n.includes("batch/v1:CronJob order-report"))).toBe(false);
    expect(await packViolationsOf(ORDER_TRACING_POLICIES, resources)).toEqual([]);
  });

  it("refuses the exporter's Jaeger access once it admits other namespaces to query", async () => {
    const broken = resources.map((r) => {
      if (r.name !== "order-report-exporter-jaeger-query") return r;
      const props = structuredClone(r.props) as { spec: { ingress: { from: unknown[] }[] } };
      props.spec.ingress[0].from = [{ namespaceSelector: {} }];
      return { ...r, props };
    });
    const policies = new Set((await packViolationsOf(ORDER_TRACING_POLICIES, broken)).map((v) => v.policy));
    expect([...policies]).toEqual(["jaeger-ui-support-role-only"]);
  });
});
