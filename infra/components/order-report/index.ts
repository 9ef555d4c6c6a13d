import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../../labels";
import { PARTS, PORTS, selectorLabels, serviceHost } from "../../topology";
import { buildJaegerQueryFromReportPolicy, buildReportCronJobSpec, buildReportNetworkPolicy } from "./cronjob";

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
