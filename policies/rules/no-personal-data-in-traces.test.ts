import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildCollectorConfig, renderCollectorConfig, type CollectorSettings } from "../../infra/collector/config";
import { violationsOf } from "../testing/run-policy";
import { configMap, deployment, k8s } from "../testing/resources";
import { isPersonal, noPersonalDataInTraces as rule } from "./no-personal-data-in-traces";

const LOCATION = {
  bindAddress: "0.0.0.0",
  ports: { otlpGrpc: 4317, otlpHttp: 4318, health: 13133, metrics: 8888 },
  exporterEndpoint: "jaeger.tracing.svc.cluster.local:4317",
  exporterInsecure: true,
  k8sAttributes: true,
};
const GATEWAY: CollectorSettings = {
  tier: { kind: "gateway" },
  location: LOCATION,
  memoryLimiter: { limitMiB: 400, spikeLimitMiB: 80 },
  sampling: { latencyThresholdMs: 2000, keepPercent: 25, decisionWaitSeconds: 10, numTraces: 1000 },
  queueSpans: 1000,
};
/** The gateway's config exactly as infra/ renders it into the collector's ConfigMap. */
const gatewayConfig = () => renderCollectorConfig(buildCollectorConfig(GATEWAY));
const collectorMap = (text: string, role = "gateway") =>
  configMap("otel-collector", { "config.yaml": text }, { "order-tracing/collector-role": role });

/** A parsed collector config, navigated loosely by the edits below. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML document edited in place
type Document = Record<string, any>;

/** The same document with `edit` applied to it. */
function edited(edit: (document: Document) => void): string {
  const document = yaml.load(gatewayConfig()) as Document;
  edit(document);
  return yaml.dump(document);
}

describe("no-personal-data-in-traces: collector configs", () => {
  it("passes every tier infra/ generates (gateway, router; samplers receive scrubbed spans only)", async () => {
    expect(await violationsOf(rule, collectorMap(gatewayConfig()))).toEqual([]);
    const router = renderCollectorConfig(
      buildCollectorConfig({ ...GATEWAY, tier: { kind: "router", samplerHostname: "samplers", samplerPort: 4317 } }),
    );
    expect(await violationsOf(rule, collectorMap(router, "router"))).toEqual([]);
    const sampler = renderCollectorConfig(buildCollectorConfig({ ...GATEWAY, tier: { kind: "sampler" } }));
    expect(await violationsOf(rule, collectorMap(sampler, "sampler"))).toEqual([]);
    // A sampler config anywhere else, unlabelled, is a collector that does not scrub.
    expect(await violationsOf(rule, collectorMap(sampler, "gateway"))).toHaveLength(2);
  });

  it("refuses a collector pipeline without the redaction processor, or with one that lets everything through", async () => {
    const without = edited((d) => {
      d.service.pipelines.traces.processors = d.service.pipelines.traces.processors.filter(
        (id: string) => !id.startsWith("redaction"),
      );
    });
    expect(await violationsOf(rule, collectorMap(without))).toEqual([
      expect.stringContaining('pipeline "traces" has no redaction processor'),
    ]);
    const allowAll = edited((d) => {
      d.processors["redaction/pii"].allow_all_keys = true;
    });
    expect(await violationsOf(rule, collectorMap(allowAll))).toEqual([
      expect.stringContaining('processor "redaction/pii" lets every attribute key through'),
    ]);
  });

  it("refuses a pipeline that keeps query strings, naming the attributes", async () => {
    const keepsQueries = edited((d) => {
      const transform = d.processors["transform/scrub-urls-and-status"];
      transform.trace_statements[0].statements = transform.trace_statements[0].statements.filter(
        (s: string) => !s.includes('"http.target"') && !s.includes('"url.full"'),
      );
    });
    expect(await violationsOf(rule, collectorMap(keepsQueries))).toEqual([
      expect.stringContaining("keeps the query strings of url.full, http.target"),
    ]);
  });

  it("ignores ConfigMaps that hold no collector config, and Jaeger's own pipeline", async () => {
    expect(await violationsOf(rule, configMap("ui", { "ui.json": "{}", "x.yaml": "a: [" }))).toEqual([]);
    const jaeger = yaml.dump({
      receivers: { otlp: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: "es" } },
      service: {
        pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      },
    });
    expect(await violationsOf(rule, configMap("jaeger", { "config.yaml": jaeger }))).toEqual([]);
  });
});

describe("no-personal-data-in-traces: injected environment", () => {
  const app = (env: { name: string; value: string }[]) =>
    deployment("shop", { app: "shop" }, { containers: [{ name: "shop", env }] }, "shop");

  it("passes the injection's resource attributes and the default baggage allow-list", async () => {
    const env = [
      {
        name: "OTEL_RESOURCE_ATTRIBUTES",
        value: "k8s.namespace.name=$(OTEL_K8S_NAMESPACE_NAME),k8s.pod.name=$(OTEL_K8S_POD_NAME)",
      },
      { name: "ORDER_TRACING_RULES", value: JSON.stringify({ baggageAllowList: ["order.id"] }) },
    ];
    expect(await violationsOf(rule, app(env))).toEqual([]);
  });

  it("refuses resource attributes and baggage keys that name personal fields", async () => {
    const attributes = [{ name: "OTEL_RESOURCE_ATTRIBUTES", value: "service.version=1,customer.email=x,enduser.id=y" }];
    expect(await violationsOf(rule, app(attributes))).toEqual([
      expect.stringContaining("sets resource attributes customer.email, enduser.id"),
    ]);
    const baggage = [
      { name: "ORDER_TRACING_RULES", value: JSON.stringify({ baggageAllowList: ["order.id", "customerPhone"] }) },
    ];
    expect(await violationsOf(rule, app(baggage))).toEqual([expect.stringContaining("baggage keys customerPhone")]);
  });

  it("reads the pod template of patches and CronJobs too", async () => {
    const env = [{ name: "OTEL_RESOURCE_ATTRIBUTES", value: "user.name=x" }];
    const patch = k8s("apps/v1:DeploymentPatch", "mes", {
      metadata: { name: "mes", namespace: "mes" },
      spec: { template: { spec: { containers: [{ name: "mes", env }] } } },
    });
    expect(await violationsOf(rule, patch)).toHaveLength(1);
    const cron = k8s("batch/v1:CronJob", "job", {
      metadata: { name: "job" },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", env }] } } } } },
    });
    expect(await violationsOf(rule, cron)).toHaveLength(1);
  });

  it("splits keys at dots, underscores, dashes and camelCase", () => {
    const words = ["email", "phone"];
    expect(isPersonal("customer.emailAddress", words)).toBe(true);
    expect(isPersonal("contact_phone", words)).toBe(true);
    expect(isPersonal("k8s.pod.name", words)).toBe(false);
    expect(isPersonal("mailbox", words)).toBe(false);
  });
});
