import { writeFileSync } from "node:fs";
import { STATUS_CHANGE_SPAN } from "../../contract/trace";
import { reportJson, reportTable } from "./format";
import { fetchWindow, JaegerQueryError } from "./jaeger-client";
import { buildReport } from "./lifecycle";
import { parseReportArgs, REPORT_USAGE, UsageError } from "./options";
import { printOut } from "./output";
import { renderReportPage } from "./page";
import { progressReporter } from "./progress";

async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    printOut(REPORT_USAGE);
    return 0;
  }
  let options;
  try {
    options = parseReportArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`order-tracing report: ${error.message}\n\n${REPORT_USAGE}`);
    return 2;
  }

  if (options.serve) {
    // Loaded only here: the one-shot report needs nothing of the exporter (prom-client, node:http).
    const { serveUntilStopped } = await import("./serve");
    return serveUntilStopped({ ...options, ...options.serve });
  }

  const endMs = Date.now();
  const startMs = endMs - options.sinceMs;
  const progress = progressReporter(process.stderr);
  let fetched;
  try {
    fetched = await fetchWindow({
      baseUrl: options.jaegerUrl,
      startMs,
      endMs,
      pageSize: options.pageSize,
      onProgress: (p) => progress.update(p),
    });
  } catch (error) {
    progress.done();
    if (!(error instanceof JaegerQueryError)) throw error;
    console.error(`order-tracing report: ${error.message}`);
    return 1;
  }
  progress.done();

  const window = `${new Date(startMs).toISOString()} to ${new Date(endMs).toISOString()}`;
  if (fetched.truncatedWindows > 0) {
    console.error(
      `order-tracing report: warning: ${fetched.truncatedWindows} search window(s) stayed full at the smallest ` +
        `slice; some traces may be missing (raise --page-size if the storage allows).`,
    );
  }
  const report = buildReport(fetched.spans, {
    now: endMs,
    stuckAfterMs: options.stuckAfterMs,
    jaegerUiUrl: options.jaegerUiUrl,
    logsUrlTemplate: options.logsUrlTemplate,
    statusOwners: options.statusOwners,
  });
  if (report.orders === 0) {
    console.error(
      `order-tracing report: no order status changes in Jaeger from ${window} ` +
        `(${fetched.services.length} services, ${fetched.traces} traces read through the ${fetched.api} API). ` +
        `Widen --since, or check that the order services send traces with \`${STATUS_CHANGE_SPAN}\` spans.`,
    );
    return 1;
  }
  const context = { startMs, endMs, stuckAfterMs: options.stuckAfterMs, statusOwners: options.statusOwners };
  const text =
    options.format === "table"
      ? reportTable(report, context)
      : options.format === "json"
        ? JSON.stringify(reportJson(report, context), null, 2)
        : renderReportPage(reportJson(report, context));
  if (options.output === undefined) {
    printOut(text);
    return 0;
  }
  try {
    writeFileSync(options.output, `${text}\n`);
  } catch (error) {
    console.error(`order-tracing report: --output: cannot write ${options.output}: ${(error as Error).message}`);
    return 1;
  }
  console.error(`order-tracing report: wrote the ${options.format} report to ${options.output}`);
  return 0;
}

// Registered in cli/main.ts (whose Command type it satisfies); it imports nothing from there so the
// report image (images/definitions.ts, order-report) compiles this folder alone.
export const command = { usage: REPORT_USAGE, run };
