import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { Dataquery as PrometheusQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../cli/report/metric-names";
import { buildStuckOrdersDashboard, DASHBOARD_FILE, DASHBOARD_UID, dashboardJson, dashboardQueries } from "./dashboard";

/**
 * The dashboard against its golden file (testdata/; regenerate with ORDER_TRACING_UPDATE_GOLDEN=1
 * after an intended change, and review the diff) and against the SDK's Dashboard type: the golden
 * JSON, read back, must be a Dashboard whose panels are panels of the SDK's kinds.
 */

const GOLDEN = path.join(__dirname, "testdata", DASHBOARD_FILE);
const PAGE = "https://tracing.internal.example/orders/";
const PANEL_KINDS = ["stat", "bargauge", "timeseries", "heatmap", "row"];

describe("the stuck-orders dashboard", () => {
  it("matches its golden file", () => {
    const json = dashboardJson({ pageUrl: PAGE });
    if (process.env.ORDER_TRACING_UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, json);
    expect(json).toBe(readFileSync(GOLDEN, "utf8"));
  });

  it("is a Dashboard of the SDK's types, every query on the chosen Prometheus and the report's metrics", () => {
    const golden: Dashboard = JSON.parse(readFileSync(GOLDEN, "utf8")) as Dashboard;
    expect(golden.uid).toBe(DASHBOARD_UID);
    expect(golden.schemaVersion).toBeTypeOf("number");
    expect(golden.templating?.list?.map((v) => [v.type, v.name, v.query])).toEqual([
      ["datasource", "datasource", "prometheus"],
    ]);
    expect(golden.links?.map((l) => l.url)).toEqual([PAGE]);
    const panels = (golden.panels ?? []) as Panel[];
    expect(panels.map((p) => p.type).every((t) => PANEL_KINDS.includes(t))).toBe(true);
    expect(panels.map((p) => p.id)).toEqual(panels.map((_, i) => i + 1));
    const widgets = panels.filter((p) => p.type !== "row");
    expect(widgets.map((p) => p.title)).toEqual([
      "Orders stuck",
      "Report reads Jaeger",
      "Orders stuck per status",
      "Orders stuck per service (where they stopped)",
      "Orders per current status (funnel)",
      "Share of processing time per service",
      "Oldest stuck order, per status",
      "Orders stuck, per status and service",
      "Time in status, p50 and p95",
      "Time in status, distribution",
      "Reads of Jaeger, per result",
      "Read duration, p95",
    ]);
    for (const panel of widgets) {
      expect(panel.gridPos, panel.title).toBeDefined();
      for (const target of (panel.targets ?? []) as PrometheusQuery[]) {
        expect(target.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
        const expr = target.expr;
        expect(
          Object.values(METRIC_NAMES).some((name) => expr.includes(name)),
          expr,
        ).toBe(true);
      }
    }
    // The same queries as the builder's (the golden file is not stale).
    expect(dashboardQueries(golden)).toEqual(dashboardQueries(buildStuckOrdersDashboard({ pageUrl: PAGE })));
  });

  it("covers the issue's panels: stuck per status and service, oldest age, time in status, the exporter's reads", () => {
    const exprs = dashboardQueries(buildStuckOrdersDashboard()).join("\n");
    for (const name of [
      METRIC_NAMES.ordersStuck,
      METRIC_NAMES.oldestStuckAge,
      `${METRIC_NAMES.timeInStatus}_bucket`,
      METRIC_NAMES.ordersInStatus,
      METRIC_NAMES.serviceTimeShare,
      METRIC_NAMES.readSuccess,
      METRIC_NAMES.readsTotal,
      `${METRIC_NAMES.readDuration}_bucket`,
    ])
      expect(exprs).toContain(name);
    // Without a page URL, no link.
    expect(buildStuckOrdersDashboard().links ?? []).toEqual([]);
  });
});
