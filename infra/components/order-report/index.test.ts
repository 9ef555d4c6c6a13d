import { describe, expect, it } from "vitest";
import { allRegistered, type MockedResource, recordResources, valueOf } from "../../testing/mocks";
import {
  OrderReportCronJob,
  OrderReportExporter,
  type OrderReportCronJobArgs,
  type OrderReportExporterArgs,
} from "./index";

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
  await allRegistered();
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

describe("OrderReportExporter", () => {
  const EXPORTER_PODS = {
    "app.kubernetes.io/name": "order-report",
    "app.kubernetes.io/instance": "order-tracing",
    "app.kubernetes.io/component": "order-report-exporter",
  };
  const JAEGER_PODS = { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/instance": "order-tracing" };
  const PROXY_PODS = { "app.kubernetes.io/name": "oauth2-proxy", "app.kubernetes.io/instance": "order-tracing" };

  async function declareExporter(args: Partial<OrderReportExporterArgs> = {}) {
    const declared = recordResources();
    const component = new OrderReportExporter("order-report-exporter", {
      namespace: "tracing",
      image: "registry.example.com/order-report@sha256:" + "b".repeat(64),
      since: "24h",
      stuckAfter: "30m",
      interval: "60s",
      scraperNamespace: "monitoring",
      ...args,
    });
    const metricsUrl = await valueOf(component.metricsUrl);
    await allRegistered();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are navigated loosely in assertions
    const one = (type: string): Record<string, any> => {
      const found = declared.filter((r) => r.type === type && r.name === "order-report-exporter");
      expect(found, type).toHaveLength(1);
      return found[0].inputs;
    };
    return { declared, metricsUrl, one };
  }

  it("runs report --serve as one locked-down replica, annotated for Prometheus, behind a ClusterIP Service", async () => {
    const { metricsUrl, one } = await declareExporter({ jaegerUiUrl: "https://jaeger.internal.example/" });
    expect(metricsUrl).toBe("http://order-report-exporter.tracing.svc.cluster.local:9464/metrics");
    const deployment = one("kubernetes:apps/v1:Deployment");
    expect(deployment.metadata).toMatchObject({ name: "order-report-exporter", namespace: "tracing" });
    const spec = deployment.spec;
    expect(spec.replicas).toBe(1);
    expect(spec.selector.matchLabels).toEqual(EXPORTER_PODS);
    const annotations = {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9464",
      "prometheus.io/path": "/metrics",
    };
    expect(spec.template.metadata.annotations).toEqual(annotations);
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.args).toEqual([
      "report",
      "--jaeger-url",
      "http://jaeger.tracing.svc.cluster.local:16686",
      "--serve",
      "--listen",
      "0.0.0.0:9464",
      "--interval",
      "60s",
      "--since",
      "24h",
      "--stuck-after",
      "30m",
      "--jaeger-ui-url",
      "https://jaeger.internal.example/",
    ]);
    expect(container.ports).toEqual([{ name: "http", containerPort: 9464, protocol: "TCP" }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });

    const service = one("kubernetes:core/v1:Service");
    expect(service.metadata.annotations).toEqual(annotations);
    expect(service.spec).toEqual({
      type: "ClusterIP",
      selector: EXPORTER_PODS,
      ports: [{ name: "http", port: 9464, targetPort: "http", protocol: "TCP" }],
    });
  });

  it("admits only the scraper namespace (and the OIDC proxy for the page) to its port", async () => {
    const { declared, one } = await declareExporter({ scraperNamespace: "prometheus", proxyPods: PROXY_PODS });
    const policy = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").spec;
    expect(policy.podSelector).toEqual({ matchLabels: EXPORTER_PODS });
    expect(policy.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prometheus" } } }],
        ports: [{ protocol: "TCP", port: 9464 }],
      },
      { from: [{ podSelector: { matchLabels: PROXY_PODS } }], ports: [{ protocol: "TCP", port: 9464 }] },
    ]);
    expect(policy.egress[0]).toEqual({
      to: [{ podSelector: { matchLabels: JAEGER_PODS } }],
      ports: [{ protocol: "TCP", port: 16686 }],
    });
    expect(policyNamed(declared, "jaeger-query-from-order-report-exporter")).toEqual({
      podSelector: { matchLabels: JAEGER_PODS },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: { matchLabels: EXPORTER_PODS } }], ports: [{ protocol: "TCP", port: 16686 }] }],
    });
    // Without the access path, only the scraper.
    const without = await declareExporter();
    expect(without.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").spec.ingress).toHaveLength(1);
  });
});
