// Benchmark of `order-tracing report` over 10,000 synthetic orders (58,000 traces), and where its
// time goes:
//   1. compute: the lifecycle math (buildReport) over the spans, in process;
//   2. decode: parsing the api/v3 answer (OTLP JSON) into spans;
//   3. with the Jaeger binary built: a real Jaeger v2 (Badger storage, loopback) loaded with the
//      orders, then the fetch through the query API (paged: searches, traces read in all answers,
//      full pages, and the CPU seconds Jaeger and this process spent), checked to give the very
//      report the spans themselves give, and the whole command as a process;
//   4. with the Jaeger binary built: the exporter (`report --serve`, startExporter) on the same
//      Jaeger, its clock set inside the dataset: its first read of the whole window, then its
//      refreshes one interval apart, each reading only the new minutes (what a support engineer's
//      page and the alerts wait for once the exporter runs).
// Writes bench/results/report.json: machine, versions, command, raw samples and medians. It asserts
// nothing. Run: npm run bench:report [-- --samples N] [-- --no-jaeger]
import { setTimeout as delay } from "node:timers/promises";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fetchWindow } from "../cli/report/jaeger-client";
import { reportJson } from "../cli/report/format";
import { buildReport } from "../cli/report/lifecycle";
import { startExporter } from "../cli/report/serve";
import { READ_OVERLAP_MS } from "../cli/report/incremental";
import { LOOPBACK } from "../sandbox/process";
import { DEFAULTS } from "../cli/report/options";
import { parseDuration } from "../cli/report/duration";
import { spansFromOtlpJson } from "../cli/report/spans";
import { startLocalJaeger } from "../cli/report/testing/jaeger-local";
import { otlpExportRequest, syntheticOrderMix, syntheticOrderSpans } from "../cli/report/testing/synthetic-orders";
import { cpuSeconds, median, round } from "../test/support/measure";
import { benchOptions, writeResultsMarkdown } from "./support/results";
import { TOOLS_BIN } from "../test/support/project";

const ROOT = path.resolve(__dirname, "..");
const ORDERS = 10_000;
const HOUR = 3_600_000;
/** The exporter's default interval (`report --serve --interval`). */
const SERVE_INTERVAL_MS = parseDuration(DEFAULTS.interval) ?? 60_000;
const args = process.argv.slice(2);
const samplesArg = args.indexOf("--samples");
const SAMPLES = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 7;
const withJaeger = !args.includes("--no-jaeger") && existsSync(path.join(TOOLS_BIN, "jaeger"));

function time<T>(run: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

async function timeAsync<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function pinnedVersion(name: string): string | undefined {
  const env = readFileSync(path.join(ROOT, "tools", "versions.env"), "utf8");
  return new RegExp(`^${name}=(.*)$`, "m").exec(env)?.[1];
}

async function main(): Promise<void> {
  const loadAtStart = Math.round(os.loadavg()[0] * 10) / 10;
  const now = Date.now();
  const orders = syntheticOrderMix(ORDERS, now - 23 * HOUR, now - HOUR);
  const spans = syntheticOrderSpans(orders);
  const traces = new Set(spans.map((s) => s.traceId)).size;
  const options = { now, stuckAfterMs: 30 * 60_000, jaegerUiUrl: "http://127.0.0.1:16686" };
  console.error(`dataset: ${ORDERS} orders, ${traces} traces, ${spans.length} spans`);

  buildReport(spans, options); // warm-up
  const computeMs: number[] = [];
  let stuck = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const { ms, value } = time(() => buildReport(spans, options));
    computeMs.push(round(ms));
    stuck = value.stuck.length;
  }
  console.error(`compute: ${computeMs.join(", ")} ms`);

  const body = JSON.stringify({ result: otlpExportRequest(spans) });
  const decodeMs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) decodeMs.push(round(time(() => spansFromOtlpJson(JSON.parse(body))).ms));
  console.error(`decode (${Math.round(body.length / 2 ** 20)} MiB of OTLP JSON): ${decodeMs.join(", ")} ms`);

  const jaegerRuns: {
    fetchMs: number[];
    commandMs: number[];
    jaegerCpuS: number[];
    clientCpuS: number[];
    requests?: number;
    tracesRead?: number;
    fullPages?: number;
    identicalReport?: boolean;
    loadMs?: number;
    serveFirstReadMs?: number;
    serveRefreshMs: number[];
    serveRefreshTraces: number[];
  } = { fetchMs: [], commandMs: [], jaegerCpuS: [], clientCpuS: [], serveRefreshMs: [], serveRefreshTraces: [] };
  if (withJaeger) {
    const jaeger = await startLocalJaeger();
    try {
      const load = await timeAsync(async () => {
        const batch = 5_000;
        const byTrace = [...spans].sort((a, b) => a.traceId.localeCompare(b.traceId));
        for (let i = 0; i < byTrace.length; i += batch) {
          await jaeger.sendOtlpJson(otlpExportRequest(byTrace.slice(i, i + batch)));
        }
      });
      jaegerRuns.loadMs = round(load.ms);
      console.error(`loaded Jaeger in ${Math.round(load.ms)} ms`);
      const window = { baseUrl: new URL(jaeger.queryUrl), startMs: now - 24 * HOUR, endMs: Date.now(), pageSize: 1000 };
      // The batch processor may still hold the last spans: wait until every trace is searchable.
      for (let seen = 0; seen < traces;) {
        seen = (await fetchWindow(window)).traces;
        if (seen < traces) await delay(1_000);
      }
      const runs = Math.min(SAMPLES, 3);
      const jaegerPid = jaeger.process.pid;
      for (let i = 0; i < runs; i++) {
        const jaegerCpu = jaegerPid === undefined ? NaN : cpuSeconds(jaegerPid);
        const clientCpu = process.cpuUsage();
        const { ms, value } = await timeAsync(() => fetchWindow(window));
        const used = process.cpuUsage(clientCpu);
        jaegerRuns.fetchMs.push(round(ms));
        jaegerRuns.clientCpuS.push(round((used.user + used.system) / 1e6, 2));
        if (jaegerPid !== undefined) jaegerRuns.jaegerCpuS.push(round(cpuSeconds(jaegerPid) - jaegerCpu, 2));
        jaegerRuns.requests = value.requests;
        jaegerRuns.tracesRead = value.tracesRead;
        jaegerRuns.fullPages = value.fullPages;
        // The same report as the spans themselves give: reading through Jaeger loses and adds nothing.
        const context = { startMs: window.startMs, endMs: now, stuckAfterMs: options.stuckAfterMs };
        jaegerRuns.identicalReport =
          JSON.stringify(reportJson(buildReport(value.spans, options), context)) ===
          JSON.stringify(reportJson(buildReport(spans, options), context));
      }
      console.error(
        `fetch: ${jaegerRuns.fetchMs.join(", ")} ms (${jaegerRuns.requests} searches, ${jaegerRuns.tracesRead} traces ` +
          `read for ${traces}, ${jaegerRuns.fullPages} full pages; CPU s: Jaeger ${jaegerRuns.jaegerCpuS.join(", ")}, ` +
          `this process ${jaegerRuns.clientCpuS.join(", ")}; same report as the spans: ${jaegerRuns.identicalReport})`,
      );
      for (let i = 0; i < runs; i++) {
        const { ms } = time(() =>
          execFileSync(
            process.execPath,
            [path.join(ROOT, "bin", "order-tracing.js"), "report", "--jaeger-url", jaeger.queryUrl, "--format", "json"],
            { maxBuffer: 256 * 2 ** 20, stdio: ["ignore", "pipe", "inherit"] },
          ),
        );
        jaegerRuns.commandMs.push(round(ms));
      }
      console.error(`command: ${jaegerRuns.commandMs.join(", ")} ms`);

      // The exporter, its clock an hour before the last order is placed (orders keep arriving, about
      // 7 a minute): the first read takes the whole window, each refresh one interval later reads
      // that interval plus the overlap.
      let simulatedNow = now - 2 * HOUR;
      const tracesRead: number[] = [];
      const exporter = await startExporter({
        jaegerUrl: window.baseUrl,
        jaegerUiUrl: options.jaegerUiUrl,
        sinceMs: parseDuration(DEFAULTS.since) ?? 24 * HOUR,
        stuckAfterMs: options.stuckAfterMs,
        pageSize: window.pageSize,
        intervalMs: 24 * HOUR, // the bench calls the reads itself
        host: LOOPBACK,
        port: 0,
        now: () => simulatedNow,
        log: (line) => {
          const traces = /^read (\d+) traces/.exec(line);
          if (traces) tracesRead.push(Number(traces[1]));
          else console.error(`exporter: ${line}`);
        },
      });
      try {
        const first = await timeAsync(() => exporter.readOnce()); // joins the read started with it
        jaegerRuns.serveFirstReadMs = round(first.ms);
        for (let i = 0; i < SAMPLES; i++) {
          simulatedNow += SERVE_INTERVAL_MS;
          const { ms, value: ok } = await timeAsync(() => exporter.readOnce());
          if (!ok) throw new Error("an exporter refresh failed; see the lines above");
          jaegerRuns.serveRefreshMs.push(round(ms));
        }
      } finally {
        await exporter.stop();
      }
      // The counts come from the exporter's "read N traces" log line: fail loudly if it changed.
      if (tracesRead.length !== SAMPLES + 1) {
        throw new Error(`expected ${SAMPLES + 1} "read N traces" lines from the exporter, got ${tracesRead.length}`);
      }
      jaegerRuns.serveRefreshTraces = tracesRead.slice(1);
      console.error(
        `exporter: first read ${jaegerRuns.serveFirstReadMs} ms (${tracesRead[0]} traces), refreshes ` +
          `${jaegerRuns.serveRefreshMs.join(", ")} ms (${jaegerRuns.serveRefreshTraces.join(", ")} traces)`,
      );
    } finally {
      await jaeger.stop();
    }
  }

  const result = {
    benchmark: "order-tracing report over 10,000 synthetic orders",
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      // The machine is shared with other work: its load says how far the times are from an idle one.
      loadAverage1m: { atStart: loadAtStart, atEnd: Math.round(os.loadavg()[0] * 10) / 10 },
    },
    versions: {
      jaeger: pinnedVersion("JAEGER_VERSION"),
      orderTracing: (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version,
    },
    command: `npm run bench:report${args.length ? ` -- ${args.join(" ")}` : ""}`,
    dataset: { orders: ORDERS, traces, spans: spans.length, stuckOrders: stuck, windowHours: 24 },
    samples: {
      computeMs,
      decodeMs,
      ...(withJaeger
        ? {
            jaegerLoadMs: jaegerRuns.loadMs,
            fetchMs: jaegerRuns.fetchMs,
            fetchJaegerCpuS: jaegerRuns.jaegerCpuS,
            fetchClientCpuS: jaegerRuns.clientCpuS,
            commandMs: jaegerRuns.commandMs,
            serveFirstReadMs: jaegerRuns.serveFirstReadMs,
            serveRefreshMs: jaegerRuns.serveRefreshMs,
            serveRefreshTraces: jaegerRuns.serveRefreshTraces,
          }
        : {}),
    },
    medians: {
      computeMs: median(computeMs),
      decodeMs: median(decodeMs),
      ...(withJaeger
        ? {
            fetchMs: median(jaegerRuns.fetchMs),
            fetchJaegerCpuS: median(jaegerRuns.jaegerCpuS),
            fetchClientCpuS: median(jaegerRuns.clientCpuS),
            commandMs: median(jaegerRuns.commandMs),
            serveFirstReadMs: jaegerRuns.serveFirstReadMs,
            serveRefreshMs: median(jaegerRuns.serveRefreshMs),
          }
        : {}),
    },
    ...(withJaeger
      ? {
          fetch: {
            searches: jaegerRuns.requests,
            tracesRead: jaegerRuns.tracesRead,
            fullPages: jaegerRuns.fullPages,
            identicalReport: jaegerRuns.identicalReport,
          },
        }
      : {}),
    notes: [
      "compute: buildReport (status chains, stuck attribution, per-status and per-service percentiles) in process",
      "decode: JSON.parse + spansFromOtlpJson of the whole dataset as one api/v3 answer",
      withJaeger
        ? `fetch: fetchWindow against Jaeger ${pinnedVersion("JAEGER_VERSION")} (Badger storage, loopback), page size 1000, ${jaegerRuns.requests} searches reading ${jaegerRuns.tracesRead} traces in all (each trace once per service it touches, and again after a full page), ${jaegerRuns.fullPages} full pages; CPU seconds of Jaeger and of this process during each fetch; identicalReport: the fetched spans give exactly the report of the generated spans; command: the whole \`order-tracing report --format json\` process`
        : "Jaeger runs skipped (binary missing or --no-jaeger)",
      ...(withJaeger
        ? [
            `serve: the exporter (report --serve) on the same Jaeger, its clock an hour before the last order is placed: serveFirstReadMs is its first read of the whole 24 h window (fetch, merge, report, metrics); serveRefreshMs are its next reads, each ${SERVE_INTERVAL_MS / 1000} s of clock later, reading that interval and the ${READ_OVERLAP_MS / 60_000} min overlap (serveRefreshTraces traces each)`,
          ]
        : []),
      `peak RSS of this process: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
    ],
  };
  // `--results-dir` (the smoke run's temporary folder) keeps a smoke run from replacing the measured file.
  const { resultsDir } = benchOptions(args);
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, "report.json");
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeResultsMarkdown(resultsDir);
  console.error(`wrote ${path.relative(ROOT, file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
