import { type ReportSpan, spansFromLegacyJson, spansFromOtlpJson } from "./spans";

/**
 * Reads every span of a time window from Jaeger's query HTTP API. Jaeger answers trace searches
 * per service with at most `limit` traces, so a full page means the window holds more: the
 * window is split and each part is asked again, until every page has room to spare. A full page
 * also says how dense the window is (how much of it its traces covered), so it is split at once
 * into as many parts as should each fill about half a page, not in halves level by level: every
 * level of halving would fetch the same traces again (bench/report.ts measures the difference).
 */

export type JaegerApi = "v3" | "legacy";

/** Jaeger cannot be used: unreachable, not Jaeger, or an answer we cannot read. */
export class JaegerQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JaegerQueryError";
  }
}

export interface FetchProgress {
  service: string;
  requests: number;
  traces: number;
  pendingWindows: number;
}

export interface FetchWindowOptions {
  baseUrl: URL;
  startMs: number;
  endMs: number;
  /** Traces per search; must not exceed what the storage allows (memory storage: its max_traces). */
  pageSize: number;
  /** Searches in flight at once. */
  concurrency?: number;
  requestTimeoutMs?: number;
  onProgress?: (progress: FetchProgress) => void;
  /** Use this API instead of the one discovered (tests compare both on one Jaeger). */
  api?: JaegerApi;
}

export interface FetchedWindow {
  api: JaegerApi;
  services: string[];
  spans: ReportSpan[];
  traces: number;
  requests: number;
  /** Traces in all answers together: `traces` and the same traces again (other services' searches, full pages). */
  tracesRead: number;
  /** Answers that were full, so their window was split and asked again. */
  fullPages: number;
  /** Windows still full at the smallest slice: some traces there may be missing. */
  truncatedWindows: number;
}

/** Below this a full window is not split further (its page is reported as possibly truncated). */
const MIN_WINDOW_MS = 1;
/** A split aims at parts that fill this much of a page, so that an uneven part still fits. */
const TARGET_PAGE_FILL = 0.5;
/** At most this many parts from one full page (its density estimate may be off). */
const MAX_PARTS = 64;

/**
 * Into how many parts a window whose search came back full should be split: the traces of the
 * full page cover some span of the window; the whole window then holds about `limit × window /
 * covered` traces, and each part should hold TARGET_PAGE_FILL of a page. At least 2.
 */
export function partsFor(windowMs: number, coveredMs: number, limit: number): number {
  const estimate = (limit * windowMs) / Math.max(coveredMs, windowMs / MAX_PARTS, 1);
  return Math.min(MAX_PARTS, Math.max(2, Math.ceil(estimate / (limit * TARGET_PAGE_FILL))));
}
const DEFAULT_TIMEOUT_MS = 60_000;

/** `<base path>/<path>` on the Jaeger base URL, keeping a base path such as /jaeger. */
export function apiUrl(baseUrl: URL, path: string, params: Record<string, string> = {}): URL {
  const url = new URL(baseUrl.href);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url;
}

interface HttpAnswer {
  status: number;
  body: unknown;
  text: string;
}

async function getJson(url: URL, timeoutMs: number): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new JaegerQueryError(`cannot reach Jaeger query at ${url.origin}: ${networkReason(error, timeoutMs)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `${message} (is Jaeger running, and is this its query HTTP port, 16686 by default?)`;
}

/** Jaeger's own error message from a failed answer (api/v3 gateway or legacy shape). */
function errorText(answer: HttpAnswer): string {
  const body = answer.body as { error?: { message?: string }; errors?: { msg?: string }[] } | undefined;
  const message = body?.error?.message ?? body?.errors?.[0]?.msg ?? answer.text.trim().slice(0, 200);
  return `HTTP ${answer.status}${message ? `: ${message}` : ""}`;
}

/** Which API this Jaeger serves, and its services: api/v3 where served, the legacy API otherwise. */
export async function discoverServices(
  baseUrl: URL,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ api: JaegerApi; services: string[] }> {
  const v3 = await getJson(apiUrl(baseUrl, "/api/v3/services"), timeoutMs);
  // Protobuf JSON leaves an empty list out: a Jaeger without services answers `{}`.
  const v3Services = (v3.body as { services?: unknown } | undefined)?.services;
  if (v3.status === 200 && isObject(v3.body) && (v3Services === undefined || Array.isArray(v3Services))) {
    return { api: "v3", services: stringList(Array.isArray(v3Services) ? v3Services : []) };
  }
  const legacy = await getJson(apiUrl(baseUrl, "/api/services"), timeoutMs);
  const data = (legacy.body as { data?: unknown } | undefined)?.data;
  if (legacy.status === 200 && (Array.isArray(data) || data === null)) {
    return { api: "legacy", services: stringList(Array.isArray(data) ? data : []) };
  }
  throw new JaegerQueryError(
    `${baseUrl.href} does not look like Jaeger query: GET /api/v3/services gave ${errorText(v3)}, ` +
      `GET /api/services gave ${errorText(legacy)}. Point --jaeger-url at the query service (the UI address).`,
  );
}

const isObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringList = (values: unknown[]): string[] =>
  values.filter((v): v is string => typeof v === "string" && v !== "").sort();

interface Page {
  spans: ReportSpan[];
  traces: number;
}

/** The part of [startMs, endMs] that the page's spans of `service` cover (0 for an empty page). */
function coveredMs(page: Page, service: string, startMs: number, endMs: number): number {
  let first = Infinity;
  let last = -Infinity;
  for (const span of page.spans) {
    if (span.service !== service || span.startMs < startMs || span.startMs > endMs) continue;
    if (span.startMs < first) first = span.startMs;
    if (span.startMs > last) last = span.startMs;
  }
  return last >= first ? last - first : 0;
}

/** One trace search: the traces of `service` with a span starting in [startMs, endMs]. */
async function searchPage(
  api: JaegerApi,
  baseUrl: URL,
  service: string,
  startMs: number,
  endMs: number,
  limit: number,
  timeoutMs: number,
): Promise<Page> {
  const url =
    api === "v3"
      ? apiUrl(baseUrl, "/api/v3/traces", {
          "query.service_name": service,
          "query.start_time_min": new Date(startMs).toISOString(),
          "query.start_time_max": new Date(endMs).toISOString(),
          "query.num_traces": String(limit),
        })
      : apiUrl(baseUrl, "/api/traces", {
          service,
          start: String(Math.floor(startMs * 1000)),
          end: String(Math.ceil(endMs * 1000)),
          limit: String(limit),
        });
  const answer = await getJson(url, timeoutMs);
  // api/v3 answers an empty search with 404 "No traces found".
  if (api === "v3" && answer.status === 404) return { spans: [], traces: 0 };
  if (answer.status !== 200 || answer.body === undefined) {
    throw new JaegerQueryError(
      `Jaeger trace search failed (service "${service}", ${new Date(startMs).toISOString()} to ` +
        `${new Date(endMs).toISOString()}): ${errorText(answer)}` +
        (answer.status === 500 && /search depth|max traces/i.test(answer.text) ? "; try a smaller --page-size" : ""),
    );
  }
  if (api === "v3") {
    const spans = spansFromOtlpJson(answer.body);
    return { spans, traces: new Set(spans.map((s) => s.traceId)).size };
  }
  const data = (answer.body as { data?: unknown }).data;
  return { spans: spansFromLegacyJson(answer.body), traces: Array.isArray(data) ? data.length : 0 };
}

/** Fetches every span of every trace that has a span in the window, for every service. */
export async function fetchWindow(options: FetchWindowOptions): Promise<FetchedWindow> {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const discovered = await discoverServices(options.baseUrl, timeoutMs);
  const { services } = discovered;
  const api = options.api ?? discovered.api;
  const spans = new Map<string, ReportSpan>();
  const traceIds = new Set<string>();
  let requests = 0;
  let tracesRead = 0;
  let fullPages = 0;
  let truncatedWindows = 0;

  interface Window {
    service: string;
    startMs: number;
    endMs: number;
  }
  const queue: Window[] = services.map((service) => ({ service, startMs: options.startMs, endMs: options.endMs }));
  let active = 0;

  const worker = async (): Promise<void> => {
    for (let window = queue.shift(); window; window = queue.shift()) {
      active++;
      try {
        const page = await searchPage(
          api,
          options.baseUrl,
          window.service,
          window.startMs,
          window.endMs,
          options.pageSize,
          timeoutMs,
        );
        requests++;
        tracesRead += page.traces;
        for (const span of page.spans) {
          spans.set(`${span.traceId}/${span.spanId}`, span);
          traceIds.add(span.traceId);
        }
        if (page.traces >= options.pageSize) {
          fullPages++;
          const width = window.endMs - window.startMs;
          if (width > MIN_WINDOW_MS) {
            const covered = coveredMs(page, window.service, window.startMs, window.endMs);
            const parts = Math.min(partsFor(width, covered, options.pageSize), Math.floor(width / MIN_WINDOW_MS));
            // Adjacent parts share their bound: a search's window includes both ends.
            for (let i = 0; i < parts; i++) {
              queue.push({
                ...window,
                startMs: window.startMs + Math.floor((width * i) / parts),
                endMs: i === parts - 1 ? window.endMs : window.startMs + Math.floor((width * (i + 1)) / parts),
              });
            }
          } else {
            truncatedWindows++;
          }
        }
        options.onProgress?.({
          service: window.service,
          requests,
          traces: traceIds.size,
          pendingWindows: queue.length + active - 1,
        });
      } finally {
        active--;
      }
    }
  };

  // Workers that find the queue empty stop; a split refills it, so restart until all is done.
  const concurrency = Math.max(1, options.concurrency ?? 4);
  while (queue.length > 0) {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  }
  return {
    api,
    services,
    spans: [...spans.values()],
    traces: traceIds.size,
    requests,
    tracesRead,
    fullPages,
    truncatedWindows,
  };
}
