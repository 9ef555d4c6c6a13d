import { formatTable } from "../table";
import { formatDuration } from "./duration";
import { type HoldReason, type OrderReport, type ServiceOperation, TIME_IN_STATUS_BUCKETS_MS } from "./lifecycle";

/**
 * The `--format json` document: the contract of ../shared/DESIGN.md "Command line", with fields
 * added after the contract's (none removed or renamed): why the service holds a stuck order and
 * where its trace ends, each status's current and entered counts and time distribution, and a
 * summary of the run. The HTML page is rendered from exactly this document.
 */
export interface ReportJson {
  stuck: {
    orderId: string;
    status: string;
    since: string;
    service: string;
    operation: string;
    error: string | null;
    traceId: string;
    traceUrl: string;
    reason: HoldReason;
    traceEnd: ServiceOperation;
    /** The order's log lines: `--logs-url-template` filled in; null without a template. */
    logsUrl: string | null;
  }[];
  byStatus: {
    status: string;
    stuckCount: number;
    p50Ms: number | null;
    p95Ms: number | null;
    current: number;
    entered: number;
    distribution: number[];
  }[];
  byService: { service: string; p50Ms: number | null; p95Ms: number | null; share: number; entrySpans: number }[];
  summary: {
    /** The window read (ISO-8601 UTC); `to` is the moment the report describes. */
    from: string;
    to: string;
    stuckAfterMs: number;
    orders: number;
    traces: number;
    /** Upper bounds of `byStatus[].distribution`'s buckets; the last bucket holds longer stays. */
    timeInStatusBucketsMs: number[];
    statusOwners: Record<string, string>;
  };
}

/** The run a report describes: its window and threshold (and the owners it was given). */
export interface ReportContext {
  startMs: number;
  endMs: number;
  stuckAfterMs: number;
  statusOwners?: Readonly<Record<string, string>>;
}

export function reportJson(report: OrderReport, context: ReportContext): ReportJson {
  return {
    stuck: report.stuck.map(
      ({ orderId, status, since, service, operation, error, traceId, traceUrl, reason, traceEnd, logsUrl }) => ({
        orderId,
        status,
        since,
        service,
        operation,
        error,
        traceId,
        traceUrl,
        reason,
        traceEnd: { service: traceEnd.service, operation: traceEnd.operation },
        logsUrl,
      }),
    ),
    byStatus: report.byStatus.map(({ status, stuckCount, p50Ms, p95Ms, current, entered, distribution }) => ({
      status,
      stuckCount,
      p50Ms,
      p95Ms,
      current,
      entered,
      distribution,
    })),
    byService: report.byService.map(({ service, p50Ms, p95Ms, share, entrySpans }) => ({
      service,
      p50Ms,
      p95Ms,
      share,
      entrySpans,
    })),
    summary: {
      from: new Date(context.startMs).toISOString(),
      to: new Date(context.endMs).toISOString(),
      stuckAfterMs: context.stuckAfterMs,
      orders: report.orders,
      traces: report.traces,
      timeInStatusBucketsMs: [...TIME_IN_STATUS_BUCKETS_MS],
      statusOwners: { ...context.statusOwners },
    },
  };
}

/** How the table and the page say why a service holds an order (HOLD_REASONS). */
export const HOLD_REASON_TEXT: Record<HoldReason, string> = {
  failed: "failed here",
  "configured-owner": "owns the status (configured)",
  "recorded-status": "recorded the status",
};

/** Error texts can be long; the table keeps one line per order (the JSON has the full text). */
function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function reportTable(report: OrderReport, context: ReportContext): string {
  const out: string[] = [];
  out.push(
    `Orders from ${new Date(context.startMs).toISOString()} to ${new Date(context.endMs).toISOString()}: ` +
      `${report.orders} with status changes, ${report.stuck.length} stuck ` +
      `(in a non-terminal status for more than ${formatDuration(context.stuckAfterMs)}); ${report.traces} traces.`,
  );
  out.push("", "Per status, worst first (time in status over the orders that left it):");
  out.push(
    ...formatTable(
      ["STATUS", "STUCK", "NOW IN", "ENTERED", "P50 IN STATUS", "P95 IN STATUS"],
      report.byStatus.map((row) => [
        row.status,
        String(row.stuckCount),
        String(row.current),
        String(row.entered),
        formatDuration(row.p50Ms),
        formatDuration(row.p95Ms),
      ]),
      ["left", "right", "right", "right", "right", "right"],
    ),
  );
  out.push("", "Per service, longest first (entry span time; share of the processing time spent in the service):");
  out.push(
    ...formatTable(
      ["SERVICE", "P50", "P95", "SHARE", "SPANS"],
      report.byService.map((row) => [
        row.service,
        formatDuration(row.p50Ms),
        formatDuration(row.p95Ms),
        `${(row.share * 100).toFixed(1)}%`,
        String(row.entrySpans),
      ]),
      ["left", "right", "right", "right", "right"],
    ),
  );
  out.push("");
  if (report.stuck.length === 0) {
    out.push("No stuck orders.");
  } else {
    // The logs column only when a logs URL template is set.
    const logs = report.stuck.some((order) => order.logsUrl !== null);
    out.push(
      "Stuck orders, longest stuck first (the service that holds each and why, the error, where its trace ends, the trace" +
        (logs ? ", its log lines):" : "; the trace id is the trace_id of its log lines):"),
    );
    out.push(
      ...formatTable(
        [
          "ORDER",
          "STATUS",
          "FOR",
          "SINCE",
          "SERVICE",
          "OPERATION",
          "WHY",
          "ERROR",
          "TRACE ENDS AT",
          "TRACE",
          "TRACE ID",
          ...(logs ? ["LOGS"] : []),
        ],
        report.stuck.map((order) => [
          order.orderId,
          order.status,
          formatDuration(order.stuckForMs),
          order.since,
          order.service,
          order.operation === "" ? "-" : shorten(order.operation, 40),
          HOLD_REASON_TEXT[order.reason],
          order.error === null ? "-" : shorten(order.error, 60),
          shorten(`${order.traceEnd.service} ${order.traceEnd.operation}`, 48),
          order.traceUrl,
          order.traceId,
          ...(logs ? [order.logsUrl ?? "-"] : []),
        ]),
        ["left", "left", "right", "left", "left", "left", "left", "left", "left", "left", "left", "left"],
      ),
    );
  }
  return out.join("\n");
}
