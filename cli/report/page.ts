import { formatDuration } from "./duration";
import { HOLD_REASON_TEXT, type ReportJson } from "./format";
import { lifecycleRank, TERMINAL } from "./order-contract";

/**
 * The report as one self-contained HTML page (`--format html`, and the page `--serve` shows at
 * `/`): a pure function of the JSON document, so the page and `--format json` can never disagree.
 * Everything is inline (CSS, SVG bars); the page fetches nothing and runs no script. Each figure
 * carries `data-*` attributes with the JSON's values, which the browser test reads back.
 */

export interface ReportPageOptions {
  /** The page's title (default "Stuck orders"). */
  title?: string;
  /** Reload the page every this many seconds (a served page); absent for a file. */
  refreshSeconds?: number;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The trace id at the end of a trace link (`<ui>/trace/<id>`). */
export function traceIdOf(traceUrl: string): string {
  return /\/trace\/([^/?#]+)/.exec(traceUrl)?.[1] ?? "";
}

/** The link to an order's log lines (`--logs-url-template`), when it is an http(s) URL. */
function logsCell(logsUrl: string | null): string {
  const href = logsUrl === null ? undefined : safeHref(logsUrl);
  return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">log lines</a>` : "-";
}

/** Only http(s) links become links: a page must never carry a `javascript:` URL from its data. */
function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** A bucket bound as an axis label: 1s, 10m, 6h, 7d. */
function shortDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return formatDuration(ms);
}

/** Labels of the time-in-status buckets by upper bound (1s … 7d), and the open last one (>7d). */
function bucketLabels(boundsMs: readonly number[]): string[] {
  return [...boundsMs.map(shortDuration), `>${shortDuration(boundsMs[boundsMs.length - 1])}`];
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** A horizontal bar: `parts` as coloured segments over a track of `max`. */
function bar(parts: { value: number; className: string }[], max: number, label: string): string {
  const width = 240;
  let x = 0;
  const rects = parts
    .filter((p) => p.value > 0 && max > 0)
    .map((p) => {
      const w = Math.max(1, (p.value / max) * width);
      const rect = `<rect class="${p.className}" x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="14" rx="2"/>`;
      x += w;
      return rect;
    })
    .join("");
  return (
    `<svg class="bar" width="${width}" height="14" viewBox="0 0 ${width} 14" role="img" aria-label="${escapeHtml(label)}">` +
    `<rect class="track" x="0" y="0" width="${width}" height="14" rx="2"/>${rects}</svg>`
  );
}

/** A small histogram of one status's stays per bucket, each bar labelled with its bucket's bound. */
function histogram(counts: readonly number[], labels: readonly string[], status: string): string {
  const barWidth = 22;
  const gap = 4;
  const height = 26;
  const labelHeight = 11;
  const max = Math.max(...counts, 1);
  const width = counts.length * (barWidth + gap);
  const bars = counts
    .map((count, i) => {
      const x = i * (barWidth + gap);
      const h = count === 0 ? 0 : Math.max(2, (count / max) * height);
      return (
        `<rect class="hist" x="${x}" y="${(height - h).toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}">` +
        `<title>${escapeHtml(`${labels[i]}: ${count}`)}</title></rect>` +
        `<text x="${x + barWidth / 2}" y="${height + labelHeight - 1}">${escapeHtml(labels[i])}</text>`
      );
    })
    .join("");
  return (
    `<svg class="histogram" width="${width}" height="${height + labelHeight}" viewBox="0 0 ${width} ${height + labelHeight}" ` +
    `role="img" aria-label="${escapeHtml(`time in ${status}: ${counts.map((c, i) => `${labels[i]} ${c}`).join(", ")}`)}">` +
    `<line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}"/>${bars}</svg>`
  );
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6573; --line: #dde2e8; --bg: #f6f7f9; --card: #fff;
  --stuck: #c62828; --ok: #2e7d32; --moving: #1565c0; --track: #edf0f3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1360px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 10px; }
p.window { margin: 0 0 16px; color: var(--muted); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.alert .value { color: var(--stuck); }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; margin-bottom: 16px; }
@media (max-width: 1100px) { .grid { grid-template-columns: minmax(0, 1fr); } }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
.scroll { overflow-x: auto; }
.bar .track { fill: var(--track); } .bar .stuck { fill: var(--stuck); } .bar .moving { fill: var(--moving); }
.bar .done { fill: var(--ok); } .bar .share { fill: var(--moving); }
.histogram .hist { fill: var(--moving); } .histogram .axis { stroke: var(--line); }
.histogram text { font-size: 9px; fill: var(--muted); text-anchor: middle; }
.legend { color: var(--muted); font-size: 12px; margin-top: 8px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.status { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td.error { white-space: normal; min-width: 220px; max-width: 360px; color: var(--stuck); }
td.wrap { white-space: normal; min-width: 140px; }
td.trace { white-space: normal; word-break: break-all; min-width: 150px; max-width: 180px; }
.why { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--muted); }
.empty { color: var(--ok); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; }
a { color: var(--moving); }
`;

/** The page. `report` is the `--format json` document of the same run. */
export function renderReportPage(report: ReportJson, options: ReportPageOptions = {}): string {
  const { summary } = report;
  const title = options.title ?? "Stuck orders";
  const toMs = Date.parse(summary.to);
  const labels = bucketLabels(summary.timeInStatusBucketsMs);
  const stuckTotal = report.stuck.length;

  // The funnel: the statuses in lifecycle order, each with the orders in it now (stuck in red).
  const funnel = [...report.byStatus].sort(
    (a, b) => lifecycleRank(a.status) - lifecycleRank(b.status) || a.status.localeCompare(b.status),
  );
  const maxCurrent = Math.max(...funnel.map((r) => r.current), 1);
  const funnelRows = funnel
    .map((row) => {
      const terminal = TERMINAL.has(row.status);
      const moving = row.current - row.stuckCount;
      return (
        `<tr data-status="${escapeHtml(row.status)}" data-current="${row.current}" data-stuck="${row.stuckCount}" data-entered="${row.entered}">` +
        `<td class="status">${escapeHtml(row.status)}</td>` +
        `<td>${bar(
          terminal
            ? [{ value: row.current, className: "done" }]
            : [
                { value: row.stuckCount, className: "stuck" },
                { value: moving, className: "moving" },
              ],
          maxCurrent,
          `${row.status}: ${row.current} now, ${row.stuckCount} stuck`,
        )}</td>` +
        `<td class="num">${row.current}</td><td class="num">${row.stuckCount}</td><td class="num">${row.entered}</td></tr>`
      );
    })
    .join("");

  const timeRows = funnel
    .map(
      (row) =>
        `<tr data-status="${escapeHtml(row.status)}" data-p50-ms="${row.p50Ms ?? ""}" data-p95-ms="${row.p95Ms ?? ""}" ` +
        `data-distribution="${row.distribution.join(",")}">` +
        `<td class="status">${escapeHtml(row.status)}</td>` +
        `<td class="num">${formatDuration(row.p50Ms)}</td><td class="num">${formatDuration(row.p95Ms)}</td>` +
        `<td>${histogram(row.distribution, labels, row.status)}</td></tr>`,
    )
    .join("");

  const serviceRows = report.byService
    .map(
      (row) =>
        `<tr data-service="${escapeHtml(row.service)}" data-share="${row.share}" data-p50-ms="${row.p50Ms ?? ""}" data-p95-ms="${row.p95Ms ?? ""}">` +
        `<td class="status">${escapeHtml(row.service)}</td>` +
        `<td>${bar([{ value: row.share, className: "share" }], 1, `${row.service}: ${percent(row.share)}`)}</td>` +
        `<td class="num">${percent(row.share)}</td><td class="num">${formatDuration(row.p50Ms)}</td>` +
        `<td class="num">${formatDuration(row.p95Ms)}</td><td class="num">${row.entrySpans}</td></tr>`,
    )
    .join("");

  // The logs column only when the report was given a logs URL template.
  const withLogs = report.stuck.some((order) => order.logsUrl !== null);
  const stuckRows = report.stuck
    .map((order) => {
      // The full 32-digit id: what the order's log lines carry as trace_id.
      const traceId = order.traceId || traceIdOf(order.traceUrl);
      const href = safeHref(order.traceUrl);
      const traceCell = href
        ? `<a class="mono" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(traceId)}</a>`
        : `<span class="mono">${escapeHtml(traceId)}</span>`;
      const ageMs = Math.max(0, toMs - Date.parse(order.since));
      return (
        `<tr data-order-id="${escapeHtml(order.orderId)}" data-status="${escapeHtml(order.status)}" ` +
        `data-service="${escapeHtml(order.service)}" data-reason="${order.reason}" data-trace-id="${escapeHtml(traceId)}">` +
        `<td class="mono">${escapeHtml(order.orderId)}</td>` +
        `<td class="status">${escapeHtml(order.status)}</td>` +
        `<td class="num" title="since ${escapeHtml(order.since)}">${formatDuration(ageMs)}</td>` +
        `<td class="status">${escapeHtml(order.service)}<div class="why">${escapeHtml(HOLD_REASON_TEXT[order.reason])}</div></td>` +
        `<td class="wrap">${order.operation === "" ? "-" : escapeHtml(order.operation)}</td>` +
        `<td class="error">${order.error === null ? "-" : escapeHtml(order.error)}</td>` +
        `<td class="wrap">${escapeHtml(order.traceEnd.service)} · ${escapeHtml(order.traceEnd.operation)}</td>` +
        `<td class="trace">${traceCell}</td>` +
        (withLogs ? `<td>${logsCell(order.logsUrl)}</td>` : "") +
        "</tr>"
      );
    })
    .join("");

  const worst = report.byStatus.find((r) => r.stuckCount > 0);
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
${refresh}<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="window">Orders with status changes from <time datetime="${escapeHtml(summary.from)}">${escapeHtml(summary.from)}</time> to <time datetime="${escapeHtml(summary.to)}">${escapeHtml(summary.to)}</time>; an order is stuck after ${formatDuration(summary.stuckAfterMs)} in a non-terminal status.</p>
<div class="cards">
<div class="card${stuckTotal > 0 ? " alert" : ""}" id="stuck-count"><div class="value">${stuckTotal}</div><div class="label">stuck orders</div></div>
<div class="card" id="worst-status"><div class="value status">${worst ? escapeHtml(worst.status) : "-"}</div><div class="label">most stuck in</div></div>
<div class="card" id="order-count"><div class="value">${summary.orders}</div><div class="label">orders in the window</div></div>
<div class="card" id="trace-count"><div class="value">${summary.traces}</div><div class="label">traces read</div></div>
</div>
<div class="grid">
<section id="funnel">
<h2>Orders per status now</h2>
<table><thead><tr><th>Status</th><th></th><th class="num">Now</th><th class="num">Stuck</th><th class="num">Entered</th></tr></thead>
<tbody>${funnelRows}</tbody></table>
<div class="legend"><i style="background:var(--stuck)"></i>stuck<i style="background:var(--moving)"></i>moving<i style="background:var(--ok)"></i>finished</div>
</section>
<section id="time-in-status">
<h2>Time in each status</h2>
<table><thead><tr><th>Status</th><th class="num">p50</th><th class="num">p95</th><th>Distribution (orders per time bucket)</th></tr></thead>
<tbody>${timeRows}</tbody></table>
<div class="legend">Over the orders that left the status in the window; each bar counts the stays up to its label.</div>
</section>
</div>
<section id="services" style="margin-bottom:16px">
<h2>Processing time per service</h2>
<table><thead><tr><th>Service</th><th>Share of processing time</th><th class="num">Share</th><th class="num">p50</th><th class="num">p95</th><th class="num">Entry spans</th></tr></thead>
<tbody>${serviceRows}</tbody></table>
</section>
<section id="stuck-orders">
<h2>Stuck orders, longest first</h2>
${
  stuckTotal === 0
    ? `<p class="empty">No stuck orders.</p>`
    : `<div class="scroll"><table><thead><tr><th>Order</th><th>Status</th><th class="num">Stuck for</th><th>Held by</th><th>Operation</th><th>Error</th><th>Trace ends at</th><th>Trace</th>${withLogs ? "<th>Logs</th>" : ""}</tr></thead>
<tbody>${stuckRows}</tbody></table></div>`
}
</section>
<footer>order-tracing report · the same data as <code>--format json</code> · trace links open the Jaeger UI</footer>
</main>
</body>
</html>`;
}
