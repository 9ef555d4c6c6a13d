import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { apiUrl, fetchWindow, type FetchProgress, partsFor } from "./jaeger-client";
import type { ReportSpan } from "./spans";
import { otlpExportRequest, syntheticOrderMix, syntheticOrderSpans } from "./testing/synthetic-orders";

/**
 * A stand-in for Jaeger query on loopback that answers trace searches the way Jaeger's memory
 * storage does (per service, spans starting in the window, at most `limit` whole traces, api/v3's
 * 404 for none), so paging and error handling are tested without the real binary. The real
 * binary is exercised by report.integration.test.ts.
 */
interface FakeJaeger {
  url: URL;
  searches: URLSearchParams[];
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  server = createServer(handler);
  return new Promise((resolve) =>
    server!.listen(0, "127.0.0.1", () => {
      resolve(new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/`));
    }),
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function fakeJaeger(spans: readonly ReportSpan[], api: "v3" | "legacy"): Promise<FakeJaeger> {
  const services = [...new Set(spans.map((s) => s.service))];
  const traces = new Map<string, ReportSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const searches: URLSearchParams[] = [];
  const url = await listen((req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? "/", "http://x");
    if (api === "v3" && pathname === "/api/v3/services") return json(res, 200, { services });
    if (api === "legacy" && pathname === "/api/services") return json(res, 200, { data: services, total: 1 });
    const search =
      api === "v3" && pathname === "/api/v3/traces"
        ? {
            service: searchParams.get("query.service_name"),
            min: Date.parse(searchParams.get("query.start_time_min")!),
            max: Date.parse(searchParams.get("query.start_time_max")!),
            limit: Number(searchParams.get("query.num_traces")),
          }
        : api === "legacy" && pathname === "/api/traces"
          ? {
              service: searchParams.get("service"),
              min: Number(searchParams.get("start")) / 1000,
              max: Number(searchParams.get("end")) / 1000,
              limit: Number(searchParams.get("limit")),
            }
          : undefined;
    if (!search) return json(res, 404, { error: "not found" });
    searches.push(searchParams);
    const found = [...traces.values()]
      .filter((trace) =>
        trace.some((s) => s.service === search.service && s.startMs >= search.min && s.startMs <= search.max),
      )
      .slice(0, search.limit);
    if (api === "v3") {
      if (found.length === 0) return json(res, 404, { error: { httpCode: 404, message: "No traces found" } });
      const request = otlpExportRequest(found.flat()) as object;
      return json(res, 200, { result: request });
    }
    const data = found.map((trace) => ({
      traceID: trace[0].traceId,
      processes: Object.fromEntries(trace.map((s) => [s.service, { serviceName: s.service }])),
      spans: trace.map((s) => ({
        traceID: s.traceId,
        spanID: s.spanId,
        operationName: s.operation,
        references: s.parentSpanId ? [{ refType: "CHILD_OF", traceID: s.traceId, spanID: s.parentSpanId }] : [],
        startTime: Math.round(s.startMs * 1000),
        duration: Math.round((s.endMs - s.startMs) * 1000),
        tags: s.orderId ? [{ key: "order.id", type: "string", value: s.orderId }] : [],
        processID: s.service,
      })),
    }));
    return json(res, 200, { data, total: data.length, limit: 0, offset: 0, errors: null });
  });
  return { url, searches };
}

const START = Date.parse("2026-11-24T12:00:00.000Z");
const END = START + 24 * 3_600_000;

describe("fetchWindow", () => {
  it.each(["v3", "legacy"] as const)("pages through a window fuller than one page (%s API)", async (api) => {
    const spans = syntheticOrderSpans(syntheticOrderMix(100, START, END - 3_600_000));
    const traceIds = new Set(spans.map((s) => s.traceId));
    const jaeger = await fakeJaeger(spans, api);
    const progress: FetchProgress[] = [];
    const fetched = await fetchWindow({
      baseUrl: jaeger.url,
      startMs: START,
      endMs: END,
      pageSize: 40,
      onProgress: (p) => progress.push(p),
    });
    expect(fetched.api).toBe(api);
    expect(fetched.services).toEqual(["crm", "mes", "shop"]);
    expect(fetched.traces).toBe(traceIds.size);
    expect(fetched.spans).toHaveLength(spans.length);
    expect(fetched.truncatedWindows).toBe(0);
    // Full pages were split: more searches than the three services.
    expect(fetched.requests).toBeGreaterThan(3);
    expect(fetched.fullPages).toBeGreaterThan(0);
    expect(fetched.tracesRead).toBeGreaterThanOrEqual(traceIds.size);
    expect(jaeger.searches).toHaveLength(fetched.requests);
    expect(progress.at(-1)).toMatchObject({ requests: fetched.requests, traces: traceIds.size, pendingWindows: 0 });
  });

  it("splits a full window at once into parts that should each fill half a page", () => {
    // 1,000 traces covered a tenth of the window: about 10,000 in all, 20 parts of about 500.
    expect(partsFor(24 * 3_600_000, 2.4 * 3_600_000, 1000)).toBe(20);
    // Traces spread over the whole window: just over a page, so halves.
    expect(partsFor(3_600_000, 3_600_000, 1000)).toBe(2);
    // A page that covered (almost) nothing is not taken at its word: at most 64 parts.
    expect(partsFor(3_600_000, 0, 1000)).toBe(64);
  });

  it("keeps a base path such as /jaeger in every API call", () => {
    expect(apiUrl(new URL("http://j:16686/jaeger/"), "/api/v3/services").href).toBe(
      "http://j:16686/jaeger/api/v3/services",
    );
  });

  it("says when Jaeger cannot be reached", async () => {
    const url = await listen(() => undefined);
    const closed = new URL(url.href);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(fetchWindow({ baseUrl: closed, startMs: START, endMs: END, pageSize: 10 })).rejects.toThrow(
      /cannot reach Jaeger query at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*is Jaeger running/,
    );
  });

  it("says when the URL is not Jaeger query", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html>Not Found</html>");
    });
    await expect(fetchWindow({ baseUrl: url, startMs: START, endMs: END, pageSize: 10 })).rejects.toThrow(
      /does not look like Jaeger query: GET \/api\/v3\/services gave HTTP 404: <html>Not Found<\/html>/,
    );
  });

  it("passes on Jaeger's own error, with a hint when the page is larger than the storage allows", async () => {
    const url = await listen((req, res) => {
      if (req.url === "/api/v3/services") return json(res, 200, { services: ["crm"] });
      json(res, 500, {
        error: { httpCode: 500, message: "search depth must be greater than 0 and less than max traces" },
      });
    });
    await expect(fetchWindow({ baseUrl: url, startMs: START, endMs: END, pageSize: 5000 })).rejects.toThrow(
      /trace search failed \(service "crm", .*\): HTTP 500: search depth .*; try a smaller --page-size/,
    );
  });

  it("reports a window that stays full at the smallest slice instead of looping", async () => {
    const url = await listen((req, res) => {
      if (req.url === "/api/v3/services") return json(res, 200, { services: ["crm"] });
      const spans = syntheticOrderSpans([{ orderId: "ord-1", outcome: "delivered", createdAt: START }]);
      json(res, 200, { result: otlpExportRequest(spans) });
    });
    const fetched = await fetchWindow({ baseUrl: url, startMs: START, endMs: START + 4, pageSize: 1 });
    expect(fetched.truncatedWindows).toBeGreaterThan(0);
    expect(fetched.requests).toBeLessThan(20);
  });
});
