import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../../labels";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../../topology";
import { SERVE_PATHS } from "../../../cli/report/serve-paths";
import { buildJaegerQueryFromReportPolicy, buildReportCronJobSpec, buildReportNetworkPolicy } from "./cronjob";
import {
  buildReportExporterDeploymentSpec,
  buildReportExporterNetworkPolicy,
  buildReportExporterServiceSpec,
  SCRAPE_ANNOTATIONS,
} from "./exporter";

export interface OrderReportCronJobArgs {
  /** The tracing namespace; the report runs beside Jaeger. */
  namespace: string;
  schedule: string;
  /** Image whose entrypoint is the `order-tracing` command line. */
  image: string;
  since: string;
  stuckAfter: string;
  /** Per status, the service that owns it where another records it (`--status-owners`). */
  statusOwners?: Readonly<Record<string, string>>;
  /** Base of the trace links in the JSON (the internal Jaeger UI address); defaults to the query URL. */
  jaegerUiUrl?: pulumi.Input<string | undefined>;
  /** The logs link of each stuck order, with placeholders (docs/report.md "Links to the logs"). */
  logsUrlTemplate?: string;
  /**
   * Jaeger query as the report reaches it: its HTTP API's URL (with the base path, if any) and its
   * pods' labels. Defaults to the Jaeger part of infra/topology.ts.
   */
  jaegerQuery?: { url: pulumi.Input<string>; podLabels: Record<string, string> };
}

const COMPONENT = "order-report";

/**
 * `order-tracing report` on a schedule inside the cluster: each run logs the report as JSON (stuck
 * orders, time per status and per service), so log-based alerting can pick up stuck orders.
 */
export class OrderReportCronJob extends pulumi.ComponentResource {
  readonly cronJobName: pulumi.Output<string>;

  constructor(name: string, args: OrderReportCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:report:OrderReportCronJob", name, {}, opts);
    const jaegerQuery = args.jaegerQuery ?? {
      url: `http://${serviceHost(PARTS.jaeger, args.namespace)}:${PORTS.jaegerQueryHttp}`,
      podLabels: selectorLabels(PARTS.jaeger),
    };
    const reportPods = selectorLabels(PARTS.orderReport);
    const labels = { ...commonLabels(COMPONENT), ...reportPods };
    const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
    const child = { parent: this };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      name,
      { metadata: metadata(PARTS.orderReport), automountServiceAccountToken: false },
      child,
    );
    const cronJob = new k8s.batch.v1.CronJob(
      name,
      {
        metadata: metadata(PARTS.orderReport),
        spec: pulumi
          .all([serviceAccount.metadata.name, jaegerQuery.url, args.jaegerUiUrl])
          .apply(([serviceAccountName, jaegerQueryUrl, jaegerUiUrl]) =>
            buildReportCronJobSpec({
              schedule: args.schedule,
              image: args.image,
              jaegerQueryUrl,
              jaegerUiUrl,
              logsUrlTemplate: args.logsUrlTemplate,
              since: args.since,
              stuckAfter: args.stuckAfter,
              statusOwners: args.statusOwners,
              serviceAccountName,
              podLabels: labels,
            }),
          ),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      name,
      { metadata: metadata(PARTS.orderReport), spec: buildReportNetworkPolicy(reportPods, jaegerQuery.podLabels) },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-jaeger-query`,
      {
        metadata: metadata(`jaeger-query-from-${PARTS.orderReport}`),
        spec: buildJaegerQueryFromReportPolicy(reportPods, jaegerQuery.podLabels),
      },
      child,
    );

    this.cronJobName = cronJob.metadata.name;
    this.registerOutputs({ cronJobName: this.cronJobName });
  }
}

export interface OrderReportExporterArgs {
  /** The tracing namespace; the exporter runs beside Jaeger. */
  namespace: string;
  image: string;
  since: string;
  stuckAfter: string;
  /** Time between reads of Jaeger (`--interval`). */
  interval: string;
  /** The namespace of the Prometheus that scrapes it (its pods are admitted to the exporter's port). */
  scraperNamespace: string;
  jaegerUiUrl?: pulumi.Input<string | undefined>;
  /** As for the CronJob: Jaeger query's URL and pods; defaults to infra/topology.ts. */
  jaegerQuery?: { url: pulumi.Input<string>; podLabels: Record<string, string> };
  /** The OIDC proxy's pods, admitted to the page when the access path is configured. */
  proxyPods?: Record<string, string>;
}

/** The exporter's component label and the name of its objects (Deployment, Service). */
export const EXPORTER_COMPONENT = "order-report-exporter";

/**
 * `order-tracing report --serve` as a Deployment: Prometheus metrics of stuck orders at /metrics
 * (ClusterIP Service, `prometheus.io/*` annotations, admitted only from the scraper's namespace) and
 * the stuck-orders page, which people reach only through the OIDC proxy of the Jaeger UI.
 */
export class OrderReportExporter extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** In-cluster address of /metrics. */
  readonly metricsUrl: pulumi.Output<string>;

  constructor(name: string, args: OrderReportExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:report:OrderReportExporter", name, {}, opts);
    const jaegerQuery = args.jaegerQuery ?? {
      url: `http://${serviceHost(PARTS.jaeger, args.namespace)}:${PORTS.jaegerQueryHttp}`,
      podLabels: selectorLabels(PARTS.jaeger),
    };
    const selector = exporterSelector();
    const labels = { ...commonLabels(EXPORTER_COMPONENT), ...selector };
    const metadata = (objectName: string, annotations?: Record<string, string>) => ({
      name: objectName,
      namespace: args.namespace,
      labels,
      ...(annotations ? { annotations } : {}),
    });
    const child = { parent: this };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      name,
      { metadata: metadata(EXPORTER_COMPONENT), automountServiceAccountToken: false },
      child,
    );
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: metadata(EXPORTER_COMPONENT),
        spec: pulumi
          .all([serviceAccount.metadata.name, jaegerQuery.url, args.jaegerUiUrl])
          .apply(([serviceAccountName, jaegerQueryUrl, jaegerUiUrl]) =>
            buildReportExporterDeploymentSpec({
              image: args.image,
              jaegerQueryUrl,
              jaegerUiUrl,
              since: args.since,
              stuckAfter: args.stuckAfter,
              interval: args.interval,
              serviceAccountName,
              podLabels: labels,
              selector,
            }),
          ),
      },
      child,
    );
    const service = new k8s.core.v1.Service(
      name,
      { metadata: metadata(EXPORTER_COMPONENT, SCRAPE_ANNOTATIONS), spec: buildReportExporterServiceSpec(selector) },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      name,
      {
        metadata: metadata(EXPORTER_COMPONENT),
        spec: buildReportExporterNetworkPolicy({
          exporterPods: selector,
          jaegerPods: jaegerQuery.podLabels,
          scraperNamespace: args.scraperNamespace,
          proxyPods: args.proxyPods,
        }),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-jaeger-query`,
      {
        metadata: metadata(`jaeger-query-from-${EXPORTER_COMPONENT}`),
        spec: buildJaegerQueryFromReportPolicy(selector, jaegerQuery.podLabels),
      },
      child,
    );

    this.serviceName = service.metadata.name;
    this.metricsUrl = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${PORTS.orderReportHttp}${SERVE_PATHS.metrics}`;
    this.registerOutputs({ serviceName: this.serviceName, metricsUrl: this.metricsUrl });
  }
}

/**
 * The exporter's pods: the report's part name (so the policies that admit the report to Jaeger
 * query, and the policy pack's `otherQueryClients`, cover it) plus their own component.
 */
export function exporterSelector(): Record<string, string> {
  return { ...selectorLabels(PARTS.orderReport), "app.kubernetes.io/component": EXPORTER_COMPONENT };
}

/** In-cluster DNS name of the exporter's Service (the OIDC proxy's upstream for the page). */
export function exporterHost(namespace: string): string {
  return `${EXPORTER_COMPONENT}.${namespace}.svc.cluster.local`;
}
