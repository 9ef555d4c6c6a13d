import { describe, expect, it } from "vitest";
import { type MockedResource, recordResources, valueOf } from "../../testing/mocks";
import { OrderReportCronJob, type OrderReportCronJobArgs } from "./index";

interface CronJobSpec {
  schedule: string;
  concurrencyPolicy: string;
  jobTemplate: {
    spec: {
      backoffLimit: number;
      template: {
        metadata: object;
        spec: {
          automountServiceAccountToken: boolean;
          serviceAccountName: string;
          securityContext: { runAsNonRoot: boolean };
          containers: { image: string; args: string[]; securityContext: object }[];
        };
      };
    };
  };
}

const BASE: OrderReportCronJobArgs = {
  namespace: "tracing",
  schedule: "@hourly",
  image: "cli:1",
  since: "24h",
  stuckAfter: "30m",
};

/** Declares the component under mocks; returns what it declared and its CronJob's spec. */
async function declare(args: Partial<OrderReportCronJobArgs> = {}) {
  const declared = recordResources();
  const component = new OrderReportCronJob("report", { ...BASE, ...args });
  const name = await valueOf(component.cronJobName);
  const cronJobs = declared.filter((r) => r.type === "kubernetes:batch/v1:CronJob");
  expect(cronJobs).toHaveLength(1);
  return { name, declared, spec: cronJobs[0].inputs.spec as CronJobSpec };
}

const policyNamed = (declared: MockedResource[], name: string) =>
  declared.find(
    (r) =>
      r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
      (r.inputs.metadata as { name?: string } | undefined)?.name === name,
  )?.inputs.spec;

describe("OrderReportCronJob", () => {
  it("passes the logs URL template to the command as it is", async () => {
    const logsUrlTemplate = "https://logs.internal.example/search?q=trace_id:{traceId}&from={from}&to={to}";
    const { spec } = await declare({ logsUrlTemplate });
    const args = spec.jobTemplate.spec.template.spec.containers[0].args;
    expect(args.slice(-2)).toEqual(["--logs-url-template", logsUrlTemplate]);
  });

  it("passes the status owners of the stack config to the report", async () => {
    const { spec } = await declare({ statusOwners: { ACCEPTED: "mes", IN_PRODUCTION: "mes" } });
    const args = spec.jobTemplate.spec.template.spec.containers[0].args as string[];
    expect(args.slice(-2)).toEqual(["--status-owners", "ACCEPTED=mes,IN_PRODUCTION=mes"]);
    expect((await declare()).spec.jobTemplate.spec.template.spec.containers[0].args).not.toContain("--status-owners");
  });

  it("runs the report as JSON on the schedule against Jaeger query, locked down", async () => {
    const { name, spec } = await declare({
      schedule: "*/15 * * * *",
      image: "registry.example.com/order-tracing-cli:0.1.0",
      jaegerUiUrl: "https://tracing.internal.example",
    });
    expect(name).toBe("order-report");
    expect(spec).toMatchObject({ schedule: "*/15 * * * *", concurrencyPolicy: "Forbid" });
    expect(spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = spec.jobTemplate.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("order-report");
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].image).toBe("registry.example.com/order-tracing-cli:0.1.0");
    expect(pod.containers[0].args).toEqual([
      "report",
      "--jaeger-url",
      "http://jaeger.tracing.svc.cluster.local:16686",
      "--since",
      "24h",
      "--stuck-after",
      "30m",
      "--format",
      "json",
      "--jaeger-ui-url",
      "https://tracing.internal.example",
    ]);
    expect(pod.containers[0].args).not.toContain("--logs-url-template");
    expect(pod.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(spec.jobTemplate.spec.template.metadata).toMatchObject({
      labels: { "app.kubernetes.io/name": "order-report", "app.kubernetes.io/part-of": "order-tracing" },
    });
  });

  it("lets the report pods reach Jaeger query's HTTP port and cluster DNS, and nothing reach them", async () => {
    const { declared, spec } = await declare();
    const reportPods = { "app.kubernetes.io/name": "order-report", "app.kubernetes.io/instance": "order-tracing" };
    const jaegerPods = { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "order-tracing" };
    expect(policyNamed(declared, "order-report")).toMatchObject({
      podSelector: { matchLabels: reportPods },
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [
        { to: [{ podSelector: { matchLabels: jaegerPods } }], ports: [{ protocol: "TCP", port: 16686 }] },
        {
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    expect(policyNamed(declared, "jaeger-query-from-order-report")).toEqual({
      podSelector: { matchLabels: jaegerPods },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: reportPods } }], ports: [{ protocol: "TCP", port: 16686 }] }],
    });
    // Without a UI address the links use the query URL (the command's default).
    expect(spec.jobTemplate.spec.template.spec.containers[0].args).not.toContain("--jaeger-ui-url");
  });

  it("reads Jaeger query where the Jaeger component serves it (base path included)", async () => {
    const { declared, spec } = await declare({
      jaegerQuery: { url: "http://jaeger.tracing.svc.cluster.local:16686/jaeger", podLabels: { app: "jaeger-query" } },
    });
    expect(spec.jobTemplate.spec.template.spec.containers[0].args.slice(0, 3)).toEqual([
      "report",
      "--jaeger-url",
      "http://jaeger.tracing.svc.cluster.local:16686/jaeger",
    ]);
    expect(policyNamed(declared, "jaeger-query-from-order-report")).toMatchObject({
      podSelector: { matchLabels: { app: "jaeger-query" } },
    });
  });
});
