import { ORDER_ATTRIBUTES } from "../../contract/trace";

/** OpenTelemetry span kinds, as both Jaeger APIs can say them. */
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";

/**
 * One span as the report needs it, whichever Jaeger API it came from. Times are epoch
 * milliseconds (fractional: span durations are often below a millisecond).
 */
export interface ReportSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  service: string;
  /** The span's name. */
  operation: string;
  kind?: SpanKind;
  /**
   * The request or message this span itself is, as a person names it, from its attributes:
   * `POST /orders/:id/start` (method and route), `mes.work-orders process` (queue and operation).
   * Absent when the attributes do not say (the span's name is then the best name).
   */
  request?: string;
  startMs: number;
  endMs: number;
  /** `order.id`, wherever the order is known (attribute, or copied from baggage). */
  orderId?: string;
  /** On `order.status_change` spans: the new status, the old one and when it changed (raw text). */
  status?: string;
  previousStatus?: string;
  statusChangedAt?: string;
  /** Whether the span ended with an error status, and its error text (already scrubbed upstream). */
  failed: boolean;
  error?: string;
  /** `exception.type` of the span's exception event (or `error.type`): `NoSuchKey`, `TypeError`. */
  errorType?: string;
  /** The HTTP response code the span records (`http.response.status_code`, or the older `http.status_code`). */
  httpStatus?: number;
  /**
   * A call to the message broker that is no message of its own (`brokerHousekeeping`): an
   * acknowledgement, a wait for publisher confirms. Absent on every other span.
   */
  housekeeping?: true;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The value of an OTLP JSON AnyValue as text (ints arrive as strings, per the protobuf JSON mapping). */
function anyValueText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  for (const key of ["stringValue", "intValue", "doubleValue", "boolValue"]) {
    const v = value[key];
    if (v !== undefined && v !== null) return String(v);
  }
  return undefined;
}

function otlpAttributes(attributes: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const kv of list(attributes)) {
    if (!isObject(kv) || typeof kv.key !== "string") continue;
    const value = anyValueText(kv.value);
    if (value !== undefined) map.set(kv.key, value);
  }
  return map;
}

/** OTLP JSON timestamps are nanoseconds as decimal strings (or numbers from lenient writers). */
function nanosToMs(value: unknown): number | undefined {
  if (typeof value === "number") return value / 1e6;
  if (typeof value !== "string" || !/^\d+$/.test(value)) return undefined;
  // Split to keep microsecond precision: 19-digit nanosecond values exceed a double's exact range.
  const micros = value.length > 3 ? Number(value.slice(0, -3)) : 0;
  return micros / 1000;
}

const OTLP_STATUS_ERROR = new Set<unknown>([2, "2", "STATUS_CODE_ERROR"]);
const EXCEPTION_EVENT = "exception";
const EXCEPTION_MESSAGE = "exception.message";
const EXCEPTION_TYPE = "exception.type";

/** OTLP's SpanKind enum: numbers in protobuf JSON, names in some writers. */
const OTLP_KINDS: Record<string, SpanKind> = {
  "1": "internal",
  "2": "server",
  "3": "client",
  "4": "producer",
  "5": "consumer",
  SPAN_KIND_INTERNAL: "internal",
  SPAN_KIND_SERVER: "server",
  SPAN_KIND_CLIENT: "client",
  SPAN_KIND_PRODUCER: "producer",
  SPAN_KIND_CONSUMER: "consumer",
};
const KINDS: ReadonlySet<string> = new Set(["internal", "server", "client", "producer", "consumer"]);

/** Attribute names the report reads beyond the order contract, current semantic conventions first. */
const SEMCONV = {
  httpMethod: ["http.request.method", "http.method"],
  httpRoute: ["http.route"],
  urlPath: ["url.path", "http.target"],
  httpStatus: ["http.response.status_code", "http.status_code"],
  queue: [
    "messaging.destination.name",
    "messaging.rabbitmq.destination.routing_key",
    "messaging.rabbitmq.routing_key",
    "messaging.destination",
  ],
  messagingOperation: ["messaging.operation.type", "messaging.operation", "messaging.operation.name"],
  errorType: ["error.type"],
} as const;

const first = (attributes: ReadonlyMap<string, string>, keys: readonly string[]): string | undefined => {
  for (const key of keys) {
    const value = attributes.get(key);
    if (value) return value;
  }
  return undefined;
};

/**
 * How instrumentations name RabbitMQ's default exchange, which routes a message to the queue its
 * routing key names: the Java agent publishes to `<default>` (span `<default> publish`), with the
 * queue in `messaging.rabbitmq.destination.routing_key`. Not a destination a person knows.
 */
const DEFAULT_EXCHANGES: ReadonlySet<string> = new Set(["<default>", "amq.default"]);

/** The queue or exchange a messaging span names, passing by the default exchange's names. */
function destinationOf(attributes: ReadonlyMap<string, string>): string | undefined {
  return SEMCONV.queue.map((key) => attributes.get(key)).find((name) => name && !DEFAULT_EXCHANGES.has(name));
}

/** Messaging operations as a person says them: a message is published or processed. */
const MESSAGING_VERBS: Record<string, string> = {
  publish: "publish",
  send: "publish",
  create: "publish",
  process: "process",
  deliver: "process",
  receive: "receive",
};

/** A path segment that is an id: ids have digits (a UUID, `ORD-2026-000123`), route words have none. */
const ID_SEGMENT = /\d/;

/**
 * The route a request matched, as a template. Where the route is only the prefix a handler was
 * mounted at (the JDK HTTP server's context path `/orders/`, which the Java agent reports as
 * `http.route`), the rest of the request's path completes it, each id as `:id`:
 * `/orders/` and `/orders/6f1c…/start` read `/orders/:id/start`. The path is already scrubbed
 * (the SDK, the collector): a segment they replaced stays replaced.
 */
export function routeTemplate(route: string, path: string | undefined): string {
  const pathOnly = path?.split(/[?#]/, 1)[0];
  if (!route.endsWith("/") || !pathOnly || pathOnly.length <= route.length || !pathOnly.startsWith(route)) return route;
  const rest = pathOnly
    .slice(route.length)
    .split("/")
    .map((segment) => (ID_SEGMENT.test(segment) && !segment.startsWith("[") ? ":id" : segment));
  return route + rest.join("/");
}

/**
 * The request or message a span is: an HTTP route with its method, or a queue with what was done
 * with the message (a producer publishes, a consumer processes, where the attributes do not say).
 */
export function requestName(attributes: ReadonlyMap<string, string>, kind: SpanKind | undefined): string | undefined {
  const method = first(attributes, SEMCONV.httpMethod);
  const route = first(attributes, SEMCONV.httpRoute);
  if (method && route) return `${method} ${routeTemplate(route, first(attributes, SEMCONV.urlPath))}`;
  const queue = destinationOf(attributes);
  if (queue && (kind === "producer" || kind === "consumer")) {
    const said = first(attributes, SEMCONV.messagingOperation)?.toLowerCase();
    const verb = (said && MESSAGING_VERBS[said]) ?? (kind === "producer" ? "publish" : "process");
    return `${queue} ${verb}`;
  }
  return undefined;
}

/**
 * Whether a span is the broker's housekeeping around a message rather than a message: a messaging
 * span (`messaging.system`) that is neither a producer nor a consumer and names no destination.
 * The Java agent records every RabbitMQ channel call so: `basic.ack` after a message was handled,
 * `Channel.waitForConfirmsOrDie` after a publish. They end after the work they close, so the walk
 * to where a trace ends passes them by, and they are named by the message they belong to.
 */
export function brokerHousekeeping(attributes: ReadonlyMap<string, string>, kind: SpanKind | undefined): boolean {
  if (kind === "producer" || kind === "consumer" || !attributes.get("messaging.system")) return false;
  return destinationOf(attributes) === undefined;
}

function httpStatusOf(attributes: ReadonlyMap<string, string>): number | undefined {
  const code = Number(first(attributes, SEMCONV.httpStatus));
  return Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

function orderFields(attributes: ReadonlyMap<string, string>): Partial<ReportSpan> {
  return {
    orderId: attributes.get(ORDER_ATTRIBUTES.id) || undefined,
    status: attributes.get(ORDER_ATTRIBUTES.status) || undefined,
    previousStatus: attributes.get(ORDER_ATTRIBUTES.previousStatus) || undefined,
    statusChangedAt: attributes.get(ORDER_ATTRIBUTES.statusChangedAt) || undefined,
  };
}

/** What a span says about how it failed: the exception's type, the status text, the HTTP response code. */
function failureFields(
  failed: boolean,
  attributes: ReadonlyMap<string, string>,
  statusMessage: string | undefined,
  exception: ReadonlyMap<string, string> | undefined,
): Pick<ReportSpan, "error" | "errorType" | "httpStatus"> {
  const httpStatus = httpStatusOf(attributes);
  if (!failed) return { error: undefined, httpStatus };
  return {
    error: statusMessage ?? exception?.get(EXCEPTION_MESSAGE),
    errorType: exception?.get(EXCEPTION_TYPE) || first(attributes, SEMCONV.errorType),
    httpStatus,
  };
}

/**
 * Spans of an api/v3 response (`{"result": TracesData}` in OTLP JSON, as Jaeger's HTTP gateway
 * writes it: hex ids, nanosecond strings, numeric enums).
 */
export function spansFromOtlpJson(body: unknown): ReportSpan[] {
  const result = isObject(body) && isObject(body.result) ? body.result : body;
  if (!isObject(result)) return [];
  const spans: ReportSpan[] = [];
  for (const resourceSpans of list(result.resourceSpans)) {
    if (!isObject(resourceSpans)) continue;
    const resource = isObject(resourceSpans.resource) ? resourceSpans.resource : {};
    const service = otlpAttributes(resource.attributes).get("service.name") ?? "unknown_service";
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObject(scopeSpans)) continue;
      for (const span of list(scopeSpans.spans)) {
        if (!isObject(span)) continue;
        const traceId = text(span.traceId);
        const spanId = text(span.spanId);
        const startMs = nanosToMs(span.startTimeUnixNano);
        if (!traceId || !spanId || startMs === undefined) continue;
        const attributes = otlpAttributes(span.attributes);
        const status = isObject(span.status) ? span.status : {};
        const failed = OTLP_STATUS_ERROR.has(status.code);
        const exception = list(span.events)
          .filter(isObject)
          .find((event) => event.name === EXCEPTION_EVENT);
        const kind = OTLP_KINDS[String(span.kind)];
        spans.push({
          traceId,
          spanId,
          parentSpanId: text(span.parentSpanId),
          service,
          operation: text(span.name) ?? "",
          kind,
          request: requestName(attributes, kind),
          ...(brokerHousekeeping(attributes, kind) ? { housekeeping: true as const } : {}),
          startMs,
          endMs: nanosToMs(span.endTimeUnixNano) ?? startMs,
          ...orderFields(attributes),
          failed,
          ...failureFields(
            failed,
            attributes,
            text(status.message),
            exception ? otlpAttributes(exception.attributes) : undefined,
          ),
        });
      }
    }
  }
  return spans;
}

/** Tags of the legacy (Jaeger UI) JSON model: `[{key, type, value}]`. */
function legacyTags(tags: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const tag of list(tags)) {
    if (!isObject(tag) || typeof tag.key !== "string" || tag.value === undefined || tag.value === null) continue;
    map.set(tag.key, String(tag.value));
  }
  return map;
}

/**
 * Spans of a legacy `/api/traces` response (`{"data": [{traceID, spans, processes}]}`, times in
 * microseconds). Jaeger maps the OTLP status to the tags `error`, `otel.status_code` and
 * `otel.status_description`, and span events to logs whose `event` field is the event name.
 */
export function spansFromLegacyJson(body: unknown): ReportSpan[] {
  const spans: ReportSpan[] = [];
  for (const trace of list(isObject(body) ? body.data : undefined)) {
    if (!isObject(trace)) continue;
    const processes = isObject(trace.processes) ? trace.processes : {};
    for (const span of list(trace.spans)) {
      if (!isObject(span)) continue;
      const traceId = text(span.traceID);
      const spanId = text(span.spanID);
      if (!traceId || !spanId || typeof span.startTime !== "number") continue;
      const process = processes[String(span.processID)];
      const tags = legacyTags(span.tags);
      const failed = tags.get("error") === "true" || tags.get("otel.status_code") === "ERROR";
      const exceptionLog = list(span.logs)
        .filter(isObject)
        .map((log) => legacyTags(log.fields))
        .find((fields) => fields.get("event") === EXCEPTION_EVENT);
      const parent = list(span.references)
        .filter(isObject)
        .find((ref) => ref.refType === "CHILD_OF" && text(ref.traceID) === traceId);
      const startMs = span.startTime / 1000;
      const kindTag = tags.get("span.kind");
      const kind = kindTag && KINDS.has(kindTag) ? (kindTag as SpanKind) : undefined;
      spans.push({
        traceId,
        spanId,
        parentSpanId: parent ? text(parent.spanID) : undefined,
        service: (isObject(process) && text(process.serviceName)) || "unknown_service",
        operation: text(span.operationName) ?? "",
        kind,
        request: requestName(tags, kind),
        ...(brokerHousekeeping(tags, kind) ? { housekeeping: true as const } : {}),
        startMs,
        endMs: startMs + (typeof span.duration === "number" ? span.duration / 1000 : 0),
        ...orderFields(tags),
        failed,
        ...failureFields(failed, tags, tags.get("otel.status_description"), exceptionLog),
      });
    }
  }
  return spans;
}

/** Number of distinct traces in a list of spans. */
export function traceCount(spans: readonly ReportSpan[]): number {
  return new Set(spans.map((s) => s.traceId)).size;
}
