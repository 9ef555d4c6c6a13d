// Pipeline throughput: our collector with the dev stack's generated config (memory limiter, filter,
// transform, redaction, tail sampling, batch, OTLP export to Jaeger v2 with memory storage) next to
// the baseline config (OTLP → batch → nop), both in the same run, each pinned to a core of its own
// while telemetrygen and Jaeger share the other cores. Both take the same target rates in turn, on
// a ladder of ×1.25 steps; a step is sustained when the collector accepted what telemetrygen
// generated (99%) and counted no refused, dropped or failed span (its own metrics). Above the last
// sustained step, two bisecting steps narrow the limit. Figures per step: offered and accepted
// spans/s, the collector's CPU (its run and the drain of what it holds), spans/s per core, peak RSS;
// and whether the generator, not the collector, was the limit.
// Writes bench/results/pipeline.json (pipeline-<label>.json with --label). Run: npm run bench:pipeline
// [-- --smoke] [-- --results-dir DIR] [-- --rates 5000,10000] [-- --label NAME]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readDevStack } from "../cli/local/pipeline";
import type { CollectorConfigDocument } from "../infra/collector/config";
import { run } from "../test/support/project";
import { cpuLayout, pinTo } from "./support/cpu";
import { cpuSeconds, median, peakRssMiB, round, sleep } from "../test/support/measure";
import {
  benchOptions,
  commandOf,
  machineAtStart,
  pinnedVersions,
  ROOT,
  writeResult,
  type Headline,
} from "./support/results";
import { startCollector, startJaeger, type BenchCollector, type CollectorPipeline } from "../test/support/services";
import { counterSum } from "../test/support/collector";
import { placed, toolBinary } from "../test/support/project";

const options = benchOptions();
/**
 * `--rates 5000,10000`: only these targets, in this order, no bisection: a short side-by-side
 * comparison at equal rates (e.g. before and after a config change) instead of the whole ladder.
 */
const ratesAt = options.args.indexOf("--rates");
const CHOSEN_RATES = ratesAt >= 0 ? options.args[ratesAt + 1].split(",").map(Number) : undefined;
if (CHOSEN_RATES?.some((rate) => !Number.isFinite(rate) || rate <= 0))
  throw new Error(`--rates: positive numbers separated by commas, not ${options.args[ratesAt + 1]}`);
/** `--label before`: the result goes to pipeline-before.json, so such a run keeps the ladder's file. */
const labelAt = options.args.indexOf("--label");
const LABEL = labelAt >= 0 ? options.args[labelAt + 1] : undefined;
if (LABEL !== undefined && !/^[a-z0-9-]+$/.test(LABEL)) throw new Error(`--label: [a-z0-9-]+, not ${LABEL}`);
/** Target rates in spans/s: ×1.25 steps (Renard R10), so a limit is found within 25% before bisecting. */
const RATES = options.smoke
  ? [200]
  : (CHOSEN_RATES ?? [
      2_000, 2_500, 3_200, 4_000, 5_000, 6_300, 8_000, 10_000, 12_500, 16_000, 20_000, 25_000, 32_000, 40_000, 50_000,
      63_000, 80_000, 100_000, 125_000, 160_000, 200_000, 250_000,
    ]);
/** Steps between the last sustained and the first failed target, each halving the interval. */
const BISECTIONS = options.smoke || CHOSEN_RATES ? 0 : 2;
const DURATION_S = options.smoke ? 2 : 10;
const IDLE_S = options.smoke ? 1 : 5;
/** Spans per second one telemetrygen worker is asked for; more workers for higher rates. */
const SPANS_PER_WORKER = 1_000;
const workersFor = (rate: number): number => Math.max(1, Math.ceil(rate / SPANS_PER_WORKER));
/** telemetrygen's spans per OTLP request: the SDKs' default batch (our instrumentation's too). */
const GENERATOR_BATCH = 512;
/** Accepted spans, as a share of what telemetrygen generated, for a step to count as sustained. */
const SUSTAINED_SHARE = 0.99;
/**
 * The generator is saturated when a step asks 25% more than the last one and it offers less than
 * this much more: higher targets would not offer more, so the ladder stops there. (telemetrygen
 * always offers a little less than asked, 4–10% here, so a shortfall alone says nothing.)
 */
const GENERATOR_GROWTH = 1.05;
const PIPELINES: CollectorPipeline[] = ["generated", "baseline"];
/** Spans per generated trace: a root and its children. */
const CHILD_SPANS = 3;
const SPANS_PER_TRACE = CHILD_SPANS + 1;
/**
 * The one change to the generated document: the tail sampler may hold this many traces instead of
 * the dev stack's numTraces, so the ladder measures processing, not that setting (README of bench).
 */
const BENCH_NUM_TRACES = 100_000;

/** The collector's own counters that mean a span (or a trace) was lost, as v0.161.0 names them. */
const LOSS_COUNTERS = [
  "otelcol_receiver_refused_spans",
  "otelcol_receiver_failed_spans",
  "otelcol_processor_memory_limiter_refused_spans",
  "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early",
  "otelcol_processor_tail_sampling_traces_dropped_too_large",
  "otelcol_exporter_send_failed_spans",
  "otelcol_exporter_enqueue_failed_spans",
];
const ACCEPTED_COUNTER = "otelcol_receiver_accepted_spans";

/**
 * An order's HTTP server span as the Shop emits it: the attributes the pipeline keeps (method,
 * route, path and URL with the order id, scheme, server, status, protocol, the order contract) and
 * one it removes (user agent); telemetrygen adds two more it removes (network.peer.address,
 * peer.service). The values are fake.
 */
const SPAN_ATTRIBUTES = [
  'order.id="0b9f6a52-4a8e-4c83-9d55-3c1e8f0a7b21"',
  'order.status="SUBMITTED"',
  'http.request.method="POST"',
  'http.route="/orders/:id"',
  'url.path="/orders/0b9f6a52-4a8e-4c83-9d55-3c1e8f0a7b21"',
  'url.full="http://shop.shop.svc.cluster.local:8080/orders/0b9f6a52-4a8e-4c83-9d55-3c1e8f0a7b21"',
  'url.scheme="http"',
  'server.address="shop.shop.svc.cluster.local"',
  "server.port=8080",
  "http.response.status_code=201",
  'network.protocol.version="1.1"',
  'user_agent.original="node"',
];

/** Why a pipeline's ladder ended. */
type Stop =
  /** The collector refused, dropped or failed spans: its own counters say so. */
  | "collector"
  /**
   * The collector counted no loss but accepted less than telemetrygen generated: the rest was
   * dropped inside telemetrygen, whose one exporter (queue of 2048 spans) fell behind its workers.
   */
  | "generator's exporter"
  /** telemetrygen could not offer more: the collector's limit is higher than the highest step. */
  | "generator"
  | "top of the ladder";

interface StepSample {
  pipeline: CollectorPipeline;
  /** The rate asked of telemetrygen. */
  targetSpansPerSecond: number;
  /** What telemetrygen generated (its "traces generated" log lines): on a loaded machine, less than asked. */
  offeredSpansPerSecond: number;
  acceptedSpansPerSecond: number;
  lost: Record<string, number>;
  /** CPU-seconds of the collector over the run and its drain, per second of traffic. */
  cpuCores: number;
  /** Accepted spans per CPU-second of the collector: spans/s per core. */
  spansPerSecondPerCore: number;
  /** Peak resident memory during this step (VmHWM, reset before it). */
  peakRssMiB: number;
  telemetrygenExit: number | null;
  sustained: boolean;
  /** A step repeated once after it was not sustained (the machine is shared and noisy). */
  repeat?: boolean;
  bisection?: boolean;
}

async function counters(collector: BenchCollector): Promise<Record<string, number>> {
  const text = await (await fetch(collector.metricsUrl)).text();
  return Object.fromEntries([ACCEPTED_COUNTER, ...LOSS_COUNTERS].map((name) => [name, counterSum(text, name)]));
}

function telemetrygenArgs(endpoint: string, rate: number): string[] {
  return [
    "traces",
    "--otlp-insecure",
    `--otlp-endpoint=${endpoint}`,
    `--workers=${workersFor(rate)}`,
    // telemetrygen's rate is spans (a root and its children each count) per second per worker.
    `--rate=${rate / workersFor(rate)}`,
    `--duration=${DURATION_S}s`,
    `--batch-size=${GENERATOR_BATCH}`,
    `--child-spans=${CHILD_SPANS}`,
    "--service=shop",
    '--otlp-attributes=deployment.environment="bench"',
    ...SPAN_ATTRIBUTES.map((attribute) => `--telemetry-attributes=${attribute}`),
  ];
}

/** Traces telemetrygen generated, summed over its workers' closing log lines. */
function generatedTraces(log: string): number {
  let traces = 0;
  for (const match of log.matchAll(/traces generated.*"traces": (\d+)/g)) traces += Number(match[1]);
  return traces;
}

/** Resets a process's peak RSS (Linux: "5" to clear_refs); false where the kernel refuses. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

interface Target {
  pipeline: CollectorPipeline;
  collector: BenchCollector;
  /** How long after the last span the collector still works on the step's spans. */
  drainMs: number;
}

async function step(target: Target, rate: number, generatorCpus: string | undefined): Promise<StepSample> {
  const { collector, pipeline } = target;
  const pid = collector.process.pid;
  resetPeakRss(pid);
  const before = await counters(collector);
  const cpuBefore = cpuSeconds(pid);
  const { command, args } = placed(toolBinary("telemetrygen"), telemetrygenArgs(collector.otlpGrpc, rate), {
    cpus: generatorCpus,
  });
  const generator = await run(command, args, { cwd: ROOT, timeoutMs: (DURATION_S + 60) * 1000 });
  // The tail sampler decides DURATION_S + decision wait later, then exports: that work belongs to
  // this step, so CPU and counters are read after it.
  await sleep(target.drainMs);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const after = await counters(collector);
  const accepted = after[ACCEPTED_COUNTER] - before[ACCEPTED_COUNTER];
  const lost = Object.fromEntries(LOSS_COUNTERS.map((name) => [name, after[name] - before[name]]));
  const acceptedPerSecond = accepted / DURATION_S;
  const offeredPerSecond = (generatedTraces(generator.stderr) * SPANS_PER_TRACE) / DURATION_S;
  const sustained =
    generator.code === 0 &&
    offeredPerSecond > 0 &&
    acceptedPerSecond >= SUSTAINED_SHARE * offeredPerSecond &&
    Object.values(lost).every((value) => value === 0);
  return {
    pipeline,
    targetSpansPerSecond: rate,
    offeredSpansPerSecond: round(offeredPerSecond),
    acceptedSpansPerSecond: round(acceptedPerSecond),
    lost,
    cpuCores: round(cpu / DURATION_S, 3),
    spansPerSecondPerCore: Math.round(accepted / Math.max(cpu, 0.01)),
    peakRssMiB: peakRssMiB(pid),
    telemetrygenExit: generator.code,
    sustained,
  };
}

const thousands = (value: number): string => `${round(value / 1000)}k`;

/** Whether the collector's own counters show a lost span (or trace). */
const collectorLost = (sample: StepSample): boolean => Object.values(sample.lost).some((value) => value > 0);

/** What went wrong in the steps above the highest sustained one, summed over them. */
function whyNotSustained(failed: StepSample[]): string {
  const lost = new Map<string, number>();
  for (const sample of failed)
    for (const [name, value] of Object.entries(sample.lost))
      if (value > 0) lost.set(name.replace(/^otelcol_/, ""), (lost.get(name.replace(/^otelcol_/, "")) ?? 0) + value);
  const short = failed.filter((x) => Object.values(x.lost).every((v) => v === 0)).length;
  const targets = [...new Set(failed.map((x) => x.targetSpansPerSecond))].sort((a, b) => a - b);
  return (
    `${failed.length} tries at ${targets.join(", ")} spans/s asked: ` +
    [...[...lost].map(([name, value]) => `${name} ${value}`), ...(short ? [`${short} with < 99% accepted`] : [])].join(
      ", ",
    )
  );
}
const lossText = (sample: StepSample): string => {
  const lost = Object.entries(sample.lost).filter(([, value]) => value > 0);
  if (lost.length > 0) return lost.map(([name, value]) => `${name.replace(/^otelcol_/, "")} ${value}`).join(", ");
  return `accepted ${sample.acceptedSpansPerSecond} of ${sample.offeredSpansPerSecond} spans/s generated`;
};

async function main(): Promise<void> {
  const machine = machineAtStart();
  const cpus = cpuLayout();
  if (cpus) pinTo(process.pid, cpus.others);
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-pipeline-"));
  const stack = readDevStack(ROOT);
  const { decisionWaitSeconds } = stack.collector.sampling;
  const samples: StepSample[] = [];
  const stopped: Partial<Record<CollectorPipeline, Stop>> = {};
  const idleCores: Record<string, number> = {};
  const peakRss: Record<string, number> = {};
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const raiseTraceLimit = (document: CollectorConfigDocument): void => {
    const sampling = document.processors.tail_sampling as Record<string, unknown>;
    sampling.num_traces = BENCH_NUM_TRACES;
    sampling.expected_new_traces_per_sec = Math.ceil(BENCH_NUM_TRACES / decisionWaitSeconds);
  };
  try {
    const jaeger = await startJaeger({ kind: "memory", maxTraces: 50_000 }, logDir, { cpus: cpus?.others });
    started.push(jaeger);
    const measured = { cpus: cpus?.measured };
    const targets: Record<CollectorPipeline, Target> = {
      generated: {
        pipeline: "generated",
        collector: await startCollector("generated", stack, jaeger.otlpGrpc, logDir, {
          ...measured,
          edit: raiseTraceLimit,
        }),
        // Decision wait, the sampler's 1 s tick, the batch timeout, and a second for the export.
        drainMs: (decisionWaitSeconds + 3) * 1000,
      },
      baseline: {
        pipeline: "baseline",
        collector: await startCollector("baseline", stack, jaeger.otlpGrpc, logDir, measured),
        drainMs: 2_000, // the batch timeout and a second
      },
    };
    started.push(targets.generated.collector, targets.baseline.collector);
    for (const pipeline of PIPELINES) {
      const pid = targets[pipeline].collector.process.pid;
      const before = cpuSeconds(pid);
      await sleep(IDLE_S * 1000);
      idleCores[pipeline] = round((cpuSeconds(pid) - before) / IDLE_S, 4);
    }

    const log = (sample: StepSample): void =>
      console.error(
        `${sample.pipeline.padEnd(9)} target ${sample.targetSpansPerSecond}, offered ${sample.offeredSpansPerSecond}: ` +
          `accepted ${sample.acceptedSpansPerSecond}/s on ${sample.cpuCores} cores = ${sample.spansPerSecondPerCore} ` +
          `spans/s per core, ${sample.peakRssMiB} MiB: ${sample.sustained ? "sustained" : `not sustained (${lossText(sample)})`}`,
      );
    /** A step, repeated once when not sustained: a limit must show twice to count. */
    const measure = async (pipeline: CollectorPipeline, rate: number, bisection = false): Promise<StepSample> => {
      let sample = await step(targets[pipeline], rate, cpus?.others);
      samples.push({ ...sample, ...(bisection ? { bisection } : {}) });
      log(sample);
      if (!sample.sustained) {
        sample = { ...(await step(targets[pipeline], rate, cpus?.others)), repeat: true };
        samples.push({ ...sample, ...(bisection ? { bisection } : {}) });
        log(sample);
      }
      return sample;
    };

    const lastSustained: Partial<Record<CollectorPipeline, StepSample>> = {};
    const firstFailed: Partial<Record<CollectorPipeline, number>> = {};
    for (const rate of RATES) {
      for (const pipeline of PIPELINES) {
        if (stopped[pipeline] !== undefined) continue;
        const sample = await measure(pipeline, rate);
        const previous = lastSustained[pipeline];
        if (!sample.sustained) {
          firstFailed[pipeline] = rate;
          const tries = samples.filter((x) => x.pipeline === pipeline && x.targetSpansPerSecond === rate);
          stopped[pipeline] = tries.some(collectorLost) ? "collector" : "generator's exporter";
        } else {
          lastSustained[pipeline] = sample;
          if (previous && sample.offeredSpansPerSecond < GENERATOR_GROWTH * previous.offeredSpansPerSecond)
            stopped[pipeline] = "generator";
        }
      }
    }
    for (const pipeline of PIPELINES) stopped[pipeline] ??= "top of the ladder";
    // Only a limit of the collector is worth narrowing down.
    for (const pipeline of PIPELINES.filter((p) => stopped[p] === "collector")) {
      let low = lastSustained[pipeline]?.targetSpansPerSecond;
      let high = firstFailed[pipeline];
      for (let i = 0; i < BISECTIONS && low !== undefined && high !== undefined; i++) {
        const rate = Math.round((low + high) / 2 / 100) * 100;
        const sample = await measure(pipeline, rate, true);
        if (sample.sustained) low = rate;
        else high = rate;
      }
    }
    // Each step's peak was reset before it: the run's peak is the largest of them.
    for (const pipeline of PIPELINES)
      peakRss[pipeline] = Math.max(...samples.filter((x) => x.pipeline === pipeline).map((x) => x.peakRssMiB));
  } finally {
    for (const process of started.reverse()) await process.stop();
    rmSync(logDir, { recursive: true, force: true });
  }

  // The last word on a target is its last sample (a repeat replaces the first try).
  const final = (pipeline: CollectorPipeline): StepSample[] => {
    const byTarget = new Map<number, StepSample>();
    for (const s of samples.filter((x) => x.pipeline === pipeline)) byTarget.set(s.targetSpansPerSecond, s);
    return [...byTarget.values()].sort((a, b) => a.targetSpansPerSecond - b.targetSpansPerSecond);
  };
  const best: Partial<Record<CollectorPipeline, StepSample>> = {};
  const headline: Headline[] = [];
  for (const pipeline of PIPELINES) {
    const steps = final(pipeline);
    const sustained = steps.filter((s) => s.sustained);
    const top = sustained.sort((a, b) => b.acceptedSpansPerSecond - a.acceptedSpansPerSecond)[0];
    best[pipeline] = top;
    const failed = top
      ? samples.filter(
          (x) => x.pipeline === pipeline && !x.sustained && x.targetSpansPerSecond > top.targetSpansPerSecond,
        )
      : [];
    const next = failed.at(-1);
    const limitText = !top
      ? ""
      : stopped[pipeline] === "generator"
        ? ` (generator-bound: telemetrygen could offer no more, ${top.offeredSpansPerSecond} of ${top.targetSpansPerSecond} spans/s asked)`
        : stopped[pipeline] === "generator's exporter" && next
          ? ` (generator-bound: at ${next.targetSpansPerSecond} spans/s asked, telemetrygen generated ` +
            `${next.offeredSpansPerSecond} but sent only ${next.acceptedSpansPerSecond}/s, its exporter behind its workers; ` +
            `the collector counted no loss and used ${next.cpuCores} cores)`
          : failed.length > 0
            ? ` (collector-bound: ${whyNotSustained(failed)})`
            : " (highest rate tried)";
    headline.push([
      `${pipeline} pipeline: highest sustained rate`,
      top
        ? `${top.acceptedSpansPerSecond} spans/s on ${top.cpuCores} cores = ${top.spansPerSecondPerCore} spans/s per core${limitText}`
        : "none of the rates tried",
    ]);
    headline.push([
      `${pipeline} pipeline: peak RSS`,
      `${top ? `${top.peakRssMiB} MiB at that rate, ` : ""}${peakRss[pipeline]} MiB over the run`,
    ]);
  }
  // Equal offered rates: the targets both pipelines sustained, side by side.
  const baselineAt = new Map(final("baseline").map((s) => [s.targetSpansPerSecond, s]));
  const equalRates = final("generated")
    .filter((g) => g.sustained && baselineAt.get(g.targetSpansPerSecond)?.sustained)
    .map((g) => {
      const b = baselineAt.get(g.targetSpansPerSecond) as StepSample;
      return {
        targetSpansPerSecond: g.targetSpansPerSecond,
        generated: g.spansPerSecondPerCore,
        baseline: b.spansPerSecondPerCore,
        ratio: round(g.spansPerSecondPerCore / b.spansPerSecondPerCore, 3),
      };
    });
  if (equalRates.length > 0) {
    headline.push([
      "spans/s per core at equal offered rates, generated / baseline",
      equalRates
        .map((e) => `${thousands(e.targetSpansPerSecond)}: ${thousands(e.generated)} / ${thousands(e.baseline)}`)
        .join("; ") + ` (median ratio ${round(median(equalRates.map((e) => e.ratio)) * 100)}%)`,
    ]);
  }
  if (best.generated && best.baseline) {
    headline.push([
      "generated / baseline, spans/s per core at their highest sustained rates",
      `${round((best.generated.spansPerSecondPerCore / best.baseline.spansPerSecondPerCore) * 100)}%`,
    ]);
    headline.push([
      "generated / baseline, highest sustained rate",
      `${round((best.generated.acceptedSpansPerSecond / best.baseline.acceptedSpansPerSecond) * 100)}%` +
        (stopped.baseline === "generator" || stopped.baseline === "generator's exporter"
          ? ` (an upper bound: the baseline's highest step was generator-bound, using ${best.baseline.cpuCores} of its core)`
          : ""),
    ]);
  }

  writeResult(LABEL ? `pipeline-${LABEL}` : "pipeline", options, {
    benchmark:
      "Collector pipeline throughput: generated config vs baseline (OTLP → batch → nop)" +
      (CHOSEN_RATES ? `, at ${CHOSEN_RATES.join(" and ")} spans/s only` : ""),
    date: new Date().toISOString(),
    machine,
    versions: pinnedVersions("OTELCOL_VERSION", "JAEGER_V2_VERSION", "TELEMETRYGEN_VERSION"),
    command: commandOf("bench:pipeline", options),
    samples,
    medians: {
      highestSustained: Object.fromEntries(PIPELINES.map((p) => [p, best[p]])),
      stoppedBy: stopped,
      equalRates,
      idleCores,
      peakRssMiB: peakRss,
    },
    headline,
    notes: [
      cpus
        ? `CPU placement: each collector pinned to CPU ${cpus.measured} from its start (GOMAXPROCS 1, as under a pod's ` +
          `CPU limit of 1); telemetrygen, Jaeger and this process on CPU ${cpus.others} (taskset). The two collectors ` +
          `take the steps in turn; idle, they used ${idleCores.generated} (generated) and ${idleCores.baseline} ` +
          `(baseline) cores over ${IDLE_S} s (the clock tick is 10 ms)`
        : "CPU placement: none (one core, or no taskset): telemetrygen takes CPU from the collector",
      `target rates: ${RATES.join(", ")} spans/s, ${DURATION_S} s each, both pipelines in turn; a pipeline's ladder ` +
        `stops at its first step not sustained (then, if the collector's counters showed the loss, ${BISECTIONS} ` +
        `bisecting steps), or when the generator is saturated (25% more asked, less than ` +
        `${round((GENERATOR_GROWTH - 1) * 100)}% more offered); a step lost only inside telemetrygen (the collector ` +
        "counted no loss) is generator-bound too: the collector's limit is higher",
      `telemetrygen: ${SPANS_PER_WORKER} spans/s per worker, ${GENERATOR_BATCH} spans per request, traces of ` +
        `${SPANS_PER_TRACE} spans; each span carries ${SPAN_ATTRIBUTES.map((a) => a.split("=")[0]).join(", ")} ` +
        "(and telemetrygen's network.peer.address, peer.service); offered = what it generated (its log)",
      `sustained: accepted ≥ ${SUSTAINED_SHARE * 100}% of what telemetrygen generated and zero of ` +
        `${LOSS_COUNTERS.join(", ")}; a step not sustained is run once more, and only a second failure counts`,
      `CPU: utime+stime of the collector from the step's start until ${decisionWaitSeconds + 3} s (generated) or ` +
        "2 s (baseline) after " +
        "its last span (the tail sampler decides and exports a step's traces after the decision wait), per second " +
        "of traffic; spans/s per core = accepted spans / those CPU-seconds",
      `generated: the dev stack's config (localCollectorSettings, GOMEMLIMIT as in the pod) exporting to Jaeger v2 ` +
        `(memory storage), with one change: the tail sampler holds up to ${BENCH_NUM_TRACES} traces instead of the ` +
        `dev stack's ${stack.collector.sampling.numTraces}, which at a ${decisionWaitSeconds} s decision wait holds ` +
        `${Math.floor(stack.collector.sampling.numTraces / decisionWaitSeconds)} new traces/s ` +
        `(${Math.floor((stack.collector.sampling.numTraces / decisionWaitSeconds) * SPANS_PER_TRACE)} spans/s of ` +
        `${SPANS_PER_TRACE}-span traces); above that the dev stack as configured drops traces before their decision`,
      "peak RSS: VmHWM, reset before each step (clear_refs); over the run: the largest step peak, the steps above the " +
        "highest sustained included",
      "goal (issue 9): ≥ 10,000 spans/s per core for the generated pipeline and ≥ 50% of the baseline's rate; " +
        "the collector's own testbed holds plain OTLP + batch at 10,000 spans/s under 20% of one core",
    ],
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
