import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../sandbox/process";
import { pollUntil } from "../../test/support/poll";
import { REPO, run } from "../../test/support/project";
import type { ReportJson } from "./format";
import { fetchWindow } from "./jaeger-client";
import { fullTraceId } from "./logs-link";
import { buildReport } from "./lifecycle";
import {
  ERRORS,
  OPERATIONS,
  otlpExportRequest,
  syntheticOrderSpans,
  type SyntheticOrder,
} from "./testing/synthetic-orders";
import { type LocalJaeger, startLocalJaeger } from "./testing/jaeger-local";

/**
 * `order-tracing report` against the real Jaeger v2 binary (Badger storage, loopback): synthetic
 * order traces go in through Jaeger's OTLP receiver, the command reads them back through the
 * query API and must name the stuck orders, their status, service, operation, error and trace.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BIN = path.join(REPO, "bin", "order-tracing.js");

/** Where the last run's outputs go, for docs/report.md. */
const SAMPLE_DIR = process.env.ORDER_TRACING_REPORT_SAMPLE_DIR;

let jaeger: LocalJaeger;
let spans: ReturnType<typeof syntheticOrderSpans>;
let orders: SyntheticOrder[];

/** The report without what moves with the clock between two runs (the window's ends). */
function withoutRunTimes(json: ReportJson): Omit<ReportJson, "summary"> & { summary: object } {
  const { from: _from, to: _to, ...summary } = json.summary;
  return { ...json, summary };
}

const report = (...args: string[]) =>
  run(process.execPath, [BIN, "report", "--jaeger-url", jaeger.queryUrl, ...args], { cwd: REPO, timeoutMs: 120_000 });

beforeAll(async () => {
  jaeger = await startLocalJaeger();
  const now = Date.now();
  orders = [
    { orderId: "ord-int-001", outcome: "delivered", createdAt: now - 5 * HOUR },
    { orderId: "ord-int-002", outcome: "mes-logic-error", createdAt: now - 4 * HOUR },
    { orderId: "ord-int-003", outcome: "broker-loss", createdAt: now - 3 * HOUR },
    { orderId: "ord-int-004", outcome: "s3-model-deleted", createdAt: now - 2 * HOUR },
    // Moving normally: in IN_PRODUCTION for about 14 minutes, under --stuck-after 30m.
    { orderId: "ord-int-005", outcome: "in-production", createdAt: now - 20 * MINUTE },
    { orderId: "ord-int-006", outcome: "delivered", createdAt: now - 90 * MINUTE },
    // MES accepted it an hour ago and nobody started production.
    { orderId: "ord-int-007", outcome: "accepted", createdAt: now - 70 * MINUTE },
  ];
  spans = syntheticOrderSpans(orders, 2 * MINUTE);
});

afterAll(async () => {
  await jaeger?.stop();
});

describe("order-tracing report against Jaeger v2", () => {
  it("says when the window has no order data", async () => {
    const result = await report("--since", "1h");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /no order status changes in Jaeger from .* \(0 services, 0 traces read through the v3 API\)/,
    );
  });

  it("says when Jaeger cannot be reached or the URL is wrong", async () => {
    const closedPort = await freePort();
    const unreachable = await run(process.execPath, [BIN, "report", "--jaeger-url", `http://127.0.0.1:${closedPort}`], {
      cwd: REPO,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot reach Jaeger query at http://127.0.0.1:${closedPort}: connect ECONNREFUSED`,
    );
    const badUrl = await run(process.execPath, [BIN, "report", "--jaeger-url", "127.0.0.1:16686"], { cwd: REPO });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain(
      '--jaeger-url: expected an http(s) URL such as http://localhost:16686, got "127.0.0.1:16686"',
    );
  });

  it("reports the stuck orders, statuses and services as JSON", async () => {
    await jaeger.sendOtlpJson(otlpExportRequest(spans));
    const traceIds = new Set(spans.map((s) => s.traceId));
    // The batch processor flushes within a second; wait until every trace is searchable.
    await expect
      .poll(
        async () =>
          (await fetchWindow({ baseUrl: new URL(jaeger.queryUrl), startMs: 0, endMs: Date.now(), pageSize: 1000 }))
            .traces,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toBe(traceIds.size);

    const result = await report("--since", "24h", "--stuck-after", "30m", "--format", "json");
    expect(result.code).toBe(0);
    // stderr carries only progress lines (a slow machine may take long enough to get one).
    expect(result.stderr.split("\n").filter((line) => line && !line.startsWith("reading Jaeger: "))).toEqual([]);
    const json = JSON.parse(result.stdout) as ReportJson;
    if (SAMPLE_DIR) {
      mkdirSync(SAMPLE_DIR, { recursive: true });
      writeFileSync(path.join(SAMPLE_DIR, "report.json"), result.stdout);
    }

    const approvalTrace = (orderId: string) =>
      spans.find((s) => s.orderId === orderId && s.status === "SENT_TO_MES")!.traceId;
    const sinceOf = (orderId: string, status = "SENT_TO_MES") =>
      new Date(spans.find((s) => s.orderId === orderId && s.status === status)!.startMs).toISOString();
    expect(json.stuck).toEqual([
      {
        orderId: "ord-int-002",
        status: "SENT_TO_MES",
        since: sinceOf("ord-int-002"),
        service: "mes",
        operation: OPERATIONS.consume,
        error: ERRORS.mesLogic,
        traceId: fullTraceId(approvalTrace("ord-int-002")),
        traceUrl: `${jaeger.queryUrl}/trace/${approvalTrace("ord-int-002")}`,
        reason: "failed",
        traceEnd: { service: "mes", operation: OPERATIONS.consume },
        logsUrl: null,
      },
      {
        orderId: "ord-int-003",
        status: "SENT_TO_MES",
        since: sinceOf("ord-int-003"),
        service: "crm",
        operation: OPERATIONS.publish,
        error: null,
        traceId: fullTraceId(approvalTrace("ord-int-003")),
        traceUrl: `${jaeger.queryUrl}/trace/${approvalTrace("ord-int-003")}`,
        reason: "recorded-status",
        traceEnd: { service: "crm", operation: OPERATIONS.publish },
        logsUrl: null,
      },
      {
        orderId: "ord-int-004",
        status: "SENT_TO_MES",
        since: sinceOf("ord-int-004"),
        service: "mes",
        operation: OPERATIONS.getModel,
        error: ERRORS.s3DeletedText,
        traceId: fullTraceId(approvalTrace("ord-int-004")),
        traceUrl: `${jaeger.queryUrl}/trace/${approvalTrace("ord-int-004")}`,
        reason: "failed",
        traceEnd: { service: "mes", operation: OPERATIONS.getModel },
        logsUrl: null,
      },
      {
        // Waiting in MES, which recorded ACCEPTED; its trace ends at CRM consuming the status event.
        orderId: "ord-int-007",
        status: "ACCEPTED",
        since: sinceOf("ord-int-007", "ACCEPTED"),
        service: "mes",
        operation: OPERATIONS.publishStatus,
        error: null,
        traceId: fullTraceId(approvalTrace("ord-int-007")),
        traceUrl: `${jaeger.queryUrl}/trace/${approvalTrace("ord-int-007")}`,
        reason: "recorded-status",
        traceEnd: { service: "crm", operation: OPERATIONS.consumeStatus },
        logsUrl: null,
      },
    ]);

    // Worst status first; every status of the lifecycle the orders went through is there.
    expect(json.byStatus[0]).toMatchObject({ status: "SENT_TO_MES", stuckCount: 3, p50Ms: 580, p95Ms: 580 });
    expect(json.byStatus[1]).toMatchObject({ status: "ACCEPTED", stuckCount: 1, current: 1 });
    expect(json.byStatus.map((r) => r.status).sort()).toEqual(
      [
        "ACCEPTED",
        "APPROVED",
        "CREATED",
        "DELIVERED",
        "IN_PRODUCTION",
        "MANUFACTURED",
        "SENT_TO_MES",
        "SHIPPED",
        "SUBMITTED",
      ].sort(),
    );
    expect(json.byStatus.find((r) => r.status === "IN_PRODUCTION")).toMatchObject({
      status: "IN_PRODUCTION",
      stuckCount: 0,
      p50Ms: 2 * MINUTE,
      p95Ms: 2 * MINUTE,
    });
    expect(json.byStatus.find((r) => r.status === "DELIVERED")).toMatchObject({ stuckCount: 0, p50Ms: null });

    expect(json.byService.map((r) => r.service).sort()).toEqual(["crm", "mes", "shop"]);
    const shares = json.byService.map((r) => r.share);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // MES's consumer spans (400 ms) are the longest entry spans on the path.
    expect(json.byService.find((r) => r.service === "mes")).toMatchObject({ p95Ms: 400 });

    // Each link opens a trace Jaeger has.
    for (const stuck of json.stuck) {
      const traceId = stuck.traceUrl.split("/trace/")[1];
      const answer = await fetch(`${jaeger.queryUrl}/api/v3/traces/${traceId}`);
      expect(answer.status).toBe(200);
    }
  });

  it("links every stuck order to its log lines with --logs-url-template, and refuses a bad template", async () => {
    const template = "https://logs.internal.example/search?q=trace_id:{traceId}&order={orderId}&from={from}&to={to}";
    const result = await report("--format", "json", "--logs-url-template", template);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as ReportJson;
    expect(json.stuck.map((s) => s.orderId)).toEqual(["ord-int-002", "ord-int-003", "ord-int-004", "ord-int-007"]);
    for (const stuck of json.stuck) {
      const url = new URL(stuck.logsUrl ?? "");
      expect(url.searchParams.get("q")).toBe(`trace_id:${stuck.traceId}`);
      expect(url.searchParams.get("order")).toBe(stuck.orderId);
      expect(Date.parse(url.searchParams.get("from") ?? "")).toBeLessThan(Date.parse(stuck.since));
    }
    const bad = await report("--format", "json", "--logs-url-template", "https://logs.internal.example/?q={trace}");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--logs-url-template: unknown placeholder {trace}");
  });

  it("pages through the same data with tiny pages and gets the same answer", async () => {
    const whole = withoutRunTimes(JSON.parse((await report("--format", "json")).stdout) as ReportJson);
    const paged = await report("--format", "json", "--page-size", "2");
    expect(paged.code).toBe(0);
    expect(withoutRunTimes(JSON.parse(paged.stdout) as ReportJson)).toEqual(whole);
  });

  it("reads the same report through the legacy API", async () => {
    const window = {
      baseUrl: new URL(jaeger.queryUrl),
      startMs: Date.now() - 24 * HOUR,
      endMs: Date.now(),
      pageSize: 1000,
    };
    const options = { now: window.endMs, stuckAfterMs: 30 * MINUTE, jaegerUiUrl: jaeger.queryUrl };
    const v3 = await fetchWindow({ ...window, api: "v3" });
    const legacy = await fetchWindow({ ...window, api: "legacy" });
    expect(legacy.traces).toBe(v3.traces);
    expect(legacy.spans).toHaveLength(v3.spans.length);
    expect(buildReport(legacy.spans, options)).toEqual(buildReport(v3.spans, options));
  });

  it("gives the same report from the report image's compiled entry (order-report, images/definitions.ts)", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "order-tracing-report-image-"));
    try {
      const tsc = await run(
        process.execPath,
        [
          path.join(REPO, "node_modules", "typescript", "bin", "tsc"),
          "-p",
          "cli/report/tsconfig.image.json",
          "--outDir",
          out,
        ],
        { cwd: REPO },
      );
      expect(tsc.stdout + tsc.stderr).toBe("");
      const fromImage = await run(
        process.execPath,
        [
          path.join(out, "cli", "report", "standalone.js"),
          "report",
          "--jaeger-url",
          jaeger.queryUrl,
          "--format",
          "json",
        ],
        { cwd: out },
      );
      expect(fromImage.code).toBe(0);
      const fromCli = await report("--format", "json");
      // Stuck durations move with the clock between the runs; the JSON carries only their start.
      expect(withoutRunTimes(JSON.parse(fromImage.stdout) as ReportJson)).toEqual(
        withoutRunTimes(JSON.parse(fromCli.stdout) as ReportJson),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("prints an aligned table, worst status first, with the stuck orders", async () => {
    const result = await report("--stuck-after", "30m");
    expect(result.code).toBe(0);
    if (SAMPLE_DIR) writeFileSync(path.join(SAMPLE_DIR, "report.txt"), result.stdout);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^Orders from .* to .*: 7 with status changes, 4 stuck \(in a non-terminal status for more than 30m\); 23 traces\.$/,
    );
    const statusHeader = lines.findIndex((l) => l.startsWith("STATUS"));
    expect(lines[statusHeader + 1]).toMatch(/^SENT_TO_MES\s+3\s+3\s+7\s+580ms\s+580ms$/);
    const stuckHeader = lines.findIndex((l) => l.startsWith("ORDER"));
    const stuckRows = lines.slice(stuckHeader + 1, stuckHeader + 5);
    expect(stuckRows.map((row) => row.split(/\s{2,}/).slice(0, 2))).toEqual([
      ["ord-int-002", "SENT_TO_MES"],
      ["ord-int-003", "SENT_TO_MES"],
      ["ord-int-004", "SENT_TO_MES"],
      ["ord-int-007", "ACCEPTED"],
    ]);
    expect(stuckRows[2]).toContain("NoSuchKey (HTTP 404)");
    const traceColumn = new Set([
      lines[stuckHeader].search(/\bTRACE\s+TRACE ID/),
      ...stuckRows.map((r) => r.indexOf("http://")),
    ]);
    expect(traceColumn.size).toBe(1);
  });
});

describe("order-tracing report's output through a pipe", () => {
  /** Several thousand stuck orders make a JSON report far beyond a pipe's 64 KiB. */
  const STUCK_ORDERS = 3_000;
  let bulk: LocalJaeger;

  beforeAll(async () => {
    bulk = await startLocalJaeger();
    const now = Date.now();
    const outcomes = ["broker-loss", "accepted", "s3-model-deleted"] as const;
    const stuck: SyntheticOrder[] = Array.from({ length: STUCK_ORDERS }, (_, i) => ({
      orderId: `ord-pipe-${String(i).padStart(5, "0")}`,
      outcome: outcomes[i % outcomes.length],
      createdAt: now - 20 * HOUR + i * 10_000,
    }));
    const bulkSpans = syntheticOrderSpans(stuck, 2 * MINUTE);
    for (let i = 0; i < bulkSpans.length; i += 5_000)
      await bulk.sendOtlpJson(otlpExportRequest(bulkSpans.slice(i, i + 5_000)));
    const traces = new Set(bulkSpans.map((s) => s.traceId)).size;
    const read = () => fetchWindow({ baseUrl: new URL(bulk.queryUrl), startMs: 0, endMs: Date.now(), pageSize: 1000 });
    await pollUntil(async () => (await read()).traces === traces, 60_000, 1_000);
    expect((await read()).traces).toBe(traces);
  });

  afterAll(async () => {
    await bulk?.stop();
  });

  /**
   * `report --format FORMAT | node -e <reader>` under pipefail. The reader starts reading only after
   * a pause (the report must wait for it, not exit early), then prints `summary`, a JS expression
   * over the whole `text` it read, as JSON.
   */
  const reportThroughSlowReader = (format: string, summary: string) =>
    run(
      "bash",
      [
        "-c",
        'set -o pipefail; "$0" "$1" report --jaeger-url "$2" --format "$3" | "$0" -e "$4"',
        process.execPath,
        BIN,
        bulk.queryUrl,
        format,
        "setTimeout(() => { let text = ''; process.stdin.on('data', (c) => (text += c));" +
          ` process.stdin.on('end', () => console.log(JSON.stringify(${summary}))); }, 2000)`,
      ],
      { cwd: REPO, timeoutMs: 300_000 },
    );

  it("hands a slow reader the whole JSON of several thousand stuck orders, and the reader parses it", async () => {
    const pipeline = await reportThroughSlowReader(
      "json",
      "{ bytes: Buffer.byteLength(text), stuck: JSON.parse(text).stuck.length }",
    );
    expect(pipeline.code, pipeline.stderr).toBe(0);
    const read = JSON.parse(pipeline.stdout) as { bytes: number; stuck: number };
    expect(read.stuck).toBe(STUCK_ORDERS);
    expect(read.bytes).toBeGreaterThan(1_000_000);
  });

  it.each([
    { format: "table", lastLine: /^ord-pipe-\d{5}\s/ },
    { format: "html", lastLine: /<\/html>$/ },
  ])(
    "hands a slow reader the whole $format of several thousand stuck orders, to its last line",
    async ({ format, lastLine }) => {
      // Every stuck order arrives, and the end.
      const pipeline = await reportThroughSlowReader(
        format,
        "{ orders: new Set(text.match(/ord-pipe-\\d{5}/g)).size, last: text.trimEnd().split('\\n').pop() }",
      );
      expect(pipeline.code, pipeline.stderr).toBe(0);
      const read = JSON.parse(pipeline.stdout) as { orders: number; last: string };
      expect(read.orders).toBe(STUCK_ORDERS);
      expect(read.last).toMatch(lastLine);
    },
  );

  it("writes the same report to --output, and exits 1 when stdout's reader goes away", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "order-tracing-report-output-"));
    try {
      const file = path.join(out, "report.json");
      const written = await run(
        process.execPath,
        [BIN, "report", "--jaeger-url", bulk.queryUrl, "--format", "json", "--output", file],
        {
          cwd: REPO,
          timeoutMs: 300_000,
        },
      );
      expect(written.code, written.stderr).toBe(0);
      expect(written.stdout).toBe("");
      expect(written.stderr).toContain(`wrote the json report to ${file}`);
      expect((JSON.parse(readFileSync(file, "utf8")) as ReportJson).stuck).toHaveLength(STUCK_ORDERS);

      const cut = await run(
        "bash",
        [
          "-c",
          '"$0" "$1" report --jaeger-url "$2" --format json | head -c 1000 >/dev/null; echo "exit ${PIPESTATUS[0]}" >&2',
          process.execPath,
          BIN,
          bulk.queryUrl,
        ],
        { cwd: REPO, timeoutMs: 300_000 },
      );
      expect(cut.stderr).toContain("order-tracing: cannot write the output: the reader of the output went away");
      expect(cut.stderr).toContain("exit 1");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
