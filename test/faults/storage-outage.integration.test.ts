import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../support/measure";
import { fetchWindow } from "../../cli/report/jaeger-client";
import {
  buildCollectorConfig,
  type CollectorConfigDocument,
  type CollectorSettings,
} from "../../infra/collector/config";
import { localCollectorSettings } from "../../infra/collector/settings";
import type { CollectorConfig } from "../../infra/config/collector";
import { buildJaegerConfig, type JaegerConfigDocument, type JaegerPorts } from "../../infra/jaeger/config";
import { localJaegerSettings } from "../../infra/jaeger/settings";
import { freePorts, LOOPBACK } from "../../sandbox/process";
import { readCollectorMetrics, startCollector, type RunningCollector } from "../support/collector";
import { loopbackJaegerPorts, startJaeger, type RunningJaeger } from "../support/jaeger";
import { OrderTraceTemplate, OtlpHttpClient, startLoad, type LoadCounts, type RunningLoad } from "../support/otlp-load";
import { containerEnv, faultTestCollectorConfig } from "./dev-pipeline";

/**
 * Fault case 2 (issue 10): Jaeger (the storage side) down for 60 s while traffic goes on. Our
 * collector runs the generated pipeline of two stacks side by side, both exporting to one real
 * Jaeger v2 on Badger (so it can be stopped and started again with its data): the dev stack's,
 * whose sending queue is in memory, and the prod stack's, whose queue is persistent (file_storage);
 * that one is also restarted in the middle of the outage. Each gets a steady OTLP load with unique
 * trace ids; afterwards Jaeger must hold every span either collector accepted, before, during and
 * after the outage. Sampling keeps every trace and decides after a second, so every span is due in
 * Jaeger.
 */

const SPANS_PER_SECOND = 400;
const SHAPE = { tracesPerRequest: 10, spansPerTrace: 4 } as const;
const SECONDS = {
  before: 15,
  outage: 60,
  /** When, into the outage, the collector with the persistent queue is restarted. */
  restartAt: 25,
  after: 15,
} as const;
/** The exporter's retries back off up to 30 s (plus jitter), and its gRPC channel reconnects with a backoff of its own. */
const DELIVERY_TIMEOUT_MS = 180_000;
/** retry_on_failure.max_elapsed_time of the generated exporter: a batch is given up after it. */
const RETRY_LIMIT_SECONDS = 300;

const MIB = 1024 * 1024;
const HEAP = "otelcol_process_runtime_heap_alloc_bytes";

interface Variant {
  name: string;
  /** The service name of its spans: how its traces are told apart in Jaeger. */
  service: string;
  config: CollectorConfig;
  queueDirectory?: string;
  restartDuringOutage: boolean;
}

interface RunningVariant extends Variant {
  settings: CollectorSettings;
  document: CollectorConfigDocument;
  health: number;
  metrics: number;
  collector: RunningCollector;
  client: OtlpHttpClient;
  load: RunningLoad;
  counts?: LoadCounts;
  /** Accepted trace ids at the outage's start and end: what was sent before, during and after. */
  acceptedAtOutageStart: number;
  acceptedAtOutageEnd: number;
  peakQueuedSpans: number;
  /** Heap before the outage and at its peak during it: what a queued span costs in memory. */
  heapBeforeMiB: number;
  peakHeapMiB: number;
  /** Size of the persistent queue's files when the outage ended. */
  queueDiskBytes?: number;
  /** From Jaeger's return until this collector's queue was empty. */
  drainedAfterMs?: number;
  queueCapacity: number;
  /** The persistent queue around the restart: spans queued just before the stop and just after the start. */
  restart?: { queuedBefore: number; queuedAfter: number; downMs: number; acceptedBefore: number };
  delivery?: { exported: number; accepted: number; exportFailed: number; enqueueFailed: number };
}

describe("fault: Jaeger/storage down for 60 s", () => {
  let workDir: string;
  let jaegerPorts: JaegerPorts;
  let jaegerDocument: JaegerConfigDocument;
  let jaeger: RunningJaeger | undefined;
  let outageMs = 0;
  let testStartMs = 0;
  const variants: RunningVariant[] = [];
  let inJaeger: Map<string, Set<string>>;
  let deliveredAfterMs = 0;

  beforeAll(async () => {
    testStartMs = Date.now();
    workDir = mkdtempSync(path.join(tmpdir(), "order-tracing-storage-outage-"));
    jaegerPorts = await loopbackJaegerPorts();
    jaegerDocument = buildJaegerConfig(
      localJaegerSettings(jaegerPorts, {
        kind: "badger",
        directory: path.join(workDir, "badger"),
        retentionHours: 24,
      }),
    );
    jaeger = await startJaeger(jaegerDocument, jaegerPorts.health);

    const plans: Variant[] = [
      {
        name: "dev stack, queue in memory",
        service: "shop",
        config: faultTestCollectorConfig("dev", { decisionWaitSeconds: 1 }),
        restartDuringOutage: false,
      },
      {
        name: "prod stack, persistent queue",
        service: "crm",
        config: faultTestCollectorConfig("prod", { decisionWaitSeconds: 1 }),
        queueDirectory: path.join(workDir, "queue"),
        restartDuringOutage: true,
      },
    ];
    for (const plan of plans) variants.push(await startVariant(plan));

    await sleep(SECONDS.before * 1000);
    const outageStart = Date.now();
    await jaeger.stop();
    jaeger = undefined;
    for (const v of variants) {
      v.acceptedAtOutageStart = v.load.counts.acceptedTraceIds.length;
      v.heapBeforeMiB = (await readCollectorMetrics(v.metrics)).value(HEAP) / MIB;
    }
    const watching = watchQueues(() => jaeger === undefined);

    await sleep(SECONDS.restartAt * 1000);
    for (const v of variants.filter((v) => v.restartDuringOutage)) await restart(v);

    await sleep(Math.max(0, outageStart + SECONDS.outage * 1000 - Date.now()));
    jaeger = await startJaeger(jaegerDocument, jaegerPorts.health);
    outageMs = Date.now() - outageStart;
    const jaegerBack = Date.now();
    await watching;
    for (const v of variants) v.acceptedAtOutageEnd = v.load.counts.acceptedTraceIds.length;
    const draining = watchDrain(jaegerBack, DELIVERY_TIMEOUT_MS);

    await sleep(SECONDS.after * 1000);
    const sendingEnded = Date.now();
    for (const v of variants) v.counts = await v.load.stop();
    await waitForDelivery();
    await draining;
    deliveredAfterMs = Date.now() - sendingEnded;
    inJaeger = await spansInJaeger();
    for (const v of variants) console.log("storage outage test:", JSON.stringify(summary(v, inJaeger)));
    console.log(`storage outage test: outage ${outageMs} ms; all delivered ${deliveredAfterMs} ms after sending ended`);
  }, 600_000);

  afterAll(async () => {
    for (const v of variants) {
      await v.load.stop();
      v.client.close();
      await v.collector.stop();
    }
    await jaeger?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function startVariant(plan: Variant): Promise<RunningVariant> {
    const [otlpGrpc, otlpHttp, health, metrics] = await freePorts(4);
    const settings = localCollectorSettings(plan.config, {
      ports: { otlpGrpc, otlpHttp, health, metrics },
      exporterEndpoint: `${LOOPBACK}:${jaegerPorts.otlpGrpc}`,
      queueDirectory: plan.queueDirectory,
    });
    const document = buildCollectorConfig(settings);
    const collector = await startCollector(document, health, { env: containerEnv(plan.config, settings) });
    const client = new OtlpHttpClient(otlpHttp);
    // Like an SDK that must not lose data: a refused or unanswered export is sent again.
    const load = startLoad({
      client,
      template: new OrderTraceTemplate({ ...SHAPE, service: plan.service }),
      spansPerSecond: SPANS_PER_SECOND,
      mode: "retry",
    });
    return {
      ...plan,
      settings,
      document,
      health,
      metrics,
      collector,
      client,
      load,
      acceptedAtOutageStart: 0,
      acceptedAtOutageEnd: 0,
      peakQueuedSpans: 0,
      heapBeforeMiB: 0,
      peakHeapMiB: 0,
      queueCapacity: (await readCollectorMetrics(metrics)).value("otelcol_exporter_queue_capacity"),
    };
  }

  /** Every second while `during` holds: each collector's queued spans, keeping the peak. */
  async function watchQueues(during: () => boolean): Promise<void> {
    while (during()) {
      for (const v of variants) {
        const metrics = await readCollectorMetrics(v.metrics).catch(() => undefined); // down while restarting
        if (!metrics) continue;
        v.peakQueuedSpans = Math.max(v.peakQueuedSpans, metrics.value("otelcol_exporter_queue_size"));
        v.peakHeapMiB = Math.max(v.peakHeapMiB, metrics.value(HEAP) / MIB);
      }
      await sleep(1_000);
    }
    for (const v of variants) if (v.queueDirectory) v.queueDiskBytes = directoryBytes(v.queueDirectory);
  }

  /** Every second for `forMs` after Jaeger's return: when each collector's queue was first empty. */
  async function watchDrain(since: number, forMs: number): Promise<void> {
    while (Date.now() < since + forMs && variants.some((v) => v.drainedAfterMs === undefined)) {
      for (const v of variants.filter((v) => v.drainedAfterMs === undefined)) {
        if ((await readCollectorMetrics(v.metrics)).value("otelcol_exporter_queue_size") === 0) {
          v.drainedAfterMs = Date.now() - since;
        }
      }
      await sleep(1_000);
    }
  }

  /** Stops the collector (SIGTERM, as a pod is stopped) and starts it again on the same queue directory. */
  async function restart(v: RunningVariant): Promise<void> {
    const queuedBefore = (await readCollectorMetrics(v.metrics)).value("otelcol_exporter_queue_size");
    const stoppedAt = Date.now();
    await v.collector.stop();
    // What it accepted up to here crosses the restart on disk (Jaeger is still down).
    const acceptedBefore = v.load.counts.acceptedTraceIds.length;
    v.collector = await startCollector(v.document, v.health, { env: containerEnv(v.config, v.settings) });
    const queuedAfter = (await readCollectorMetrics(v.metrics)).value("otelcol_exporter_queue_size");
    v.restart = { queuedBefore, queuedAfter, downMs: Date.now() - stoppedAt, acceptedBefore };
  }

  /** Until each collector has exported what it accepted and its queue is empty. */
  async function waitForDelivery(): Promise<void> {
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    for (;;) {
      let pending = false;
      for (const v of variants) {
        const metrics = await readCollectorMetrics(v.metrics);
        v.delivery = {
          accepted: metrics.value("otelcol_receiver_accepted_spans"),
          exported: metrics.value("otelcol_exporter_sent_spans"),
          exportFailed: metrics.value("otelcol_exporter_send_failed_spans"),
          enqueueFailed: metrics.value("otelcol_exporter_enqueue_failed_spans"),
        };
        if (metrics.value("otelcol_exporter_queue_size") > 0 || v.delivery.exported < v.delivery.accepted) {
          pending = true;
        }
      }
      if (!pending || Date.now() > deadline) return;
      await sleep(2_000);
    }
  }

  /** Span ids per trace id of every span Jaeger holds (its writes are batched: asked until stable). */
  async function spansInJaeger(): Promise<Map<string, Set<string>>> {
    let previous = -1;
    for (;;) {
      const fetched = await fetchWindow({
        baseUrl: new URL(`http://${LOOPBACK}:${jaegerPorts.queryHttp}`),
        startMs: testStartMs - 60_000,
        endMs: Date.now() + 60_000,
        pageSize: 1_000,
      });
      const byTrace = new Map<string, Set<string>>();
      for (const span of fetched.spans) {
        const spans = byTrace.get(span.traceId) ?? new Set<string>();
        spans.add(span.spanId);
        byTrace.set(span.traceId, spans);
      }
      if (fetched.spans.length === previous) return byTrace;
      previous = fetched.spans.length;
      await sleep(3_000);
    }
  }

  /** Accepted traces that Jaeger lacks or holds only in part. */
  const missing = (traceIds: string[]) => traceIds.filter((id) => (inJaeger.get(id)?.size ?? 0) < SHAPE.spansPerTrace);

  it("the outage lasted at least 60 s and fits the documented queue capacity", () => {
    expect(outageMs).toBeGreaterThanOrEqual(SECONDS.outage * 1000);
    for (const v of variants) {
      // The queue's capacity is what the builder documents (queueSpansFor) ...
      expect(v.queueCapacity, v.name).toBe(v.settings.queueSpans);
      // ... and it holds the outage at this rate, within the exporter's retry limit.
      expect((SPANS_PER_SECOND * outageMs) / 1000, v.name).toBeLessThan(v.queueCapacity);
      expect(outageMs / 1000, v.name).toBeLessThan(RETRY_LIMIT_SECONDS);
      expect(v.peakQueuedSpans, v.name).toBeGreaterThan(0);
      expect(v.peakQueuedSpans, v.name).toBeLessThanOrEqual(v.queueCapacity);
    }
  });

  it("Jaeger holds every span accepted before, during and after the outage", () => {
    for (const v of variants) {
      const ids = v.counts?.acceptedTraceIds ?? [];
      const periods = {
        before: ids.slice(0, v.acceptedAtOutageStart),
        during: ids.slice(v.acceptedAtOutageStart, v.acceptedAtOutageEnd),
        after: ids.slice(v.acceptedAtOutageEnd),
      };
      for (const [period, traceIds] of Object.entries(periods)) {
        expect(traceIds.length, `${v.name}: traces accepted ${period} the outage`).toBeGreaterThan(0);
        expect(missing(traceIds), `${v.name}: ${period} the outage`).toEqual([]);
      }
      expect(v.delivery?.exportFailed, v.name).toBe(0);
      expect(v.delivery?.enqueueFailed, v.name).toBe(0);
    }
  });

  it("the persistent queue keeps what it holds across a collector restart", () => {
    const restarted = variants.filter((v) => v.restartDuringOutage);
    expect(restarted.length).toBe(1);
    for (const v of restarted) {
      expect(v.restart?.queuedBefore, v.name).toBeGreaterThan(0);
      // Every span it had accepted when it stopped reached Jaeger, which was down until after the restart.
      const acceptedBeforeStop = v.counts?.acceptedTraceIds.slice(0, v.restart?.acceptedBefore) ?? [];
      expect(acceptedBeforeStop.length, v.name).toBeGreaterThan(0);
      expect(missing(acceptedBeforeStop), v.name).toEqual([]);
      // Restored from disk: at least what was queued before the stop (the stop flushes the rest in).
      expect(v.restart?.queuedAfter, v.name).toBeGreaterThanOrEqual(v.restart?.queuedBefore ?? Infinity);
    }
  });
});

function directoryBytes(directory: string): number {
  return readdirSync(directory, { withFileTypes: true }).reduce((sum, entry) => {
    const file = path.join(directory, entry.name);
    return sum + (entry.isDirectory() ? directoryBytes(file) : statSync(file).size);
  }, 0);
}

/** The figures of one variant for the log (and the README). */
function summary(v: RunningVariant, inJaeger: Map<string, Set<string>>) {
  const ids = v.counts?.acceptedTraceIds ?? [];
  const accepted = ids.length;
  return {
    name: v.name,
    spansPerSecond: SPANS_PER_SECOND,
    spansAccepted: accepted * SHAPE.spansPerTrace,
    spansBeforeDuringAfter: [
      v.acceptedAtOutageStart,
      v.acceptedAtOutageEnd - v.acceptedAtOutageStart,
      accepted - v.acceptedAtOutageEnd,
    ].map((traces) => traces * SHAPE.spansPerTrace),
    spansOfThoseInJaeger: ids.reduce((sum, id) => sum + (inJaeger.get(id)?.size ?? 0), 0),
    answers: v.counts?.answers,
    peakQueuedSpans: v.peakQueuedSpans,
    queueCapacity: v.queueCapacity,
    heapMiB: { before: Math.round(v.heapBeforeMiB), peak: Math.round(v.peakHeapMiB) },
    drainedAfterJaegerReturnedMs: v.drainedAfterMs,
    queueDiskMiB: v.queueDiskBytes === undefined ? undefined : Math.round(v.queueDiskBytes / MIB),
    restart: v.restart,
    delivery: v.delivery,
  };
}
