// Pipeline throughput: our collector with the dev stack's generated config (memory limiter,
// redaction, filter, transform, tail sampling, batch, OTLP export to Jaeger v2 with memory storage)
// next to the baseline config (OTLP → batch → nop), both running in the same run and driven in
// turn at each rate by telemetrygen with order-shaped spans. A step is sustained when the collector
// accepted at least 90% of the offered spans and counted zero refused, dropped or failed spans (its
// own metrics). Figures: highest sustained spans/s, CPU cores used, spans/s per core, peak RSS.
// Writes bench/results/pipeline.json. Run: npm run bench:pipeline [-- --smoke] [-- --results-dir DIR]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readDevStack } from "../cli/local/pipeline";
import { run } from "../test/support/project";
import {
  benchOptions,
  commandOf,
  cpuSeconds,
  machineAtStart,
  pinnedVersions,
  peakRssMiB,
  ROOT,
  round,
  sleep,
  writeResult,
  type Headline,
} from "./support/results";
import {
  counterSum,
  startCollector,
  startJaeger,
  TELEMETRYGEN_BINARY,
  type BenchCollector,
  type CollectorPipeline,
} from "./support/services";

const options = benchOptions();
const RATES = options.smoke ? [200] : [2_000, 5_000, 10_000, 20_000, 40_000];
const DURATION_S = options.smoke ? 2 : 10;
/** Spans per second one telemetrygen worker reliably generates here; more are started for higher rates. */
const SPANS_PER_WORKER = 1_000;
const workersFor = (rate: number): number => Math.max(1, Math.ceil(rate / SPANS_PER_WORKER));
/** Spans the collector must have accepted, as a share of what telemetrygen offered, to count as sustained. */
const SUSTAINED_SHARE = 0.9;
const PIPELINES: CollectorPipeline[] = ["generated", "baseline"];

/** The collector's own counters that mean a span was lost (names as v0.161.0 exposes them). */
const LOSS_COUNTERS = [
  "otelcol_receiver_refused_spans",
  "otelcol_receiver_failed_spans",
  "otelcol_processor_refused_spans",
  "otelcol_processor_dropped_spans",
  "otelcol_exporter_send_failed_spans",
  "otelcol_exporter_enqueue_failed_spans",
];
const ACCEPTED_COUNTER = "otelcol_receiver_accepted_spans";
/** Spans per generated trace: a root and its children. */
const CHILD_SPANS = 3;

interface StepSample {
  pipeline: CollectorPipeline;
  /** The rate asked of telemetrygen. */
  targetSpansPerSecond: number;
  /** What telemetrygen generated (its "traces generated" log lines): on a loaded machine, less than asked. */
  offeredSpansPerSecond: number;
  acceptedSpansPerSecond: number;
  lost: Record<string, number>;
  cpuCores: number;
  spansPerSecondPerCore: number;
  telemetrygenExit: number | null;
  sustained: boolean;
}

async function counters(collector: BenchCollector): Promise<Record<string, number>> {
  const text = await (await fetch(collector.metricsUrl)).text();
  return Object.fromEntries([ACCEPTED_COUNTER, ...LOSS_COUNTERS].map((name) => [name, counterSum(text, name)]));
}

/** An order's span as the shop emits it: service, order id and status, the attributes the pipeline reads. */
function telemetrygenArgs(endpoint: string, rate: number): string[] {
  return [
    "traces",
    "--otlp-insecure",
    `--otlp-endpoint=${endpoint}`,
    `--workers=${workersFor(rate)}`,
    // telemetrygen's rate is spans (a root and its children each count) per second per worker.
    `--rate=${rate / workersFor(rate)}`,
    `--duration=${DURATION_S}s`,
    `--child-spans=${CHILD_SPANS}`,
    "--service=shop",
    '--otlp-attributes=deployment.environment="bench"',
    '--telemetry-attributes=order.id="0b9f6a52-4a8e-4c83-9d55-3c1e8f0a7b21"',
    '--telemetry-attributes=order.status="SUBMITTED"',
    '--telemetry-attributes=http.request.method="POST"',
  ];
}

/** Traces telemetrygen generated, summed over its workers' closing log lines. */
function generatedTraces(log: string): number {
  let traces = 0;
  for (const match of log.matchAll(/traces generated.*"traces": (\d+)/g)) traces += Number(match[1]);
  return traces;
}

async function step(collector: BenchCollector, pipeline: CollectorPipeline, rate: number): Promise<StepSample> {
  const before = await counters(collector);
  const cpuBefore = cpuSeconds(collector.process.pid);
  const started = Date.now();
  const generator = await run(TELEMETRYGEN_BINARY, telemetrygenArgs(collector.otlpGrpc, rate), {
    cwd: ROOT,
    timeoutMs: (DURATION_S + 60) * 1000,
  });
  const elapsedS = (Date.now() - started) / 1000;
  const cpu = cpuSeconds(collector.process.pid) - cpuBefore;
  await sleep(2_000); // the batch processor's timeout: let the last batch leave before reading the counters
  const after = await counters(collector);
  const accepted = after[ACCEPTED_COUNTER] - before[ACCEPTED_COUNTER];
  const lost = Object.fromEntries(LOSS_COUNTERS.map((name) => [name, after[name] - before[name]]));
  const acceptedPerSecond = accepted / DURATION_S;
  const offeredPerSecond = (generatedTraces(generator.stderr) * (CHILD_SPANS + 1)) / DURATION_S;
  const cores = cpu / elapsedS;
  const sustained =
    generator.code === 0 &&
    acceptedPerSecond >= SUSTAINED_SHARE * offeredPerSecond &&
    Object.values(lost).every((value) => value === 0);
  return {
    pipeline,
    targetSpansPerSecond: rate,
    offeredSpansPerSecond: round(offeredPerSecond),
    acceptedSpansPerSecond: round(acceptedPerSecond),
    lost,
    cpuCores: round(cores, 3),
    spansPerSecondPerCore: Math.round(acceptedPerSecond / Math.max(cores, 0.001)),
    telemetrygenExit: generator.code,
    sustained,
  };
}

async function main(): Promise<void> {
  const machine = machineAtStart();
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-pipeline-"));
  const stack = readDevStack(ROOT);
  const samples: StepSample[] = [];
  const peakRss: Record<string, number> = {};
  const started: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const jaeger = await startJaeger({ kind: "memory", maxTraces: 50_000 }, logDir);
    started.push(jaeger);
    const collectors = {
      generated: await startCollector("generated", stack, jaeger.otlpGrpc, logDir),
      baseline: await startCollector("baseline", stack, jaeger.otlpGrpc, logDir),
    };
    started.push(collectors.generated, collectors.baseline);
    const stillRising = new Set<CollectorPipeline>(PIPELINES);
    for (const rate of RATES) {
      for (const pipeline of PIPELINES) {
        if (!stillRising.has(pipeline)) continue;
        const sample = await step(collectors[pipeline], pipeline, rate);
        samples.push(sample);
        console.error(
          `${pipeline.padEnd(9)} target ${rate}, offered ${sample.offeredSpansPerSecond} spans/s: accepted ${sample.acceptedSpansPerSecond}/s, ` +
            `${sample.cpuCores} cores, ${sample.spansPerSecondPerCore} spans/s per core, ` +
            `${sample.sustained ? "sustained" : `not sustained ${JSON.stringify(sample.lost)}`}`,
        );
        if (!sample.sustained) stillRising.delete(pipeline);
      }
    }
    for (const pipeline of PIPELINES) peakRss[pipeline] = peakRssMiB(collectors[pipeline].process.pid);
  } finally {
    for (const process of started.reverse()) await process.stop();
    rmSync(logDir, { recursive: true, force: true });
  }

  const best: Record<string, StepSample | undefined> = {};
  const headline: Headline[] = [];
  for (const pipeline of PIPELINES) {
    const sustained = samples.filter((s) => s.pipeline === pipeline && s.sustained);
    const top = sustained.sort((a, b) => b.acceptedSpansPerSecond - a.acceptedSpansPerSecond)[0];
    best[pipeline] = top;
    const failed = samples.find((s) => s.pipeline === pipeline && !s.sustained);
    headline.push([
      `${pipeline} pipeline: highest sustained rate`,
      top
        ? `${top.acceptedSpansPerSecond} spans/s on ${top.cpuCores} cores = ${top.spansPerSecondPerCore} spans/s per core` +
          (failed ? ` (next step, ${failed.offeredSpansPerSecond}/s offered, not sustained)` : " (highest rate tried)")
        : "none of the rates tried",
    ]);
    headline.push([`${pipeline} pipeline: peak RSS`, `${peakRss[pipeline]} MiB`]);
  }
  if (best.generated && best.baseline) {
    headline.push([
      "generated / baseline, spans/s per core at their highest sustained rates",
      `${round((best.generated.spansPerSecondPerCore / best.baseline.spansPerSecondPerCore) * 100)}%`,
    ]);
  }

  writeResult("pipeline", options, {
    benchmark: "Collector pipeline throughput: generated config vs baseline (OTLP → batch → nop)",
    date: new Date().toISOString(),
    machine,
    versions: pinnedVersions("OTELCOL_VERSION", "JAEGER_V2_VERSION", "TELEMETRYGEN_VERSION"),
    command: commandOf("bench:pipeline", options),
    samples,
    medians: {
      highestSustained: Object.fromEntries(
        PIPELINES.map((p) => [p, best[p] ? { ...best[p], peakRssMiB: peakRss[p] } : undefined]),
      ),
    },
    headline,
    notes: [
      `target rates: ${RATES.join(", ")} spans/s, ${DURATION_S} s each, telemetrygen with one worker per ` +
        `${SPANS_PER_WORKER} spans/s; offered = what it really generated (its log), which a loaded machine keeps lower, ` +
        "traces of 4 spans (service shop, order.id, order.status, http.request.method), OTLP gRPC",
      "both collectors run side by side for the whole run and take the same rate in turn; the ladder of a " +
        "pipeline stops at its first step that is not sustained",
      `sustained: accepted ≥ ${SUSTAINED_SHARE * 100}% of what telemetrygen generated and zero of ${LOSS_COUNTERS.join(", ")}`,
      "CPU: utime+stime of the collector process over telemetrygen's run; telemetrygen runs on the same 2 cores " +
        "and takes CPU from the collector, so the per-core figure is conservative",
      "generated: the dev stack's config (localCollectorSettings) exporting to Jaeger v2 with memory storage; " +
        "the tail sampler keeps only part of the traces, so Jaeger receives less than the collector accepts",
      "goal (issue 9): ≥ 10,000 spans/s per core for the generated pipeline and ≥ 50% of the baseline's rate; " +
        "the collector's own testbed holds plain OTLP + batch at 10,000 spans/s under 20% of one core",
    ],
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
