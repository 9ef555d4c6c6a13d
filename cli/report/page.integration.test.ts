import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../test/support/chromium";
import { pollUntil } from "../../test/support/poll";
import { REPO, run } from "../../test/support/project";
import { formatDuration } from "./duration";
import { HOLD_REASON_TEXT, type ReportJson } from "./format";
import { fetchWindow } from "./jaeger-client";
import { traceIdOf } from "./page";
import { type LocalJaeger, startLocalJaeger } from "./testing/jaeger-local";
import { otlpExportRequest, syntheticOrderSpans, type SyntheticOrder } from "./testing/synthetic-orders";

/**
 * `order-tracing report --format html --output FILE` in a real browser (Debian's Chromium,
 * headless): the page of a report read from the real Jaeger v2 must load without a single network
 * request, fit a laptop screen, and show exactly the figures of the JSON report of the same data.
 * The screenshot goes to ORDER_TRACING_REPORT_SAMPLE_DIR when set (docs/report.md's picture).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BIN = path.join(REPO, "bin", "order-tracing.js");
const SAMPLE_DIR = process.env.ORDER_TRACING_REPORT_SAMPLE_DIR;
/** A laptop screen. */
const VIEWPORT = { width: 1440, height: 900 };

let jaeger: LocalJaeger;
let browser: Browser;
let json: ReportJson;
let pageFile: string;
const work = mkdtempSync(path.join(tmpdir(), "order-tracing-report-page-"));

const report = (...args: string[]) =>
  run(
    process.execPath,
    [BIN, "report", "--jaeger-url", jaeger.queryUrl, "--since", "24h", "--stuck-after", "30m", ...args],
    { cwd: REPO, timeoutMs: 120_000 },
  );

beforeAll(async () => {
  jaeger = await startLocalJaeger();
  const now = Date.now();
  // A day of orders: most delivered, one moving, and each of the brief's failures.
  const orders: SyntheticOrder[] = [
    ...Array.from({ length: 12 }, (_, i) => ({
      orderId: `ord-page-d${i}`,
      outcome: "delivered" as const,
      createdAt: now - (22 - i) * HOUR,
    })),
    { orderId: "ord-page-moving", outcome: "in-production", createdAt: now - 20 * MINUTE },
    { orderId: "ord-page-logic", outcome: "mes-logic-error", createdAt: now - 9 * HOUR },
    { orderId: "ord-page-broker", outcome: "broker-loss", createdAt: now - 5 * HOUR },
    { orderId: "ord-page-s3", outcome: "s3-model-deleted", createdAt: now - 3 * HOUR },
    { orderId: "ord-page-accepted", outcome: "accepted", createdAt: now - 2 * HOUR },
  ];
  const spans = syntheticOrderSpans(orders, 7 * MINUTE);
  await jaeger.sendOtlpJson(otlpExportRequest(spans));
  const traces = new Set(spans.map((s) => s.traceId)).size;
  const read = () => fetchWindow({ baseUrl: new URL(jaeger.queryUrl), startMs: 0, endMs: Date.now(), pageSize: 1000 });
  await pollUntil(async () => (await read()).traces === traces, 60_000, 500);
  expect((await read()).traces).toBe(traces);

  const asJson = await report("--format", "json");
  expect(asJson.code, asJson.stderr).toBe(0);
  json = JSON.parse(asJson.stdout) as ReportJson;
  pageFile = path.join(work, "report.html");
  const asHtml = await report("--format", "html", "--output", pageFile);
  expect(asHtml.code, asHtml.stderr).toBe(0);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await jaeger?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the report page in headless Chromium", () => {
  it("loads from a file without any network request and fits a laptop screen", async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(pageFile).href);
    expect(requests).toEqual([pathToFileURL(pageFile).href]);
    expect(await page.title()).toBe("Stuck orders");
    // Nothing sticks out sideways; the wide stuck-orders table scrolls inside its own box if it must.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(VIEWPORT.width);
    if (SAMPLE_DIR) mkdirSync(SAMPLE_DIR, { recursive: true });
    const screenshot = await page.screenshot({
      fullPage: true,
      path: path.join(SAMPLE_DIR ?? work, "report-page.png"),
    });
    expect(screenshot.subarray(1, 4).toString()).toBe("PNG");
    await page.close();
  });

  it("shows every stuck order of the JSON report: holder, reason, operation, error, trace end and trace link", async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(pathToFileURL(pageFile).href);
    const rows = await page.$$eval("#stuck-orders tbody tr", (trs) =>
      trs.map((tr) => ({
        orderId: tr.getAttribute("data-order-id"),
        reason: tr.getAttribute("data-reason"),
        cells: [...tr.querySelectorAll("td")].map((cell) => cell.textContent ?? ""),
        link: tr.querySelector("a")?.href ?? null,
      })),
    );
    expect(json.stuck.map((s) => s.orderId).sort()).toEqual([
      "ord-page-accepted",
      "ord-page-broker",
      "ord-page-logic",
      "ord-page-s3",
    ]);
    expect(rows.map((r) => r.orderId)).toEqual(json.stuck.map((s) => s.orderId));
    for (const [i, stuck] of json.stuck.entries()) {
      const [order, status, , heldBy, operation, error, traceEnd, trace] = rows[i].cells;
      expect(order).toBe(stuck.orderId);
      expect(status).toBe(stuck.status);
      expect(heldBy).toBe(`${stuck.service}${HOLD_REASON_TEXT[stuck.reason]}`);
      expect(rows[i].reason).toBe(stuck.reason);
      expect(operation).toBe(stuck.operation || "-");
      expect(error).toBe(stuck.error ?? "-");
      expect(traceEnd).toBe(`${stuck.traceEnd.service} · ${stuck.traceEnd.operation}`);
      expect(trace).toBe(traceIdOf(stuck.traceUrl));
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      expect(rows[i].link).toBe(stuck.traceUrl);
    }
    expect(await page.textContent("#stuck-count .value")).toBe(String(json.stuck.length));
    expect(await page.textContent("#order-count .value")).toBe(String(json.summary.orders));
    expect(await page.textContent("#trace-count .value")).toBe(String(json.summary.traces));
    await page.close();
  });

  it("shows the JSON's funnel, time in status and service shares", async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(pathToFileURL(pageFile).href);
    const funnel = await page.$$eval("#funnel tbody tr", (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute("data-status"),
        current: Number(tr.getAttribute("data-current")),
        stuckCount: Number(tr.getAttribute("data-stuck")),
        entered: Number(tr.getAttribute("data-entered")),
      })),
    );
    const byStatus = (rows: { status: string | null; current: number; stuckCount: number; entered: number }[]) =>
      rows
        .map(({ status, current, stuckCount, entered }) => ({ status, current, stuckCount, entered }))
        .sort((a, b) => String(a.status).localeCompare(String(b.status)));
    expect(byStatus(funnel)).toEqual(byStatus(json.byStatus));
    expect(funnel.find((f) => f.status === "SENT_TO_MES")).toMatchObject({ stuckCount: 3 });
    // The lifecycle reads top to bottom.
    expect(funnel.map((f) => f.status).slice(0, 3)).toEqual(["CREATED", "SUBMITTED", "APPROVED"]);

    const times = await page.$$eval("#time-in-status tbody tr", (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute("data-status"),
        p50: tr.querySelectorAll("td")[1].textContent,
        p95: tr.querySelectorAll("td")[2].textContent,
        distribution: (tr.getAttribute("data-distribution") ?? "").split(",").map(Number),
        bars: tr.querySelectorAll("svg rect.hist").length,
      })),
    );
    for (const row of json.byStatus) {
      const shown = times.find((t) => t.status === row.status)!;
      expect(shown).toEqual({
        status: row.status,
        p50: formatDuration(row.p50Ms),
        p95: formatDuration(row.p95Ms),
        distribution: row.distribution,
        bars: json.summary.timeInStatusBucketsMs.length + 1,
      });
    }

    const services = await page.$$eval("#services tbody tr", (trs) =>
      trs.map((tr) => ({
        service: tr.getAttribute("data-service"),
        share: Number(tr.getAttribute("data-share")),
        text: tr.querySelectorAll("td")[2].textContent,
      })),
    );
    expect(services).toEqual(
      json.byService.map((s) => ({ service: s.service, share: s.share, text: `${(s.share * 100).toFixed(1)}%` })),
    );
    await page.close();
  });
});
