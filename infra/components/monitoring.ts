import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/monitoring";
import { commonLabels } from "../labels";
import { DASHBOARD_FILE, dashboardJson } from "../monitoring/dashboard";
import { buildAlertRuleGroups, rulesFileYaml, type RuleGroup } from "../monitoring/rules";

export interface OrderTracingMonitoringArgs {
  /** The tracing namespace: where the rules go (and the dashboard, unless `dashboardNamespace`). */
  namespace: string;
  monitoring: MonitoringConfig;
  /** The stuck-orders page behind the OIDC proxy, linked from the alerts and the dashboard. */
  pageUrl?: pulumi.Input<string | undefined>;
}

const COMPONENT = "monitoring";
/** The ConfigMap key of the plain rules file, and of the dashboard. */
export const RULES_FILE = "order-tracing.rules.yml";
/** The label Grafana's dashboard sidecar (kube-prometheus-stack, the Grafana Helm chart) looks for. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/**
 * The alerting rules on the exporter's metrics, as a PrometheusRule (`monitoring.prometheusRule`)
 * or as a ConfigMap holding the plain rules file for a Prometheus without the operator, and the
 * Grafana dashboard as a ConfigMap labelled `grafana_dashboard` (`monitoring.grafanaDashboard`).
 */
export class OrderTracingMonitoring extends pulumi.ComponentResource {
  /** The plain Prometheus rules file (also a stack output, for `rule_files:`). */
  readonly rulesFile: pulumi.Output<string>;

  constructor(name: string, args: OrderTracingMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:monitoring:OrderTracingMonitoring", name, {}, opts);
    const { monitoring } = args;
    const child = { parent: this };
    const labels = commonLabels(COMPONENT);
    const groups: pulumi.Output<RuleGroup[]> = pulumi.output(args.pageUrl).apply((pageUrl) =>
      buildAlertRuleGroups({
        stuckThresholdsMs: monitoring.stuckAlertAfterMs,
        defaultStuckThresholdMs: monitoring.defaultStuckAlertAfterMs,
        stuckForMs: monitoring.alertForMs,
        readFailureForMs: monitoring.readFailureForMs,
        pageUrl,
      }),
    );
    this.rulesFile = groups.apply(rulesFileYaml);
    const ruleMetadata = {
      name: "order-tracing",
      namespace: args.namespace,
      labels: { ...labels, ...monitoring.ruleLabels },
    };

    if (monitoring.prometheusRule) {
      new k8s.apiextensions.CustomResource(
        `${name}-rules`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: ruleMetadata,
          spec: { groups },
        },
        child,
      );
    } else {
      new k8s.core.v1.ConfigMap(
        `${name}-rules`,
        {
          metadata: { ...ruleMetadata, name: "order-tracing-prometheus-rules" },
          data: { [RULES_FILE]: this.rulesFile },
        },
        child,
      );
    }

    if (monitoring.grafanaDashboard) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboard`,
        {
          metadata: {
            name: "order-tracing-dashboard",
            namespace: monitoring.dashboardNamespace ?? args.namespace,
            labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL },
          },
          data: { [DASHBOARD_FILE]: pulumi.output(args.pageUrl).apply((pageUrl) => dashboardJson({ pageUrl })) },
        },
        child,
      );
    }
    this.registerOutputs({ rulesFile: this.rulesFile });
  }
}
