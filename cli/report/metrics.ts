import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OrderReport } from "./lifecycle";
import { METRIC_LABELS, METRIC_NAMES, METRIC_PREFIX, TIME_IN_STATUS_BUCKETS } from "./metric-names";

export { METRIC_LABELS, METRIC_NAMES } from "./metric-names";

/**
 * The Prometheus metrics of `order-tracing report --serve`, through prom-client (never hand-written
 * exposition text). Their names and labels are in ./metric-names.ts.
 */

/** One read of Jaeger takes well under a second on a quiet window and minutes on a busy day. */
const READ_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A stay of an order in a status that has ended (the order moved on), observed once. */
export interface CompletedStay {
  status: string;
  seconds: number;
}

export interface ReadOutcome {
  ok: boolean;
  durationSeconds: number;
  /** When the read finished (epoch ms). */
  at: number;
}

export class ReportMetrics {
  readonly registry = new Registry();
  private readonly ordersStuck: Gauge<string>;
  private readonly oldestStuckAge: Gauge<string>;
  private readonly ordersInStatus: Gauge<string>;
  private readonly timeInStatus: Histogram<string>;
  private readonly serviceTimeShare: Gauge<string>;
  private readonly readSuccess: Gauge;
  private readonly readsTotal: Counter<string>;
  private readonly readDuration: Histogram;
  private readonly lastSuccess: Gauge;
  private readonly ordersTracked: Gauge;
  private readonly tracesHeld: Gauge;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const { status, service, result } = METRIC_LABELS;
    this.ordersStuck = new Gauge({
      name: METRIC_NAMES.ordersStuck,
      help: "Orders stuck now (in a non-terminal status longer than --stuck-after), by status and the service where they stopped.",
      labelNames: [status, service],
      registers,
    });
    this.oldestStuckAge = new Gauge({
      name: METRIC_NAMES.oldestStuckAge,
      help: "How long the oldest stuck order has been in its status, by status.",
      labelNames: [status],
      registers,
    });
    this.ordersInStatus = new Gauge({
      name: METRIC_NAMES.ordersInStatus,
      help: "Orders whose latest status in the window is this one (the funnel), stuck or not.",
      labelNames: [status],
      registers,
    });
    this.timeInStatus = new Histogram({
      name: METRIC_NAMES.timeInStatus,
      help: "Time orders spent in a status before moving on, observed once per order and status.",
      labelNames: [status],
      buckets: TIME_IN_STATUS_BUCKETS,
      registers,
    });
    this.serviceTimeShare = new Gauge({
      name: METRIC_NAMES.serviceTimeShare,
      help: "Fraction (0..1) of the order path's processing time spent in each service, over the window.",
      labelNames: [service],
      registers,
    });
    this.readSuccess = new Gauge({
      name: METRIC_NAMES.readSuccess,
      help: "1 when the last read of Jaeger query succeeded, 0 when it failed.",
      registers,
    });
    this.readsTotal = new Counter({
      name: METRIC_NAMES.readsTotal,
      help: "Reads of Jaeger query, by result (success, failure).",
      labelNames: [result],
      registers,
    });
    this.readDuration = new Histogram({
      name: METRIC_NAMES.readDuration,
      help: "Duration of one read of Jaeger query (the new part of the window) and the report over the window.",
      buckets: READ_DURATION_BUCKETS,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: METRIC_NAMES.lastSuccess,
      help: "When the last successful read of Jaeger query finished (Unix seconds).",
      registers,
    });
    this.ordersTracked = new Gauge({
      name: METRIC_NAMES.ordersTracked,
      help: "Orders with a status change in the window that the exporter holds.",
      registers,
    });
    this.tracesHeld = new Gauge({
      name: METRIC_NAMES.tracesHeld,
      help: "Traces of the window the exporter holds in memory.",
      registers,
    });
    for (const value of ["success", "failure"]) this.readsTotal.inc({ [result]: value }, 0);
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: `${METRIC_PREFIX}report_` });
    }
  }

  /** A read failed: the report's gauges keep their last values (the orders did not change by it). */
  recordRead(outcome: ReadOutcome): void {
    this.readsTotal.inc({ [METRIC_LABELS.result]: outcome.ok ? "success" : "failure" });
    this.readSuccess.set(outcome.ok ? 1 : 0);
    this.readDuration.observe(outcome.durationSeconds);
    if (outcome.ok) this.lastSuccess.set(outcome.at / 1000);
  }

  /**
   * Replaces the per-status and per-service gauges with the report's (a status that has no stuck
   * order any more loses its series), and observes the stays that ended since the last update.
   */
  updateReport(report: OrderReport, completed: readonly CompletedStay[], tracesHeld: number): void {
    const { status, service } = METRIC_LABELS;
    this.ordersStuck.reset();
    this.oldestStuckAge.reset();
    const stuckBy = new Map<string, { status: string; service: string; count: number }>();
    const oldest = new Map<string, number>();
    for (const order of report.stuck) {
      const key = JSON.stringify([order.status, order.service]);
      const entry = stuckBy.get(key) ?? { status: order.status, service: order.service, count: 0 };
      entry.count++;
      stuckBy.set(key, entry);
      oldest.set(order.status, Math.max(oldest.get(order.status) ?? 0, order.stuckForMs / 1000));
    }
    for (const entry of stuckBy.values())
      this.ordersStuck.set({ [status]: entry.status, [service]: entry.service }, entry.count);
    for (const [name, seconds] of oldest) this.oldestStuckAge.set({ [status]: name }, seconds);

    this.ordersInStatus.reset();
    for (const row of report.byStatus) this.ordersInStatus.set({ [status]: row.status }, row.current);
    this.serviceTimeShare.reset();
    for (const row of report.byService) this.serviceTimeShare.set({ [service]: row.service }, row.share);
    for (const stay of completed) this.timeInStatus.observe({ [status]: stay.status }, stay.seconds);
    this.ordersTracked.set(report.orders);
    this.tracesHeld.set(tracesHeld);
  }

  /** The exposition text and its content type, as prom-client renders them. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
