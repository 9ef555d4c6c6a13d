// Instrumentation overhead of the reference Shop API, three variants under the same load, alternated
// round by round so the shared machine's load falls on all of them alike:
//   plain        node dist/shop.js
//   instrumented the environment the injection sets (bundle through --require, batch OTLP gRPC export)
//                with our collector running the dev stack's generated config, exporting to Jaeger
//   unreachable  the same instrumentation with nothing listening at the collector's address
// Load: autocannon on GET /orders/:id and POST /orders (its S3 PutObject to gofakes3 and its CRM call
// to a stub CRM, bench/support/crm-stub.ts). Figures per run: requests/s, p50/p99 latency, and the
// Shop process's CPU time per request (/proc/<pid>/stat). Writes bench/results/overhead.json.
// Run: npm run bench:overhead [-- --smoke] [-- --results-dir DIR]
import autocannon from "autocannon";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BUNDLE_DIR, ORDER_SYSTEM_DIR } from "../cli/local/paths";
import { readDevStack } from "../cli/local/pipeline";
import { injectionTarget, localServiceEnv } from "../cli/local/service-env";
import { SANDBOX_S3_CREDENTIALS, SANDBOX_S3_REGION, startS3Server } from "../sandbox/s3";
import { freePort, LOOPBACK, startProcess, waitForPort, type ManagedProcess } from "../sandbox/process";
import {
  benchOptions,
  commandOf,
  cpuSeconds,
  machineAtStart,
  median,
  pinnedVersions,
  ROOT,
  round,
  sleep,
  writeResult,
  type Headline,
} from "./support/results";
import { startCollector, startJaeger } from "./support/services";

const options = benchOptions();
const ROUNDS = options.smoke ? 1 : 4;
const DURATION_S = options.smoke ? 1 : 10;
const WARMUP_S = options.smoke ? 1 : 3;
const CONNECTIONS = 10;
/** Orders created before the GET runs; GET cycles through them. */
const GET_ORDERS = 20;
/** A 4 KiB model file: small enough that the measure is Shop's work, not the copying of bytes. */
const MODEL = Buffer.alloc(4096, "solid cube\n").toString("base64");
/** Deliberately fake customer: no personal data in benchmarks. */
const ORDER_BODY = JSON.stringify({
  customer: { name: "Bench Customer", email: "bench@example.invalid", phone: "+00 0000", address: "Nowhere 1" },
  model: { fileName: "cube.stl", content: MODEL },
  material: "PLA",
  quantity: 1,
});

const VARIANTS = ["plain", "instrumented", "unreachable"] as const;
type Variant = (typeof VARIANTS)[number];
const ENDPOINTS = ["GET /orders/:id", "POST /orders"] as const;
type Endpoint = (typeof ENDPOINTS)[number];

interface RunSample {
  round: number;
  variant: Variant;
  endpoint: Endpoint;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, endpoint: Endpoint, seconds: number, orderIds: string[]) {
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
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: [request] });
}

async function createOrders(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: ORDER_BODY,
    });
    if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { orderId: string }).orderId);
  }
  return ids;
}

async function main(): Promise<void> {
  const machine = machineAtStart();
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-overhead-"));
  const stack = readDevStack(ROOT);
  const shopService = stack.instrumentation.services.find((s) => s.name === "shop");
  if (!shopService) throw new Error("Pulumi.dev.yaml lists no shop in order-tracing:instrumentation.services");
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const samples: RunSample[] = [];
  try {
    const s3 = await startS3Server({ logDir });
    started.push(s3);
    const crmPort = await freePort();
    const crm = startProcess({
      name: "crm-stub",
      command: process.execPath,
      args: ["-r", "ts-node/register/transpile-only", path.join(__dirname, "support", "crm-stub.ts")],
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: String(crmPort) },
      logDir,
    });
    started.push(crm);
    await waitForPort(crmPort, { process: crm, timeoutMs: 30_000 });
    const jaeger = await startJaeger({ kind: "memory", maxTraces: 100_000 }, logDir);
    started.push(jaeger);
    const collector = await startCollector("generated", stack, jaeger.otlpGrpc, logDir);
    started.push(collector);
    const nobodyListening = await freePort();

    const appEnv = (port: number): Record<string, string> => ({
      HOST: LOOPBACK,
      PORT: String(port),
      CRM_URL: `http://${LOOPBACK}:${crmPort}`,
      S3_ENDPOINT: s3.endpoint,
      MODELS_BUCKET: s3.bucket,
      AWS_REGION: SANDBOX_S3_REGION,
      AWS_ACCESS_KEY_ID: SANDBOX_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_S3_CREDENTIALS.secretAccessKey,
    });
    const envOf = (variant: Variant, port: number): NodeJS.ProcessEnv => {
      const base = { PATH: process.env.PATH, HOME: process.env.HOME };
      if (variant === "plain") return { ...base, ...appEnv(port) };
      const otlpEndpoint = `http://${variant === "instrumented" ? collector.otlpGrpc : `${LOOPBACK}:${nobodyListening}`}`;
      return {
        ...base,
        ...localServiceEnv(injectionTarget(shopService), appEnv(port), stack.instrumentation, {
          bundleDir: BUNDLE_DIR,
          otlpEndpoint,
        }),
      };
    };

    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round: no variant always runs first or last.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
      for (const variant of order) {
        const port = await freePort();
        const shop: ManagedProcess = startProcess({
          name: `shop-${variant}`,
          command: process.execPath,
          args: ["dist/shop.js"],
          cwd: ORDER_SYSTEM_DIR,
          env: envOf(variant, port),
          logDir,
        });
        try {
          await waitForPort(port, { process: shop, timeoutMs: 60_000 });
          const url = `http://${LOOPBACK}:${port}`;
          const orderIds = await createOrders(url, GET_ORDERS);
          for (const endpoint of ENDPOINTS) {
            await load(url, endpoint, WARMUP_S, orderIds); // JIT and connection pools warm
            const cpuBefore = cpuSeconds(shop.pid);
            const result = await load(url, endpoint, DURATION_S, orderIds);
            const cpu = cpuSeconds(shop.pid) - cpuBefore;
            const sample: RunSample = {
              round,
              variant,
              endpoint,
              requests: result.requests.total,
              requestsPerSecond: round1(result.requests.total / DURATION_S),
              p50Ms: result.latency.p50,
              p99Ms: result.latency.p99,
              cpuUsPerRequest: round1((cpu * 1e6) / Math.max(1, result.requests.total)),
              non2xx: result.non2xx,
              errors: result.errors,
            };
            samples.push(sample);
            console.error(
              `round ${round} ${variant.padEnd(12)} ${endpoint.padEnd(16)} ${sample.requestsPerSecond} req/s, ` +
                `p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms, ${sample.cpuUsPerRequest} µs CPU/req` +
                (sample.non2xx || sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ""),
            );
          }
        } finally {
          await shop.stop();
        }
        await sleep(500);
      }
    }
  } finally {
    for (const process of started.reverse()) await process.stop();
    rmSync(logDir, { recursive: true, force: true });
  }

  const medians: Record<string, Record<string, Record<string, number>>> = {};
  const ratios: Record<string, Record<string, Record<string, number>>> = {};
  const headline: Headline[] = [];
  for (const endpoint of ENDPOINTS) {
    medians[endpoint] = {};
    for (const variant of VARIANTS) {
      const runs = samples.filter((s) => s.endpoint === endpoint && s.variant === variant);
      medians[endpoint][variant] = {
        requestsPerSecond: round1(median(runs.map((s) => s.requestsPerSecond))),
        p50Ms: median(runs.map((s) => s.p50Ms)),
        p99Ms: median(runs.map((s) => s.p99Ms)),
        cpuUsPerRequest: round1(median(runs.map((s) => s.cpuUsPerRequest))),
      };
    }
    const plain = medians[endpoint].plain;
    ratios[endpoint] = {};
    for (const variant of ["instrumented", "unreachable"] as const) {
      const m = medians[endpoint][variant];
      ratios[endpoint][variant] = {
        throughput: round(m.requestsPerSecond / plain.requestsPerSecond, 3),
        cpuPerRequest: round(m.cpuUsPerRequest / plain.cpuUsPerRequest, 3),
        addedP50Ms: round(m.p50Ms - plain.p50Ms, 2),
        addedP99Ms: round(m.p99Ms - plain.p99Ms, 2),
      };
      const r = ratios[endpoint][variant];
      headline.push([
        `${endpoint}, ${variant} vs plain`,
        `${m.requestsPerSecond} vs ${plain.requestsPerSecond} req/s (throughput ×${r.throughput}, ` +
          `${round((1 - r.throughput) * 100)}% loss); p99 ${m.p99Ms} vs ${plain.p99Ms} ms (${signed(r.addedP99Ms)} ms); ` +
          `CPU ${m.cpuUsPerRequest} vs ${plain.cpuUsPerRequest} µs/request (×${r.cpuPerRequest})`,
      ]);
    }
  }

  writeResult("overhead", options, {
    benchmark: "Instrumentation overhead of the Shop API: plain vs instrumented vs collector unreachable",
    date: new Date().toISOString(),
    machine,
    versions: {
      ...pinnedVersions("OTELCOL_VERSION", "JAEGER_V2_VERSION"),
      autocannon: (JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string })
        .version,
    },
    command: commandOf("bench:overhead", options),
    samples,
    medians: { ...medians, ratios },
    headline,
    notes: [
      `${ROUNDS} rounds × 3 variants (order rotated each round) × 2 endpoints; each run ${WARMUP_S} s warm-up then ` +
        `${DURATION_S} s measured, autocannon with ${CONNECTIONS} connections, in the benchmark's own process`,
      "Shop is dist/shop.js of examples/order-system; S3 is gofakes3 (memory), CRM is a stub HTTP server " +
        "(bench/support/crm-stub.ts) answering POST /orders and GET /orders/:id as CRM does, in its own process",
      "instrumented: the env the injection sets (localServiceEnv, as the sandbox), the bundle's batch span " +
        "processor exporting OTLP gRPC to our collector (dev stack's generated config) → Jaeger v2 (memory)",
      "unreachable: the same, with the OTLP endpoint a loopback port nobody listens on",
      "CPU per request: utime+stime of the Shop process over the measured run / requests served",
      "goal (issue 9): ≤ 5% throughput loss and ≤ 1 ms added p99 on GET; published anchor: an Express benchmark " +
        "with the Node SDK and a simple (unbatched) span processor lost 47% of its throughput",
    ],
  });
}

const round1 = (value: number): number => round(value, 1);
const signed = (value: number): string => (value >= 0 ? `+${value}` : String(value));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
