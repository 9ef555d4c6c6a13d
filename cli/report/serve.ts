import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { reportJson } from "./format";
import { IncrementalWindow } from "./incremental";
import { fetchWindow, JaegerQueryError } from "./jaeger-client";
import type { OrderReport } from "./lifecycle";
import { ReportMetrics } from "./metrics";
import { SERVE_PATHS } from "./serve-paths";

export { SERVE_PATHS } from "./serve-paths";
import { renderReportPage } from "./page";

/**
 * `order-tracing report --serve`: a long-running exporter. Every interval it reads the new part of
 * the window from Jaeger query (IncrementalWindow), rebuilds the report over what it holds, and
 * updates the Prometheus metrics (ReportMetrics). It serves `/metrics` and the page at `/`.
 */

export interface ServeOptions {
  jaegerUrl: URL;
  jaegerUiUrl: string;
  /** The logs link of each stuck order on the page (`--logs-url-template`). */
  logsUrlTemplate?: string;
  sinceMs: number;
  stuckAfterMs: number;
  /** Per status, the service that owns it (`--status-owners`): the stuck orders' `service` label. */
  statusOwners?: Readonly<Record<string, string>>;
  pageSize: number;
  intervalMs: number;
  host: string;
  port: number;
  /** Where progress and read errors go (stderr in the command). */
  log?: (line: string) => void;
  /** The clock (tests move it). */
  now?: () => number;
}

interface Latest {
  report: OrderReport;
  startMs: number;
  endMs: number;
  statusOwners?: Readonly<Record<string, string>>;
}

export interface RunningExporter {
  /** The address it listens on (the port is the one the OS chose when 0 was asked). */
  url: string;
  /** Runs one read now (tests; the timer runs them every interval). */
  readOnce(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The page at `/`: the report's HTML page (page.ts, the same as `--format html`) of the last
 * successful read, reloading itself every interval; a short notice before the first read.
 */
export function renderPage(latest: Latest | undefined, stuckAfterMs: number, refreshSeconds?: number): string {
  if (latest !== undefined) {
    const { report, startMs, endMs, statusOwners } = latest;
    return renderReportPage(reportJson(report, { startMs, endMs, stuckAfterMs, statusOwners }), { refreshSeconds });
  }
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>Stuck orders</title>',
    refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : "",
    "<style>body{font-family:system-ui,sans-serif;margin:1.5rem}</style>",
    "</head><body><h1>Stuck orders</h1>",
    "<p>No successful read of Jaeger yet; see the exporter's log and order_tracing_report_read_success.</p>",
    "</body></html>",
  ].join("\n");
}

export async function startExporter(options: ServeOptions): Promise<RunningExporter> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? Date.now;
  const metrics = new ReportMetrics();
  const window = new IncrementalWindow(options.sinceMs);
  let latest: Latest | undefined;
  let reading: Promise<boolean> | undefined;

  const read = async (): Promise<boolean> => {
    const started = performance.now();
    const plan = window.nextRead(now());
    try {
      const fetched = await fetchWindow({
        baseUrl: options.jaegerUrl,
        startMs: plan.startMs,
        endMs: plan.endMs,
        pageSize: options.pageSize,
      });
      window.add(plan, fetched.spans);
      const report = window.report({
        now: plan.endMs,
        stuckAfterMs: options.stuckAfterMs,
        jaegerUiUrl: options.jaegerUiUrl,
        logsUrlTemplate: options.logsUrlTemplate,
        statusOwners: options.statusOwners,
      });
      metrics.updateReport(report, window.newlyCompletedStays(), window.traceCount);
      latest = {
        report,
        startMs: plan.endMs - options.sinceMs,
        endMs: plan.endMs,
        statusOwners: options.statusOwners,
      };
      const seconds = (performance.now() - started) / 1000;
      metrics.recordRead({ ok: true, durationSeconds: seconds, at: now() });
      log(
        `read ${fetched.traces} traces (${fetched.requests} searches, ${new Date(plan.startMs).toISOString()} on) in ` +
          `${seconds.toFixed(2)}s; ${report.orders} orders, ${report.stuck.length} stuck`,
      );
      return true;
    } catch (error) {
      metrics.recordRead({ ok: false, durationSeconds: (performance.now() - started) / 1000, at: now() });
      if (!(error instanceof JaegerQueryError)) log(`read failed unexpectedly: ${String(error)}`);
      else log(`read failed: ${error.message}`);
      return false;
    }
  };
  // One read at a time: a slow read delays the next instead of stacking with it.
  const readOnce = () => (reading ??= read().finally(() => (reading = undefined)));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://exporter").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === SERVE_PATHS.metrics) {
      const { contentType, body } = await metrics.exposition(request.headers.accept);
      response.writeHead(200, { "content-type": contentType }).end(body);
    } else if (path === SERVE_PATHS.health) {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === SERVE_PATHS.page || path === SERVE_PATHS.proxiedPage) {
      response
        .writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
        .end(renderPage(latest, options.stuckAfterMs, Math.max(1, Math.round(options.intervalMs / 1000))));
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`request failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await readOnce();
    if (!stopped) timer = setTimeout(() => void loop(), options.intervalMs);
  };
  void loop();

  return {
    url: `http://${host}:${address.port}`,
    readOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await reading;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs the exporter until SIGTERM or SIGINT (the Deployment's stop, Ctrl-C). */
export async function serveUntilStopped(options: ServeOptions): Promise<number> {
  const log = (line: string) => process.stderr.write(`order-tracing report: ${line}\n`);
  let exporter: RunningExporter;
  try {
    exporter = await startExporter({ ...options, log });
  } catch (error) {
    log(`cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  log(`serving ${exporter.url}${SERVE_PATHS.metrics} and the page at ${exporter.url}${SERVE_PATHS.page}`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await exporter.stop();
  return 0;
}
