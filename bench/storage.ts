// Storage cost: bytes per order in Jaeger v2's local storage (Badger on disk, the sandbox's
// storage), measured as the growth of the Badger directory after loading the whole lifecycle of N
// synthetic orders (all their traces: shop, approval and MES, production, shipping, delivery) through
// OTLP, with Jaeger stopped so Badger has flushed and closed its files. Turned into disk per day and
// per retention period at 1k, 10k and 100k orders a day, for the dev and prod stacks' retentions.
// Writes bench/results/storage.json. Run: npm run bench:storage [-- --smoke] [-- --results-dir DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { otlpExportRequest, syntheticOrderMix, syntheticOrderSpans } from "../cli/report/testing/synthetic-orders";
import { stackConfig } from "../test/support/collector";
import { median, round } from "../test/support/measure";
import { benchOptions, commandOf, machineAtStart, pinnedVersions, writeResult, type Headline } from "./support/results";
import { startJaeger } from "../test/support/services";

const options = benchOptions();
const ORDERS = options.smoke ? 50 : 1_000;
const SAMPLES = options.smoke ? 1 : 3;
const ORDERS_PER_DAY = [1_000, 10_000, 100_000];
const SPANS_PER_REQUEST = 2_000;
const HOUR = 3_600_000;
const KIB = 1024;
const GIB = 1024 ** 3;

/** Bytes the directory's files take on disk (allocated blocks, as `du` counts them). */
function diskBytes(directory: string): number {
  return Number(execFileSync("du", ["-s", "--block-size=1", directory], { encoding: "utf8" }).split("\t")[0]);
}

/** Bytes of the directory's files as written (apparent size). */
function apparentBytes(directory: string): number {
  return Number(execFileSync("du", ["-s", "-b", directory], { encoding: "utf8" }).split("\t")[0]);
}

interface Sample {
  emptyDiskBytes: number;
  loadedDiskBytes: number;
  loadedApparentBytes: number;
  emptyApparentBytes: number;
  diskBytesPerOrder: number;
  apparentBytesPerOrder: number;
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`OTLP export to Jaeger failed: HTTP ${response.status} ${await response.text()}`);
}

async function measureOnce(dir: string, spans: ReturnType<typeof syntheticOrderSpans>, sample: number) {
  const badger = path.join(dir, `badger-${sample}`);
  mkdirSync(badger, { recursive: true });
  const logDir = path.join(dir, `logs-${sample}`);
  mkdirSync(logDir, { recursive: true });
  // Empty: what Badger writes for itself (manifest, key registry, first files) on start and stop.
  const empty = await startJaeger({ kind: "badger", directory: badger }, logDir);
  await empty.stop();
  const emptyDiskBytes = diskBytes(badger);
  const emptyApparentBytes = apparentBytes(badger);

  const jaeger = await startJaeger({ kind: "badger", directory: badger }, logDir);
  try {
    const byTrace = [...spans].sort((a, b) => a.traceId.localeCompare(b.traceId));
    for (let i = 0; i < byTrace.length; i += SPANS_PER_REQUEST) {
      await post(jaeger.otlpHttpTracesUrl, otlpExportRequest(byTrace.slice(i, i + SPANS_PER_REQUEST)));
    }
  } finally {
    await jaeger.stop(); // SIGTERM: Jaeger flushes its pipeline and Badger closes its files
  }
  const loadedDiskBytes = diskBytes(badger);
  const loadedApparentBytes = apparentBytes(badger);
  return {
    emptyDiskBytes,
    loadedDiskBytes,
    emptyApparentBytes,
    loadedApparentBytes,
    diskBytesPerOrder: Math.round((loadedDiskBytes - emptyDiskBytes) / ORDERS),
    apparentBytesPerOrder: Math.round((loadedApparentBytes - emptyApparentBytes) / ORDERS),
  };
}

async function main(): Promise<void> {
  const machine = machineAtStart();
  const now = Date.now();
  const orders = syntheticOrderMix(ORDERS, now - 23 * HOUR, now - HOUR);
  const spans = syntheticOrderSpans(orders);
  const traces = new Set(spans.map((s) => s.traceId)).size;
  console.error(`dataset: ${ORDERS} orders, ${traces} traces, ${spans.length} spans`);

  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-storage-"));
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const sample = await measureOnce(dir, spans, i);
      samples.push(sample);
      console.error(
        `sample ${i}: ${sample.diskBytesPerOrder} B/order on disk, ${sample.apparentBytesPerOrder} B/order apparent`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Apparent size: Badger's value log is preallocated, so allocated blocks overstate a small load.
  const bytesPerOrder = median(samples.map((s) => s.apparentBytesPerOrder));
  const retentions = {
    dev: stackConfig("dev").storage.retention.days,
    prod: stackConfig("prod").storage.retention.days,
  };
  const projection = ORDERS_PER_DAY.map((perDay) => {
    const perDayBytes = perDay * bytesPerOrder;
    return {
      ordersPerDay: perDay,
      gibPerDay: round(perDayBytes / GIB, 3),
      // Retention days plus today's data, still being written (as docs/operations.md's arithmetic counts it).
      gibForDevRetention: round((perDayBytes * (retentions.dev + 1)) / GIB, 2),
      gibForProdRetention: round((perDayBytes * (retentions.prod + 1)) / GIB, 2),
    };
  });
  const headline: Headline[] = [
    [
      "bytes per order (all its traces) in Badger",
      `${round(bytesPerOrder / KIB, 2)} KiB (${Math.round(bytesPerOrder)} B; ${round(spans.length / ORDERS, 1)} spans, ` +
        `${round(traces / ORDERS, 1)} traces per order; ${round(bytesPerOrder / (spans.length / ORDERS))} B per span)`,
    ],
    ...projection.map((p): Headline => [
      `${p.ordersPerDay.toLocaleString("en-US")} orders a day`,
      `${p.gibPerDay} GiB a day; ${p.gibForDevRetention} GiB for dev's ${retentions.dev}+1 days, ` +
        `${p.gibForProdRetention} GiB for prod's ${retentions.prod}+1 days (one copy, before replicas and watermark)`,
    ]),
  ];

  writeResult("storage", options, {
    benchmark: `Storage cost per order in Jaeger v2 (Badger) for ${ORDERS} synthetic orders`,
    date: new Date().toISOString(),
    machine,
    versions: pinnedVersions("JAEGER_V2_VERSION"),
    command: commandOf("bench:storage", options),
    samples,
    medians: {
      apparentBytesPerOrder: bytesPerOrder,
      diskBytesPerOrder: median(samples.map((s) => s.diskBytesPerOrder)),
      projection,
    },
    headline,
    notes: [
      `dataset: ${ORDERS} orders of cli/report/testing/synthetic-orders (19 in 20 delivered, the rest stuck in the ` +
        `three failure scenarios): ${traces} traces, ${spans.length} spans, loaded through Jaeger's OTLP/HTTP receiver`,
      "each sample is a fresh Badger directory: empty size after a start and stop, then the growth after the load " +
        "and a stop (Badger flushed and closed)",
      "per-order figure: apparent size (bytes written); Badger preallocates its value log, so allocated blocks " +
        "(also recorded) overstate a small load",
      "synthetic spans carry the attributes the report reads (service, operation, order id, status change, errors), " +
        "fewer than real instrumented spans (HTTP, messaging and S3 semantic attributes): real orders cost more",
      "Elasticsearch (the cluster's storage) stores source and index and is not measured here: docs/operations.md's arithmetic " +
        "adds replicas and the disk watermark on top",
    ],
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
