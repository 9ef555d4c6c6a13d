/**
 * Reads traces back from Jaeger's query HTTP API (`/api/traces`, the JSON the Jaeger UI uses), as a
 * support engineer would see them: the end-to-end tests check Jaeger's data, never our own.
 */
import { eventually } from "../support/poll";
import { ORDER_ATTRIBUTES, ORDER_ID_KEY, STATUS_CHANGE_SPAN } from "../../contract/trace";
import { QUEUES } from "../../examples/order-system/src/lib/topology";

export interface JaegerTag {
  key: string;
  type: string;
  value: unknown;
}

interface RawSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags?: JaegerTag[];
  logs?: Array<{ timestamp: number; fields: JaegerTag[] }>;
  processID: string;
}

interface RawTrace {
  traceID: string;
  spans: RawSpan[];
  processes: Record<string, { serviceName: string; tags?: JaegerTag[] }>;
}

/** One span with its process folded in: what every check needs in one place. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  operation: string;
  service: string;
  startTime: number;
  tags: Record<string, unknown>;
  processTags: Record<string, unknown>;
  events: Array<Record<string, unknown>>;
}

export interface Trace {
  traceId: string;
  spans: Span[];
  /** The trace exactly as Jaeger returned it, for scanning every value it holds. */
  raw: unknown;
}

const tagMap = (tags: JaegerTag[] | undefined): Record<string, unknown> =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.key, tag.value]));

function toTrace(raw: RawTrace): Trace {
  return {
    traceId: raw.traceID,
    raw,
    spans: raw.spans.map((span) => {
      const process = raw.processes[span.processID] ?? { serviceName: "", tags: [] };
      return {
        traceId: span.traceID,
        spanId: span.spanID,
        parentSpanId: span.references?.find((r) => r.refType === "CHILD_OF")?.spanID,
        operation: span.operationName,
        service: process.serviceName,
        startTime: span.startTime,
        tags: tagMap(span.tags),
        processTags: tagMap(process.tags),
        events: (span.logs ?? []).map((log) => tagMap(log.fields)),
      };
    }),
  };
}

export class JaegerTraces {
  constructor(private readonly queryUrl: string) {}

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    const url = new URL(`${this.queryUrl.replace(/\/+$/, "")}${path}`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`GET ${url.pathname} answered HTTP ${response.status}`);
    return response.json();
  }

  async services(): Promise<string[]> {
    const body = (await this.get("/api/services", {})) as { data?: string[] | null };
    return body.data ?? [];
  }

  /** Every trace of `service` in the last hour, optionally only those with a span carrying `tags`. */
  async search(service: string, tags?: Record<string, string>): Promise<Trace[]> {
    const params: Record<string, string> = { service, lookback: "1h", limit: "1000" };
    if (tags) params.tags = JSON.stringify(tags);
    const body = (await this.get("/api/traces", params)) as { data?: RawTrace[] | null };
    return (body.data ?? []).map(toTrace);
  }

  /** Every trace, of any of `services`, with a span tagged with this order id. */
  async tracesOfOrder(orderId: string, services: readonly string[]): Promise<Trace[]> {
    const byId = new Map<string, Trace>();
    for (const service of services) {
      for (const trace of await this.search(service, { [ORDER_ID_KEY]: orderId })) byId.set(trace.traceId, trace);
    }
    return [...byId.values()];
  }

  /**
   * The order's spans across `services`, once `ready` holds for them; the collector holds a trace for
   * its tail-sampling decision before Jaeger has it, so this waits up to `timeoutMs`.
   */
  async spansOfOrder(
    orderId: string,
    services: readonly string[],
    ready: (spans: Span[]) => boolean,
    timeoutMs = ORDER_TRACE_WAIT_MS,
  ): Promise<Span[]> {
    return eventually(
      async () => spansOf(await this.tracesOfOrder(orderId, services)),
      ready,
      timeoutMs,
      (spans) => `order ${orderId} has ${spans.length} spans in Jaeger: ${describeSpans(spans)}`,
    );
  }
}

/** How long a sandbox order's spans may take to reach Jaeger (the dev stack's decision wait and more). */
export const ORDER_TRACE_WAIT_MS = 150_000;

// --- span vocabulary: what the checks ask of a span, in Jaeger's terms -------------------------------

export const kind = (span: Span) => span.tags["span.kind"];
export const failed = (span: Span) => span.tags.error === true || span.tags["otel.status_code"] === "ERROR";
export const mentions = (span: Span, value: string) => Object.values(span.tags).includes(value);
export const isS3 = (span: Span, method: string) =>
  kind(span) === "client" && span.tags["rpc.service"] === "S3" && span.tags["rpc.method"] === method;
export const publishes = (span: Span, queue: string) => kind(span) === "producer" && mentions(span, queue);
export const consumes = (span: Span, queue: string) => kind(span) === "consumer" && mentions(span, queue);
export const isStatusChange = (span: Span) => span.operation === STATUS_CHANGE_SPAN;
export const describeSpans = (spans: Span[]) =>
  spans.map((s) => `${s.service} ${kind(s) ?? "-"} ${s.operation}${failed(s) ? " (error)" : ""}`).join("; ");

export const spansOf = (traces: Trace[]) => traces.flatMap((trace) => trace.spans);
/**
 * The status of the order's last `order.status_change` span. Two changes in the same millisecond
 * (APPROVED and SENT_TO_MES often are) are told apart by their spans' start (microseconds).
 */
export const latestStatus = (spans: Span[]) =>
  spans
    .filter(isStatusChange)
    .sort(
      (a, b) =>
        String(a.tags[ORDER_ATTRIBUTES.statusChangedAt]).localeCompare(
          String(b.tags[ORDER_ATTRIBUTES.statusChangedAt]),
        ) || a.startTime - b.startTime,
    )
    .at(-1)?.tags[ORDER_ATTRIBUTES.status];

/**
 * Each connection of the brief's order path, and whether a happy order's spans show it: the same
 * check wherever the order system runs (loopback sandbox, the single-node cluster).
 */
export function orderPathConnections(spans: Span[]): Record<string, boolean> {
  const publish = spans.find((s) => s.service === "crm" && publishes(s, QUEUES.workOrders));
  return {
    "Shop HTTP in": spans.some(
      (s) => s.service === "shop" && kind(s) === "server" && s.tags["http.request.method"] === "POST",
    ),
    "Shop → S3": spans.some((s) => s.service === "shop" && isS3(s, "PutObject")),
    "Shop → CRM HTTP": spans.some(
      (client) =>
        client.service === "shop" &&
        kind(client) === "client" &&
        client.tags["http.request.method"] === "POST" &&
        spans.some(
          (server) => server.service === "crm" && kind(server) === "server" && server.parentSpanId === client.spanId,
        ),
    ),
    "CRM → broker publish": publish !== undefined,
    // The consume span continues the publisher's trace: context crossed in the message headers.
    "broker → MES consume": spans.some(
      (s) => s.service === "mes" && consumes(s, QUEUES.workOrders) && s.traceId === publish?.traceId,
    ),
    "MES → S3": spans.some((s) => s.service === "mes" && isS3(s, "GetObject")),
    "MES → broker status event": spans.some((s) => s.service === "mes" && publishes(s, QUEUES.statusEvents)),
    "CRM consume": spans.some((s) => s.service === "crm" && consumes(s, QUEUES.statusEvents)),
  };
}
