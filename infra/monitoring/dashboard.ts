import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as heatmap from "@grafana/grafana-foundation-sdk/heatmap";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { METRIC_NAMES } from "../../cli/report/metric-names";

/**
 * The Grafana dashboard of stuck orders, built with Grafana's Foundation SDK (typed builders; no
 * hand-written JSON). The stack renders it into a ConfigMap labelled `grafana_dashboard`, which
 * Grafana's dashboard sidecar loads; infra/monitoring/testdata/ holds its golden JSON.
 */

export const DASHBOARD_UID = "order-tracing-stuck-orders";
export const DASHBOARD_FILE = "order-tracing-stuck-orders.json";

/** The dashboard's data source variable: every query reads the Prometheus the user picks. */
const DATASOURCE_VARIABLE = "datasource";
const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` };

const m = METRIC_NAMES;

/** A PromQL query of the dashboard; `legend` names each series. */
function query(expr: string, legend: string, options: { instant?: boolean; heatmap?: boolean } = {}) {
  const q = new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend);
  if (options.instant) q.instant().format(prometheus.PromQueryFormat.Table);
  if (options.heatmap) q.format(prometheus.PromQueryFormat.Heatmap);
  return q;
}

const thresholds = (steps: { value: number | null; color: string }[]) =>
  new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);

const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);

export interface DashboardOptions {
  /** The page that lists the stuck orders (through the OIDC proxy), linked from the dashboard. */
  pageUrl?: string;
}

export function buildStuckOrdersDashboard(options: DashboardOptions = {}): dashboard.Dashboard {
  // Grafana keys panel state (links, repeats) by id: unique, in layout order.
  let lastId = 0;
  const nextId = () => ++lastId;
  const builder = new dashboard.DashboardBuilder("Order tracing: stuck orders")
    .uid(DASHBOARD_UID)
    .description(
      "Where orders get stuck and how long they stay in each status, from order-tracing report --serve (docs/alerts.md).",
    )
    .tags(["order-tracing"])
    .refresh("1m")
    .time({ from: "now-24h", to: "now" })
    .timezone("utc")
    .readonly()
    .withVariable(new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE).label("Prometheus").type("prometheus"));
  if (options.pageUrl) {
    builder.link(
      new dashboard.DashboardLinkBuilder("Stuck orders (page)")
        .type(dashboard.DashboardLinkType.Link)
        .url(options.pageUrl)
        .targetBlank(true)
        .icon("external link"),
    );
  }

  builder
    .withRow(new dashboard.RowBuilder("Now").id(nextId()))
    .withPanel(
      new stat.PanelBuilder()
        .id(nextId())
        .title("Orders stuck")
        .description("Orders in a non-terminal status for longer than the report's --stuck-after.")
        .withTarget(query(`sum(${m.ordersStuck}) or vector(0)`, "stuck"))
        .reduceOptions(lastValue())
        .colorMode(common.BigValueColorMode.Background)
        .thresholds(
          thresholds([
            { value: null, color: "green" },
            { value: 1, color: "red" },
          ]),
        )
        .span(6)
        .height(6),
    )
    .withPanel(
      new stat.PanelBuilder()
        .id(nextId())
        .title("Report reads Jaeger")
        .description("Whether the last read of Jaeger query by order-tracing report --serve succeeded.")
        .withTarget(query(`max(${m.readSuccess})`, "read"))
        .reduceOptions(lastValue())
        .colorMode(common.BigValueColorMode.Background)
        .mappings([
          {
            type: dashboard.MappingType.ValueToText,
            options: { "0": { text: "FAILING", color: "red" }, "1": { text: "OK", color: "green" } },
          },
        ])
        .noValue("no metrics")
        .span(6)
        .height(6),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .id(nextId())
        .title("Orders stuck per status")
        .withTarget(query(`sum by (status) (${m.ordersStuck})`, "{{status}}", { instant: true }))
        .reduceOptions(lastValue())
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .orientation(common.VizOrientation.Horizontal)
        .span(6)
        .height(6),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .id(nextId())
        .title("Orders stuck per service (where they stopped)")
        .withTarget(query(`sum by (service) (${m.ordersStuck})`, "{{service}}", { instant: true }))
        .reduceOptions(lastValue())
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .orientation(common.VizOrientation.Horizontal)
        .span(6)
        .height(6),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .id(nextId())
        .title("Orders per current status (funnel)")
        .description("Orders whose latest status in the report's window is this one, stuck or not.")
        .withTarget(query(`sum by (status) (${m.ordersInStatus})`, "{{status}}", { instant: true }))
        .reduceOptions(lastValue())
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .span(12)
        .height(8),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .id(nextId())
        .title("Share of processing time per service")
        .withTarget(query(`max by (service) (${m.serviceTimeShare})`, "{{service}}", { instant: true }))
        .reduceOptions(lastValue())
        .unit("percentunit")
        .min(0)
        .max(1)
        .displayMode(common.BarGaugeDisplayMode.Gradient)
        .orientation(common.VizOrientation.Horizontal)
        .span(12)
        .height(8),
    )
    .withRow(new dashboard.RowBuilder("Over time").id(nextId()))
    .withPanel(
      new timeseries.PanelBuilder()
        .id(nextId())
        .title("Oldest stuck order, per status")
        .withTarget(query(`max by (status) (${m.oldestStuckAge})`, "{{status}}"))
        .unit("s")
        .min(0)
        .span(12)
        .height(8),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .id(nextId())
        .title("Orders stuck, per status and service")
        .withTarget(query(`sum by (status, service) (${m.ordersStuck})`, "{{status}} in {{service}}"))
        .min(0)
        .decimals(0)
        .span(12)
        .height(8),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .id(nextId())
        .title("Time in status, p50 and p95")
        .description("From the time-in-status histogram: each order's stay in a status, observed when it leaves it.")
        .withTarget(
          query(
            `histogram_quantile(0.5, sum by (le, status) (rate(${m.timeInStatus}_bucket[$__rate_interval])))`,
            "p50 {{status}}",
          ),
        )
        .withTarget(
          query(
            `histogram_quantile(0.95, sum by (le, status) (rate(${m.timeInStatus}_bucket[$__rate_interval])))`,
            "p95 {{status}}",
          ),
        )
        .unit("s")
        .min(0)
        .span(12)
        .height(8),
    )
    .withPanel(
      new heatmap.PanelBuilder()
        .id(nextId())
        .title("Time in status, distribution")
        .withTarget(query(`sum by (le) (increase(${m.timeInStatus}_bucket[$__interval]))`, "{{le}}", { heatmap: true }))
        .calculate(false)
        .yAxis(new heatmap.YAxisConfigBuilder().unit("s"))
        .span(12)
        .height(8),
    )
    .withRow(new dashboard.RowBuilder("The exporter").id(nextId()))
    .withPanel(
      new timeseries.PanelBuilder()
        .id(nextId())
        .title("Reads of Jaeger, per result")
        .withTarget(query(`sum by (result) (rate(${m.readsTotal}[$__rate_interval]))`, "{{result}}"))
        .unit("reqps")
        .min(0)
        .span(12)
        .height(8),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .id(nextId())
        .title("Read duration, p95")
        .withTarget(
          query(`histogram_quantile(0.95, sum by (le) (rate(${m.readDuration}_bucket[$__rate_interval])))`, "p95"),
        )
        .withTarget(query(`time() - max(${m.lastSuccess})`, "since last success"))
        .unit("s")
        .min(0)
        .span(12)
        .height(8),
    );
  return builder.build();
}

/** The dashboard as the JSON file Grafana loads (stable key order, as the builder emits it). */
export function dashboardJson(options: DashboardOptions = {}): string {
  return `${JSON.stringify(buildStuckOrdersDashboard(options), null, 2)}\n`;
}

/** Every PromQL expression of a built dashboard (tests check each with promtool). */
export function dashboardQueries(built: dashboard.Dashboard): string[] {
  const exprs: string[] = [];
  for (const panel of built.panels ?? []) {
    for (const target of ("targets" in panel ? panel.targets : undefined) ?? []) {
      const expr = (target as { expr?: unknown }).expr;
      if (typeof expr === "string") exprs.push(expr);
    }
  }
  return exprs;
}
