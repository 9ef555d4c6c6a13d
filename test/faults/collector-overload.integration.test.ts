import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { procStatusMiB, sleep } from "../support/measure";
import { startCollector as startSinkCollector, type BenchCollector } from "../support/services";
import {
  buildCollectorConfig,
  tailSamplingTracesPerSecond,
  type CollectorSettings,
} from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import { MIN_MEMORY_LIMIT } from "../../infra/config/collector";
import { parseQuantity } from "../../infra/config/validators";
import { otlpGrpcExportProbe, type ProbeExport } from "../../instrumentation/test/otlp-export-probe";
import { freePorts, LOOPBACK } from "../../sandbox/process";
import {
  readCollectorMetrics,
  stackConfig,
  startCollector,
  type CollectorMetrics,
  type RunningCollector,
} from "../support/collector";
import { OrderTraceTemplate, OtlpHttpClient, startLoad, type LoadCounts } from "../support/otlp-load";
import { pollUntil } from "../support/poll";
import { containerEnv, faultTestCollectorConfig } from "./dev-pipeline";

/**
 * Fault case 4 (issue 10): our collector on the dev stack's generated pipeline, in the smallest
 * container the stack accepts (256 MiB, 1 CPU: GOMEMLIMIT and GOMAXPROCS as in the pod), offered 5×
 * its sustained rate for 60 s by 64 senders, then the sustained rate again. It must never exit,
 * its memory must stay under the memory limiter's limit, the excess must be refused back to the
 * senders (OTLP/HTTP load: 503; the SDK's own gRPC exporter: UNAVAILABLE), the normal rate must be
 * accepted completely afterwards, and nothing it accepted may be lost on the way out.
 *
 * Sampling keeps every trace (so every accepted span can be counted at the far end) and waits the
 * dev stack's 10 s; the export goes to a second collector with the baseline pipeline (OTLP → nop),
 * whose receiver counts what arrives.
 */

const MEMORY_LIMIT = MIN_MEMORY_LIMIT;
/** An order's trace: a server span and seven client calls; 32 traces per request (256 spans). */
const SHAPE = { tracesPerRequest: 32, spansPerTrace: 8, service: "shop" } as const;
/** Instrumented processes exporting at once, each with one export in flight as an SDK has. */
const SENDERS = 64;
/**
 * The collector's sustained rate here (256 MiB, 1 CPU, this 2-core machine), with a margin: in
 * 30-s steps 5,500 and 6,000 spans/s were accepted completely in two runs of two and 6,500 was
 * refused in part in both; but at 6,000 the heap waits 10 s × 6,000 spans within 2 MiB of the
 * limiter's soft limit. Right after an overload the heap at the same rate is higher (5,500: peaks of
 * 129-143 MiB against 118-124 before), and while the limiter forced a GC only every 10 s, recovery
 * phases at 6,000 and (under CI's parallel load) 5,500 had 9 of 468 and 7 of 429 requests refused
 * for garbage; it now collects first (config.ts, MIN_GC_INTERVAL_WHEN_SOFT_LIMITED). Memory is the
 * bound: the tail sampler's own (numTraces / decisionWaitSeconds) is 2,000 traces/s.
 */
const SUSTAINED_SPANS_PER_SECOND = 5_500;
const OVERLOAD_FACTOR = 5;
const PHASE_SECONDS = { sustained: 20, overload: 60, recovery: 20 } as const;
/** The SDK probe: a small export every 250 ms, with a timeout short enough to see each refusal. */
const PROBE = { spans: 16, everyMs: 250, timeoutMs: 1_000 } as const;
const MEMORY_SAMPLE_MS = 500;
/** Beyond the decision wait, before the recovery phase: the memory limiter's next checks and GC. */
const SETTLE_SECONDS = 5;

const MIB = 1024 * 1024;

type PhaseName = keyof typeof PHASE_SECONDS;

interface PhaseResult {
  spansPerSecond: number;
  load: LoadCounts;
  probe: ProbeExport[];
  /** Deltas of the collector's own counters over the phase; refusals by transport (load: http, probe: grpc). */
  collector: { accepted: number; refused: number; refusedHttp: number; refusedGrpc: number };
  peak: MemoryPeak;
}

interface MemoryPeak {
  /** /proc VmRSS: anonymous memory plus the file pages of the binary that are resident. */
  rssMiB: number;
  /** /proc RssAnon: the memory the kernel cannot reclaim but by killing the process. */
  anonMiB: number;
  /** The collector's own otelcol_process_memory_rss. */
  metricRssMiB: number;
  heapMiB: number;
}

const noPeak = (): MemoryPeak => ({ rssMiB: 0, anonMiB: 0, metricRssMiB: 0, heapMiB: 0 });

/** VmRSS and RssAnon of a running process, in MiB. */
function procMemory(pid: number): { rssMiB: number; anonMiB: number } {
  const { VmRSS, RssAnon } = procStatusMiB(pid, ["VmRSS", "RssAnon"]);
  return { rssMiB: VmRSS, anonMiB: RssAnon };
}

/** The collector's loss and delivery counters that the final accounting reads. */
const COUNTERS = {
  accepted: "otelcol_receiver_accepted_spans",
  refused: "otelcol_receiver_refused_spans",
  exported: "otelcol_exporter_sent_spans",
  exportFailed: "otelcol_exporter_send_failed_spans",
  enqueueFailed: "otelcol_exporter_enqueue_failed_spans",
  droppedTooEarly: "otelcol_processor_tail_sampling_sampling_trace_dropped_too_early",
  onMemory: "otelcol_processor_tail_sampling_sampling_traces_on_memory",
} as const;

describe("fault: collector overload at 5x its sustained rate for 60 s", () => {
  let logDir: string;
  let sink: BenchCollector;
  let collector: RunningCollector;
  let settings: CollectorSettings;
  let metricsPort: number;
  let client: OtlpHttpClient;
  const phases = {} as Record<PhaseName, PhaseResult>;
  let exitsSeen = 0;
  let final: { collector: CollectorMetrics; sinkAccepted: number };

  const metrics = () => readCollectorMetrics(metricsPort);

  beforeAll(async () => {
    logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-overload-"));
    sink = await startSinkCollector("baseline", stackConfig("dev"), `${LOOPBACK}:1`, logDir);
    const config = faultTestCollectorConfig("dev", { memoryLimit: MEMORY_LIMIT });
    const [otlpGrpc, otlpHttp, health, metricsAt] = await freePorts(4);
    metricsPort = metricsAt;
    settings = localCollectorSettings(config, {
      ports: { otlpGrpc, otlpHttp, health, metrics: metricsPort },
      exporterEndpoint: sink.otlpGrpc,
    });
    collector = await startCollector(buildCollectorConfig(settings), health, {
      env: containerEnv(config, settings),
      logDir,
    });
    client = new OtlpHttpClient(otlpHttp, SENDERS);
    const probe = otlpGrpcExportProbe(`http://${LOOPBACK}:${otlpGrpc}`, PROBE.timeoutMs);
    const template = new OrderTraceTemplate(SHAPE);

    let peak = noPeak();
    let probeResults: ProbeExport[] = [];
    let running = true;
    // Memory: /proc every half second, the collector's own metrics with it.
    const watchMemory = (async () => {
      while (running) {
        if (!collector.process.running()) exitsSeen++;
        else {
          const proc = procMemory(collector.process.pid);
          const own = await metrics().catch(() => undefined);
          peak = {
            rssMiB: Math.max(peak.rssMiB, proc.rssMiB),
            anonMiB: Math.max(peak.anonMiB, proc.anonMiB),
            metricRssMiB: Math.max(peak.metricRssMiB, (own?.value("otelcol_process_memory_rss") ?? 0) / MIB),
            heapMiB: Math.max(peak.heapMiB, (own?.value("otelcol_process_runtime_heap_alloc_bytes") ?? 0) / MIB),
          };
        }
        await sleep(MEMORY_SAMPLE_MS);
      }
    })();
    // The SDK's exporter beside the load, one export at a time as a batch processor does.
    const probing = (async () => {
      while (running) {
        probeResults.push(await probe.exportSpans(PROBE.spans));
        await sleep(PROBE.everyMs);
      }
    })();

    const runPhase = async (name: PhaseName, spansPerSecond: number): Promise<void> => {
      const before = await metrics();
      peak = noPeak();
      probeResults = [];
      const load = startLoad({ client, template, spansPerSecond, mode: "offer", maxInFlight: SENDERS });
      await sleep(PHASE_SECONDS[name] * 1000);
      const counts = await load.stop();
      const after = await metrics();
      const delta = (counter: string, labels?: Record<string, string>) =>
        after.value(counter, labels) - before.value(counter, labels);
      phases[name] = {
        spansPerSecond,
        load: counts,
        probe: probeResults,
        collector: {
          accepted: delta(COUNTERS.accepted),
          refused: delta(COUNTERS.refused),
          refusedHttp: delta(COUNTERS.refused, { transport: "http" }),
          refusedGrpc: delta(COUNTERS.refused, { transport: "grpc" }),
        },
        peak,
      };
      console.log(`overload test, ${name} phase:`, JSON.stringify(summary(phases[name])));
    };

    try {
      await runPhase("sustained", SUSTAINED_SPANS_PER_SECOND);
      await runPhase("overload", SUSTAINED_SPANS_PER_SECOND * OVERLOAD_FACTOR);
      // What the overload brought in waits out its sampling decision; then the normal rate again.
      await sleep((settings.sampling.decisionWaitSeconds + SETTLE_SECONDS) * 1000);
      await runPhase("recovery", SUSTAINED_SPANS_PER_SECOND);
    } finally {
      running = false;
      await Promise.all([watchMemory, probing]);
      await probe.shutdown();
    }
    // Everything accepted has left the sampler, the batch and the queue (or is lost: see the totals).
    await pollUntil(
      async () => {
        const now = await metrics();
        return now.value(COUNTERS.onMemory) === 0 && now.value(COUNTERS.exported) >= now.value(COUNTERS.accepted);
      },
      60_000,
      1_000,
    );
    final = { collector: await metrics(), sinkAccepted: (await readCollectorMetricsAt(sink)).value(COUNTERS.accepted) };
    console.log(
      "overload test, totals:",
      JSON.stringify({
        ...Object.fromEntries(Object.entries(COUNTERS).map(([key, name]) => [key, final.collector.value(name)])),
        sinkAccepted: final.sinkAccepted,
        limitMiB: settings.memoryLimiter.limitMiB,
        tailSamplingTracesPerSecond: tailSamplingTracesPerSecond(settings.sampling),
      }),
    );
  }, 600_000);

  afterAll(async () => {
    client?.close();
    await collector?.stop();
    await sink?.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it("never exits, and its memory stays under the memory limiter's limit", () => {
    const limitMiB = settings.memoryLimiter.limitMiB;
    const containerMiB = (parseQuantity(MEMORY_LIMIT) ?? 0) / MIB;
    expect(exitsSeen).toBe(0);
    expect(collector.process.running()).toBe(true);
    for (const [name, phase] of Object.entries(phases)) {
      // The heap, which the limiter measures (limit_mib is a heap target), stays under its limit...
      expect(phase.peak.heapMiB, name).toBeLessThan(limitMiB);
      // ...and what the kernel charges the container, anonymous memory and the binary's resident
      // pages, under the container's limit: no OOM kill. Anonymous memory is not held under limit_mib:
      // GOMEMLIMIT (= limit_mib) is soft, and at 5x on one CPU the Go GC, capped at half the CPU,
      // overshoots it (up to 191 MiB against 176 in the runs so far).
      expect(phase.peak.anonMiB, name).toBeLessThan(containerMiB);
      expect(phase.peak.rssMiB, name).toBeLessThan(containerMiB);
      expect(phase.peak.metricRssMiB, name).toBeLessThan(containerMiB);
    }
  });

  it("refuses the excess, and the senders see the refusal", () => {
    const { load, probe, collector: own } = phases.overload;
    expect(own.refused).toBeGreaterThan(0);
    // The OTLP/HTTP senders were answered 503 (retryable) for exactly the spans the collector counts
    // as refused over HTTP (the load had stopped and every answer was in when the counters were read).
    expect(load.answers["503"] ?? 0).toBeGreaterThan(0);
    expect(own.refusedHttp).toBe(load.refusedSpans);
    // The SDK's gRPC exporter reported failed exports with the collector's UNAVAILABLE, refusals the
    // collector counted over gRPC.
    const probeRefusals = probe.filter((p) => !p.ok && /UNAVAILABLE/.test(p.error));
    expect(probeRefusals.length).toBeGreaterThan(0);
    expect(own.refusedGrpc).toBeGreaterThan(0);
    expect(load.rejectedSpans).toBe(0);
  });

  it("accepts the sustained rate completely before the overload and right after it", () => {
    for (const name of ["sustained", "recovery"] as const) {
      const { load, probe, collector: own } = phases[name];
      expect(load.skippedSpans, name).toBe(0);
      expect(load.acceptedSpans, name).toBe(load.offeredSpans);
      expect(own.refused, name).toBe(0);
      expect(
        probe.filter((p) => !p.ok),
        name,
      ).toEqual([]);
      expect(load.offeredSpans, name).toBeGreaterThanOrEqual(0.95 * SUSTAINED_SPANS_PER_SECOND * PHASE_SECONDS[name]);
    }
  });

  it("loses nothing it accepted: every accepted span reaches the exporter's destination", () => {
    const value = (name: string) => final.collector.value(name);
    expect(value(COUNTERS.droppedTooEarly)).toBe(0);
    expect(value(COUNTERS.exportFailed)).toBe(0);
    expect(value(COUNTERS.enqueueFailed)).toBe(0);
    expect(value(COUNTERS.exported)).toBe(value(COUNTERS.accepted));
    expect(final.sinkAccepted).toBe(value(COUNTERS.accepted));
  });
});

function readCollectorMetricsAt(collector: BenchCollector): Promise<CollectorMetrics> {
  return readCollectorMetrics(Number(new URL(collector.metricsUrl).port));
}

/** The figures of a phase for the log (and the README). */
function summary(phase: PhaseResult) {
  const seconds = phase.load.elapsedMs / 1000;
  const failures = phase.probe.filter((p): p is { ok: false; error: string } => !p.ok).map((p) => p.error.slice(0, 80));
  return {
    asked: phase.spansPerSecond,
    sentPerSecond: Math.round(phase.load.offeredSpans / seconds),
    acceptedPerSecond: Math.round(phase.load.acceptedSpans / seconds),
    heldBackSpans: phase.load.skippedSpans,
    refusedSpans: phase.load.refusedSpans,
    answers: phase.load.answers,
    collector: phase.collector,
    probe: { exports: phase.probe.length, failed: failures.length, firstErrors: [...new Set(failures)].slice(0, 3) },
    peak: Object.fromEntries(Object.entries(phase.peak).map(([key, value]) => [key, Math.round(value)])),
  };
}
