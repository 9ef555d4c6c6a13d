import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile, procStatusMiB, sleep } from "../support/measure";
import { createOrders, startShopBackends, type ShopBackends } from "../support/shop";
import { freePort, LOOPBACK, type ManagedProcess } from "../../sandbox/process";
import { stackConfig } from "../support/collector";
import { startTcpGate, type TcpGate } from "../support/tcp-gate";
import { startDevPipeline, type DevPipeline } from "./dev-pipeline";

/**
 * Fault case 1 (issue 10): the collector goes away for 60 s while Shop serves a steady load with the
 * built bundle preloaded as the injection does it. Shop must answer every request as fast as
 * before, stay within bounded memory, resume exporting by itself when the collector is back, and
 * say how many spans it dropped.
 *
 * The collector is "down" behind a TCP gate (test/support/tcp-gate.ts): shut, its port refuses
 * connections exactly as a dead collector's would, while the collector itself keeps running. So
 * nothing is lost inside the collector, and every span Shop made is either received or counted
 * as dropped by the SDK: the test checks that sum.
 */

const RATE_PER_SECOND = 50;
const PHASE_S = { before: 30, outage: 60, after: 45 };
/** A GET /orders/:id makes three spans: Shop's server span, its route handler, its call to CRM. */
const SPANS_PER_REQUEST = 3;
/** Export resumes within the resilient exporter's longest pause (5 s) plus the batch delay (5 s). */
const RESUME_WITHIN_MS = 15_000;
/** Spans still queued in Shop when the gate shuts: at most one export interval of traffic. */
const QUEUED_AT_SHUT_MS = 6_000;
/** What the growth of Shop's memory during the outage may be at most. */
const MEMORY_GROWTH_LIMIT_MIB = 64;
/** Latency during the outage against the run before: within 10%, plus the timer resolution. */
const LATENCY_TOLERANCE = { share: 0.1, absoluteMs: 0.3 };

type Phase = keyof typeof PHASE_S;

interface Request {
  traceId: string;
  phase: Phase;
  startedAt: number;
  status: number;
  latencyMs: number;
}

const rssMiB = (pid: number): number => procStatusMiB(pid, ["VmRSS"]).VmRSS;

/** One GET with a trace id of our own (W3C traceparent), so its spans can be found afterwards. */
function tracedGet(agent: http.Agent, url: string, phase: Phase): Promise<Request> {
  const traceId = randomBytes(16).toString("hex");
  const startedAt = Date.now();
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const request = http.get(
      url,
      { agent, headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` }, timeout: 10_000 },
      (response) => {
        response.resume();
        response.on("end", () =>
          resolve({
            traceId,
            phase,
            startedAt,
            status: response.statusCode ?? 0,
            latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      },
    );
    request.on("error", () => resolve({ traceId, phase, startedAt, status: 0, latencyMs: Number.NaN }));
  });
}

describe("fault case 1: the collector is unreachable for 60 s under steady load", () => {
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-collector-outage-"));
  let pipeline: DevPipeline;
  let gate: TcpGate;
  let backends: ShopBackends;
  let shop: ManagedProcess;
  const requests: Request[] = [];
  const memory: Array<{ phase: Phase; mib: number }> = [];
  let shutAt = 0;
  let openedAt = 0;

  beforeAll(async () => {
    pipeline = await startDevPipeline();
    gate = await startTcpGate(pipeline.ports.otlpGrpc, await freePort());
    backends = await startShopBackends(stackConfig("dev"), logDir);
    const started = await backends.startShop("shop", `${LOOPBACK}:${gate.port}`);
    shop = started.shop;
    const [orderId] = await createOrders(started.url, 1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const orderUrl = `${started.url}/orders/${orderId}`;

    // Steady load: a request every 1/RATE s, whatever the previous ones are doing.
    const phaseAt = (elapsedMs: number): Phase =>
      elapsedMs < PHASE_S.before * 1000
        ? "before"
        : elapsedMs < (PHASE_S.before + PHASE_S.outage) * 1000
          ? "outage"
          : "after";
    const totalMs = (PHASE_S.before + PHASE_S.outage + PHASE_S.after) * 1000;
    const begin = Date.now();
    const inFlight: Array<Promise<void>> = [];
    const sampler = setInterval(() => memory.push({ phase: phaseAt(Date.now() - begin), mib: rssMiB(shop.pid) }), 1000);
    for (let i = 0; ; i++) {
      const due = begin + (i * 1000) / RATE_PER_SECOND;
      if (due - begin >= totalMs) break;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const phase = phaseAt(Date.now() - begin);
      if (phase === "outage" && shutAt === 0) {
        shutAt = Date.now();
        await gate.shut();
      }
      if (phase === "after" && openedAt === 0) {
        await gate.open();
        openedAt = Date.now();
      }
      inFlight.push(tracedGet(agent, orderUrl, phase).then((request) => void requests.push(request)));
    }
    await Promise.all(inFlight);
    clearInterval(sampler);
    agent.destroy();
    // SIGTERM: the bundle flushes what it still holds, then the process ends as it would without it.
    await shop.stop();
    // The collector decides after 1 s (dev-pipeline) and batches for 1 s.
    await sleep(5_000);
  }, 600_000);

  afterAll(async () => {
    await backends?.stop();
    await gate?.close();
    await pipeline?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  const received = () => {
    const spansByTrace = new Map<string, number>();
    for (const span of pipeline.spans()) spansByTrace.set(span.traceId, (spansByTrace.get(span.traceId) ?? 0) + 1);
    return spansByTrace;
  };
  const shopLines = () =>
    readFileSync(shop.logFile, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("[order-tracing]"));
  const inPhase = (phase: Phase) => requests.filter((request) => request.phase === phase);

  it("answers every request, before, during and after the outage", () => {
    const expected = PHASE_S.before + PHASE_S.outage + PHASE_S.after;
    expect(requests.length).toBeGreaterThanOrEqual(expected * RATE_PER_SECOND * 0.99);
    for (const phase of ["before", "outage", "after"] as const) {
      expect(
        inPhase(phase).filter((request) => request.status !== 200),
        phase,
      ).toEqual([]);
    }
  });

  it("keeps latency within 10% of the run before", () => {
    const latencies = (phase: Phase) => inPhase(phase).map((request) => request.latencyMs);
    for (const share of [0.5, 0.95]) {
      const before = percentile(latencies("before"), share);
      const outage = percentile(latencies("outage"), share);
      const limit = before * (1 + LATENCY_TOLERANCE.share) + LATENCY_TOLERANCE.absoluteMs;
      expect(outage, `p${share * 100}: ${outage.toFixed(2)} ms during vs ${before.toFixed(2)} ms before`).toBeLessThan(
        limit,
      );
    }
  });

  it("keeps memory bounded while spans cannot leave", () => {
    const peak = (phase: Phase) => Math.max(...memory.filter((m) => m.phase === phase).map((m) => m.mib));
    expect(peak("outage")).toBeLessThan(peak("before") + MEMORY_GROWTH_LIMIT_MIB);
    expect(peak("after")).toBeLessThan(peak("before") + MEMORY_GROWTH_LIMIT_MIB);
  });

  it("resumes exporting by itself once the collector is reachable again", () => {
    const spans = received();
    const complete = (request: Request) => spans.get(request.traceId) === SPANS_PER_REQUEST;
    // Before the outage, everything that had time to leave left.
    const settledBefore = inPhase("before").filter((request) => request.startedAt < shutAt - QUEUED_AT_SHUT_MS);
    expect(settledBefore.filter((request) => !complete(request))).toEqual([]);
    // After it, every request from a batch interval after the return on is exported in full.
    const afterResume = inPhase("after").filter((request) => request.startedAt >= openedAt + RESUME_WITHIN_MS);
    expect(afterResume.length).toBeGreaterThan(0);
    expect(afterResume.filter((request) => !complete(request))).toEqual([]);
    const resumed = shopLines().filter((line) => line.includes("resumed after"));
    expect(resumed).toHaveLength(1);
    const outageSeconds = Number(/resumed after (\d+) s/.exec(resumed[0])?.[1]);
    expect(outageSeconds).toBeGreaterThanOrEqual(PHASE_S.outage - 10);
    expect(outageSeconds).toBeLessThanOrEqual(PHASE_S.outage + RESUME_WITHIN_MS / 1000);
  });

  it("reports the spans it dropped: received plus reported equals every span made", () => {
    const lines = shopLines();
    expect(lines.filter((line) => line.includes("failed ("))).toHaveLength(1);
    const reported = lines
      .map((line) => /(\d+) spans were dropped/.exec(line)?.[1])
      .filter((count): count is string => count !== undefined)
      .reduce((sum, count) => sum + Number(count), 0);
    const spans = received();
    const made = requests.length * SPANS_PER_REQUEST;
    const receivedOfOurs = requests.reduce((sum, request) => sum + (spans.get(request.traceId) ?? 0), 0);
    expect(reported).toBeGreaterThan(0);
    // A slice cut mid-flight may reach the collector and still count as failed: at most 128 spans.
    expect(receivedOfOurs + reported).toBeGreaterThanOrEqual(made);
    expect(receivedOfOurs + reported).toBeLessThanOrEqual(made + 128);
    const latency = (phase: Phase) =>
      [0.5, 0.95]
        .map((share) =>
          percentile(
            inPhase(phase).map((r) => r.latencyMs),
            share,
          ).toFixed(2),
        )
        .join("/");
    console.info(
      `collector outage: latency p50/p95 ${latency("before")} ms before, ${latency("outage")} ms during, ` +
        `${latency("after")} ms after; ${requests.length} requests (${inPhase("before").length} before, ` +
        `${inPhase("outage").length} during, ${inPhase("after").length} after), ${made} spans made, ` +
        `${receivedOfOurs} received, ${reported} reported dropped; Shop RSS peak ` +
        `${["before", "outage", "after"].map((p) => Math.max(...memory.filter((m) => m.phase === p).map((m) => m.mib)).toFixed(0)).join("/")} MiB; ` +
        lines.join(" | "),
    );
  });
});
