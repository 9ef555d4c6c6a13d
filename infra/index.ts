// Composition root of the order-tracing stack: reads the validated config and wires the
// components. No logic lives here; each concern is a component under infra/components.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseStackConfig, rawConfigOf, secretKeysOf, StackConfigErrors } from "./config";
import { kubernetesProvider, renderDirectoryPath } from "./kubernetes-provider";
import { TracingNamespace } from "./components/tracing-namespace";
import { InstrumentedDeployments } from "./components/instrumented-deployments";
import { exporterHost, exporterSelector, OrderReportCronJob, OrderReportExporter } from "./components/order-report";
import { OrderTracingMonitoring } from "./components/monitoring";
import { selectorLabels, PARTS } from "./topology";
import { JaegerQueryAccess } from "./components/access";
import { OIDC_CLIENT_SECRET_KEY } from "./config/access";
import { STORAGE_PASSWORD_KEY } from "./config/storage";
import { storageReach, TraceStorage } from "./components/trace-storage";
import { Jaeger } from "./components/jaeger";
import { CollectorGateway } from "./components/collector";

const allConfig = pulumi.runtime.allConfig();
const config = stackConfig();
const provider = kubernetesProvider(config.kubernetes);

const namespace = new TracingNamespace(
  "tracing",
  {
    name: config.namespace,
    quota: config.quota,
    pipeline: {
      storage: storageReach(config.storage, config.network),
      apiServer: { cidrs: config.network.apiServerCidrs, ports: config.network.apiServerPorts },
    },
  },
  { providers: { kubernetes: provider } },
);

// Where traces are kept, and the job that deletes them after storage.retentionDays.
const storage = new TraceStorage(
  "trace-storage",
  {
    namespace: config.namespace,
    storage: config.storage,
    password: config.storage.passwordSecret
      ? new pulumi.Config(CONFIG_NAMESPACE).requireSecret(STORAGE_PASSWORD_KEY)
      : undefined,
  },
  { providers: { kubernetes: provider }, dependsOn: [namespace] },
);

const jaeger = new Jaeger(
  "jaeger",
  {
    namespace: config.namespace,
    jaeger: config.jaeger,
    storage: storage.connection,
    index: config.storage.index,
    retentionDays: config.storage.retention.days,
  },
  { providers: { kubernetes: provider }, dependsOn: [namespace] },
);

// Every instrumented service sends OTLP here: probe spans dropped, pods identified, personal data
// scrubbed, traces tail-sampled, then exported to Jaeger.
const collector = new CollectorGateway(
  "otel-collector",
  { namespace: config.namespace, collector: config.collector },
  { providers: { kubernetes: provider }, dependsOn: [namespace] },
);

// The only way to the Jaeger UI: internal ingress (office/VPN) → OIDC proxy (support group) → query.
const access = config.access
  ? new JaegerQueryAccess(
      "jaeger-ui",
      {
        namespace: config.namespace,
        access: config.access,
        oidcClientSecret: new pulumi.Config(CONFIG_NAMESPACE).requireSecret(OIDC_CLIENT_SECRET_KEY),
        jaegerQuery: jaeger.query,
        basePath: config.jaeger.basePath,
        // The exporter's stuck-orders page, behind the same sign-in as the UI.
        stuckOrdersPage: config.report?.serve
          ? { host: exporterHost(config.namespace), podLabels: exporterSelector() }
          : undefined,
      },
      { providers: { kubernetes: provider }, dependsOn: [namespace] },
    )
  : undefined;

// Stuck orders on a schedule: the report reads Jaeger query and logs JSON; links open the internal UI.
const orderReport = config.report?.cronJob
  ? new OrderReportCronJob(
      "order-report",
      {
        namespace: config.namespace,
        ...config.report,
        statusOwners: config.reportStatusOwners,
        jaegerQuery: { url: jaeger.queryUrl, podLabels: jaeger.query.podLabels },
        jaegerUiUrl: config.report.jaegerUiUrl ?? access?.uiUrl,
      },
      { providers: { kubernetes: provider }, dependsOn: [namespace] },
    )
  : undefined;

// Stuck orders as Prometheus metrics and a page (report --serve), read incrementally from Jaeger query.
const reportExporter =
  config.report?.serve !== undefined
    ? new OrderReportExporter(
        "order-report-exporter",
        {
          namespace: config.namespace,
          image: config.report.image,
          since: config.report.since,
          stuckAfter: config.report.stuckAfter,
          interval: config.report.serve.interval,
          scraperNamespace: config.report.serve.scraperNamespace,
          jaegerQuery: { url: jaeger.queryUrl, podLabels: jaeger.query.podLabels },
          jaegerUiUrl: config.report.jaegerUiUrl ?? access?.uiUrl,
          proxyPods: access ? selectorLabels(PARTS.oauth2Proxy) : undefined,
        },
        { providers: { kubernetes: provider }, dependsOn: [namespace] },
      )
    : undefined;

// Alerts on stuck orders and the Grafana dashboard, over the exporter's metrics.
const monitoring = config.monitoring
  ? new OrderTracingMonitoring(
      "monitoring",
      { namespace: config.namespace, monitoring: config.monitoring, pageUrl: access?.stuckOrdersPageUrl },
      { providers: { kubernetes: provider }, dependsOn: [namespace] },
    )
  : undefined;

// Patches the Shop, CRM and MES deployments their teams deploy; they live in their own namespaces.
const instrumentation = new InstrumentedDeployments(
  "instrumentation",
  { ...config.instrumentation, collectorNamespace: config.namespace },
  { providers: { kubernetes: provider } },
);

export const tracingNamespace = namespace.name;
export const jaegerQueryUrl = jaeger.queryUrl;
export const jaegerOtlpEndpoint = jaeger.otlpEndpoint;
/** OTEL_EXPORTER_OTLP_ENDPOINT of the instrumented services (OTLP gRPC). */
export const otlpEndpoint = collector.otlpGrpcEndpoint;
export const retentionCronJob = storage.cronJobName;
export const instrumentedDeployments = instrumentation.deployments;
export const orderReportCronJob = orderReport?.cronJobName;
export const jaegerUiUrl = access?.uiUrl;
/** The stuck-orders page (behind the UI's sign-in) and the exporter's in-cluster /metrics. */
export const stuckOrdersPageUrl = reportExporter ? access?.stuckOrdersPageUrl : undefined;
export const orderReportMetricsUrl = reportExporter?.metricsUrl;
/** The plain Prometheus rules file, for a Prometheus without the operator (`rule_files:`). */
export const prometheusRules = monitoring?.rulesFile;
/**
 * The stack's validated config. A wrong value is the engineer's input, not a fault of the program:
 * it leaves as Pulumi's RunError, which the engine prints as the messages alone (no "unhandled
 * exception", stack trace or error-object dump) before exiting non-zero.
 */
function stackConfig() {
  try {
    return parseStackConfig(
      pulumi.getStack(),
      rawConfigOf(CONFIG_NAMESPACE, allConfig),
      secretKeysOf(CONFIG_NAMESPACE, allConfig),
      { requireOwnImages: true },
    );
  } catch (error) {
    if (error instanceof StackConfigErrors) throw new pulumi.RunError(error.message);
    throw error;
  }
}

export const renderedManifests =
  config.kubernetes.mode === "render" ? renderDirectoryPath(config.kubernetes.renderDirectory) : undefined;
