// Benchmark of `order-tracing report` over 10,000 synthetic orders (about 57,000 traces):
//   1. compute: the lifecycle math (buildReport) over the spans, in process;
//   2. decode: parsing the api/v3 answer (OTLP JSON) into spans;
//   3. with the Jaeger binary built: a real Jaeger v2 (Badger storage, loopback) loaded with the
//      orders, then the fetch through the query API (paged) and the whole command as a process.
// Writes bench/results/report.json: machine, versions, command, raw samples and medians. It asserts
// nothing. Run: npm run bench:report [-- --samples N] [-- --no-jaeger]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fetchWindow } from "../cli/report/jaeger-client";
import { buildReport } from "../cli/report/lifecycle";
import { spansFromOtlpJson } from "../cli/report/spans";
import { startLocalJaeger } from "../cli/report/testing/jaeger-local";
import { otlpExportRequest, syntheticOrderMix, syntheticOrderSpans } from "../cli/report/testing/synthetic-orders";
import { median, round } from "../test/support/measure";
import { benchOptions, writeResultsMarkdown } from "./support/results";
import { JAEGER_BINARY } from "../test/support/services";

const ROOT = path.resolve(__dirname, "..");
const ORDERS = 10_000;
const HOUR = 3_600_000;
const args = process.argv.slice(2);
const samplesArg = args.indexOf("--samples");
const SAMPLES = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 7;
const withJaeger = !args.includes("--no-jaeger") && existsSync(JAEGER_BINARY);

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

  const jaegerRuns: { fetchMs: number[]; commandMs: number[]; requests?: number; loadMs?: number } = {
    fetchMs: [],
    commandMs: [],
  };
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
        if (seen < traces) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      const runs = Math.min(SAMPLES, 3);
      for (let i = 0; i < runs; i++) {
        const { ms, value } = await timeAsync(() => fetchWindow(window));
        jaegerRuns.fetchMs.push(round(ms));
        jaegerRuns.requests = value.requests;
      }
      console.error(`fetch: ${jaegerRuns.fetchMs.join(", ")} ms (${jaegerRuns.requests} searches)`);
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
        ? { jaegerLoadMs: jaegerRuns.loadMs, fetchMs: jaegerRuns.fetchMs, commandMs: jaegerRuns.commandMs }
        : {}),
    },
    medians: {
      computeMs: median(computeMs),
      decodeMs: median(decodeMs),
      ...(withJaeger ? { fetchMs: median(jaegerRuns.fetchMs), commandMs: median(jaegerRuns.commandMs) } : {}),
    },
    notes: [
      "compute: buildReport (status chains, stuck attribution, per-status and per-service percentiles) in process",
      "decode: JSON.parse + spansFromOtlpJson of the whole dataset as one api/v3 answer",
      withJaeger
        ? `fetch: fetchWindow against Jaeger ${pinnedVersion("JAEGER_VERSION")} (Badger storage, loopback), page size 1000, ${jaegerRuns.requests} searches; command: the whole \`order-tracing report --format json\` process`
        : "Jaeger runs skipped (binary missing or --no-jaeger)",
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
