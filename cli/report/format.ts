import { formatDuration } from "./duration";
import type { OrderReport } from "./lifecycle";

/** The `--format json` document: exactly the contract of ../shared/DESIGN.md "Command line". */
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
    logsUrl: string | null;
  }[];
  byStatus: { status: string; stuckCount: number; p50Ms: number | null; p95Ms: number | null }[];
  byService: { service: string; p50Ms: number | null; p95Ms: number | null; share: number }[];
}

export function reportJson(report: OrderReport): ReportJson {
  return {
    stuck: report.stuck.map(({ orderId, status, since, service, operation, error, traceId, traceUrl, logsUrl }) => ({
      orderId,
      status,
      since,
      service,
      operation,
      error,
      traceId,
      traceUrl,
      logsUrl,
    })),
    byStatus: report.byStatus.map(({ status, stuckCount, p50Ms, p95Ms }) => ({ status, stuckCount, p50Ms, p95Ms })),
    byService: report.byService.map(({ service, p50Ms, p95Ms, share }) => ({ service, p50Ms, p95Ms, share })),
  };
}

type Align = "left" | "right";

/** Columns padded to their widest cell; numbers right-aligned. */
function table(headers: string[], rows: string[][], align: Align[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Error texts can be long; the table keeps one line per order (the JSON has the full text). */
function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export interface TableContext {
  startMs: number;
  endMs: number;
  stuckAfterMs: number;
}

export function reportTable(report: OrderReport, context: TableContext): string {
  const out: string[] = [];
  out.push(
    `Orders from ${new Date(context.startMs).toISOString()} to ${new Date(context.endMs).toISOString()}: ` +
      `${report.orders} with status changes, ${report.stuck.length} stuck ` +
      `(in a non-terminal status for more than ${formatDuration(context.stuckAfterMs)}); ${report.traces} traces.`,
  );
  out.push("", "Per status, worst first (time in status over the orders that left it):");
  out.push(
    ...table(
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
    ...table(
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
      "Stuck orders, longest stuck first (where processing stopped, the error, the trace" +
        (logs ? ", its log lines):" : "; the trace id is the trace_id of its log lines):"),
    );
    out.push(
      ...table(
        [
          "ORDER",
          "STATUS",
          "FOR",
          "SINCE",
          "SERVICE",
          "OPERATION",
          "ERROR",
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
          shorten(order.operation, 40),
          order.error === null ? "-" : shorten(order.error, 60),
          order.traceUrl,
          order.traceId,
          ...(logs ? [order.logsUrl ?? "-"] : []),
        ]),
        ["left", "left", "right", "left", "left", "left", "left", "left", "left", "left"],
      ),
    );
  }
  return out.join("\n");
}
