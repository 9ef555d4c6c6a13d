// Where an instrumented request's CPU goes: the reference Shop with our bundle under `node
// --cpu-prof`, driven with GET /orders/:id at saturation as bench:overhead does, each profile sample
// in the measured window attributed to one part of the tracing cost through the bundle's source map
// (instrumentation/build/sourcemap/register.js.map, built here with `--sourcemap`):
//
//   instrumentation wrapping   @opentelemetry/instrumentation*, require/import-in-the-middle, shimmer
//   context propagation        AsyncLocalStorage and async_hooks (Node's own), the context manager,
//                              the API's context functions
//   our hooks and rules        instrumentation/src (order context, rules, matching, status, log
//                              correlation, the SDK set-up), except the two below
//   span processing (SDK)      @opentelemetry/sdk-trace-*, core, resources, the API's trace functions
//   scrubbing                  instrumentation/src/scrub.ts and scrubbing-exporter.ts
//   export                     our exporter wrappers, the OTLP exporters and transformer, gRPC, protobuf
//   other                      everything else: Shop itself, Express, the AWS SDK, Node's HTTP, GC
//
// A sample goes to the innermost frame on its stack that has an owner: Node's internals other than
// async_hooks and built-ins without a script are passed through to their caller, so the HTTP work an
// exporter causes is export's, and the work Express does inside a wrapped layer is other's. µs per
// request = the part's share of the window's samples × the process's utime+stime per request served
// in it. CPU placement as in bench:overhead (Shop alone on CPU 0). Prints the table; asserts nothing.
// Run: npm run bench:profile [-- --smoke] [-- --seconds 15] [-- --node 20] [-- --keep-profile FILE]
// [-- --env NAME=VALUE ...] (--keep-profile copies the .cpuprofile to FILE, for Chrome DevTools or a
// closer look; each --env sets a variable of the profiled Shop over the injected ones, to compare an
// option, e.g. --env OTEL_SDK_DISABLED=true for the bundle loaded but off)
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readDevStack } from "../cli/local/pipeline";
import { BUNDLE_DIR } from "../cli/local/paths";
import { cpuSeconds, round, sleep } from "../test/support/measure";
import { createOrders } from "../test/support/shop";
import { startShopPipeline, type ShopPipeline } from "./support/shop-pipeline";
import { cpuLayout, pinTo } from "./support/cpu";
import { nodeRuntime } from "./support/node-runtime";
import { attribute, CATEGORIES, type CpuProfile, type ProfileNode } from "./support/cpu-profile";
import { benchOptions, ROOT } from "./support/results";

const options = benchOptions();
const SECONDS = Number(optionValue("--seconds", options.smoke ? "2" : "15"));
const WARMUP_S = options.smoke ? 1 : 5;
const NODE_MAJOR = optionValue("--node", "20");
const KEEP_PROFILE = optionValue("--keep-profile", "");
const CONNECTIONS = 10;
/** Sampling interval of the profiler (µs); Node's default is 1000. */
const SAMPLING_INTERVAL_US = 250;
/** `--env NAME=VALUE`, repeatable: variables of the profiled Shop over the injected ones. */
const EXTRA_ENV = Object.fromEntries(
  options.args.flatMap((arg, i) => {
    if (arg !== "--env") return [];
    const [name, ...value] = (options.args[i + 1] ?? "").split("=");
    if (!name || value.length === 0) throw new Error(`--env takes NAME=VALUE, got ${options.args[i + 1]}`);
    return [[name, value.join("=")]];
  }),
);
const SOURCE_MAP = path.join(ROOT, "instrumentation", "build", "sourcemap", "register.js.map");

async function main(): Promise<void> {
  const runtime = nodeRuntime(NODE_MAJOR);
  console.error("building the bundle with its source map");
  execFileSync(process.execPath, [path.join(ROOT, "instrumentation", "scripts", "build-bundle.mjs"), "--sourcemap"], {
    cwd: path.join(ROOT, "instrumentation"),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const cpus = cpuLayout();
  if (cpus) pinTo(process.pid, cpus.others);
  const pinOther = (pid: number): void => (cpus ? pinTo(pid, cpus.others) : undefined);
  const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-profile-"));
  const profileDir = path.join(logDir, "cpu-profile");
  const stack = readDevStack(ROOT);
  let pipeline: ShopPipeline | undefined;
  try {
    pipeline = await startShopPipeline(stack, logDir, pinOther);
    const { backends, collector } = pipeline;

    const { shop, url } = await backends.startShop("shop-profiled", collector.otlpGrpc, EXTRA_ENV, {
      node: runtime.binary,
      nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-interval", String(SAMPLING_INTERVAL_US)],
    });
    let window: { fromUs: number; toUs: number; requests: number; cpuUsPerRequest: number };
    try {
      if (cpus) pinTo(shop.pid, cpus.measured);
      const orderIds = await createOrders(url, 20);
      await get(url, orderIds, WARMUP_S);
      const cpuBefore = cpuSeconds(shop.pid);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const requests = await get(url, orderIds, SECONDS);
      const toUs = Number(process.hrtime.bigint() / 1000n);
      const cpu = cpuSeconds(shop.pid) - cpuBefore;
      window = { fromUs, toUs, requests, cpuUsPerRequest: (cpu * 1e6) / Math.max(1, requests) };
    } finally {
      await shop.stop(); // Shop exits on SIGTERM; Node writes the profile on exit
      await sleep(200);
    }

    const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
    if (files.length !== 1) throw new Error(`expected one profile in ${profileDir}, found ${files.length}`);
    const profileFile = path.join(profileDir, files[0]);
    const profile = JSON.parse(readFileSync(profileFile, "utf8")) as CpuProfile;
    if (KEEP_PROFILE) copyFileSync(profileFile, path.resolve(KEEP_PROFILE));
    const bundleFile = path.join(BUNDLE_DIR, "register.js");
    const map = new TraceMap(readFileSync(SOURCE_MAP, "utf8"), pathToUrl(bundleFile));
    const sourceOf = (frame: ProfileNode["callFrame"]): string => {
      const file = frame.url.startsWith("file:") ? fileURLToPath(frame.url) : frame.url;
      if (file !== bundleFile) return file;
      // V8's lines and columns are 0-based; trace-mapping takes 1-based lines.
      const original = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber });
      // No source: esbuild's own glue (e.g. the getters of re-exports), which passes to its caller.
      return original.source ?? "";
    };
    const totals = attribute(profile, window.fromUs, window.toUs, sourceOf);
    const sampled = CATEGORIES.reduce((sum, category) => sum + totals[category], 0);
    // The samples give each part's share of the main thread's time; the process's utime+stime give
    // the CPU. On a busy machine a sample also counts time the thread waited for the CPU, so the
    // shares, not the sampled µs, are the figures: µs per request = share × CPU per request.
    const share = (us: number): number => us / Math.max(1, sampled);
    const perRequest = (us: number): number => round(share(us) * window.cpuUsPerRequest, 1);
    const envNote = Object.keys(EXTRA_ENV).length > 0 ? ` with ${JSON.stringify(EXTRA_ENV)}` : "";
    console.log(
      `Shop (Node.js ${runtime.version}, our bundle${envNote}) under GET /orders/:id at saturation for ${SECONDS} s: ` +
        `${window.requests} requests (${round(window.requests / SECONDS, 1)}/s), ` +
        `${round(window.cpuUsPerRequest, 1)} µs CPU per request (utime+stime)`,
    );
    console.log(`| part | µs CPU per request | share of samples |`);
    console.log(`| --- | ---: | ---: |`);
    for (const category of CATEGORIES) {
      console.log(`| ${category} | ${perRequest(totals[category])} | ${round(100 * share(totals[category]), 1)}% |`);
    }
    console.log(
      `| of which GC (in other) | ${perRequest(totals.garbageCollection)} | ` +
        `${round(100 * share(totals.garbageCollection), 1)}% |`,
    );
    console.log(`| all | ${round(window.cpuUsPerRequest, 1)} | 100% |`);
    console.log(
      `samples: ${round(sampled / 1000, 1)} ms of the main thread in the ${round((window.toUs - window.fromUs) / 1e6, 1)} s ` +
        `window, ${SAMPLING_INTERVAL_US} µs apart; GC caused by tracing's allocations counts as other`,
    );
  } finally {
    await pipeline?.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** GET /orders/:id with autocannon at saturation for `seconds`; resolves with the requests served. */
async function get(url: string, orderIds: string[], seconds: number): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "GET",
        setupRequest: (req: autocannon.Request) => ({ ...req, path: `/orders/${orderIds[next++ % orderIds.length]}` }),
      },
    ],
  });
  return result["2xx"];
}

function pathToUrl(file: string): string {
  return `file://${file}`;
}

function optionValue(name: string, fallback: string): string {
  const at = options.args.indexOf(name);
  return at >= 0 && at + 1 < options.args.length ? options.args[at + 1] : fallback;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
