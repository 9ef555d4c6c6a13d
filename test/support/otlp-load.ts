import { setTimeout as delay } from "node:timers/promises";
import { randomBytes, randomFillSync, randomUUID } from "node:crypto";
import * as http from "node:http";
import { LOOPBACK } from "../../sandbox/process";
import { ORDER_ID_KEY } from "../../contract/trace";

/**
 * OTLP load for the fault tests: order-shaped traces (fake order ids, nothing personal) encoded as
 * OTLP/HTTP protobuf, the encoding the SDKs send, and posted at a steady rate. A request is encoded
 * once as a template and each send copies it with fresh trace ids and timestamps, so the sender
 * costs almost no CPU next to the collector it loads (both share this machine's cores).
 */

// --- A minimal protobuf writer for ExportTraceServiceRequest ------------------------------------

/** A protobuf field: bytes already encoded, or a nested message. `slot` marks bytes a send rewrites. */
type Field = { tag: number; bytes: Buffer; slot?: Slot } | { tag: number; message: Field[] };
type Slot = "traceId" | "startNanos" | "endNanos";

const LENGTH_DELIMITED = 2;
const FIXED64 = 1;
const VARINT = 0;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const tagOf = (field: number, wireType: number): number => field * 8 + wireType;
const text = (field: number, value: string): Field => ({
  tag: tagOf(field, LENGTH_DELIMITED),
  bytes: Buffer.from(value, "utf8"),
});
const bytesField = (field: number, value: Buffer, slot?: Slot): Field => ({
  tag: tagOf(field, LENGTH_DELIMITED),
  bytes: value,
  slot,
});
const fixed64 = (field: number, slot: Slot): Field => ({ tag: tagOf(field, FIXED64), bytes: Buffer.alloc(8), slot });
const varintField = (field: number, value: number): Field => ({ tag: tagOf(field, VARINT), bytes: varint(value) });
const message = (field: number, fields: Field[]): Field => ({ tag: tagOf(field, LENGTH_DELIMITED), message: fields });

/** OTLP KeyValue with a string or int AnyValue (common.proto: key = 1, value = 2; string = 1, int = 3). */
function attribute(field: number, key: string, value: string | number): Field {
  const anyValue = typeof value === "string" ? text(1, value) : varintField(3, value);
  return message(field, [text(1, key), message(2, [anyValue])]);
}

function encodedLength(field: Field): number {
  if ("bytes" in field) {
    const wire = field.tag & 7;
    return (
      varint(field.tag).length +
      (wire === LENGTH_DELIMITED ? varint(field.bytes.length).length : 0) +
      field.bytes.length
    );
  }
  const inner = innerLength(field.message);
  return varint(field.tag).length + varint(inner).length + inner;
}

const innerLength = (fields: Field[]): number => fields.reduce((sum, f) => sum + encodedLength(f), 0);

/** Serialises fields into `out` at `offset`, recording where each slot's bytes landed. */
function write(fields: Field[], out: Buffer, offset: number, slots: Array<[Slot, number]>): number {
  let at = offset;
  for (const field of fields) {
    at += varint(field.tag).copy(out, at);
    if ("bytes" in field) {
      if ((field.tag & 7) === LENGTH_DELIMITED) at += varint(field.bytes.length).copy(out, at);
      if (field.slot) slots.push([field.slot, at]);
      at += field.bytes.copy(out, at);
    } else {
      at += varint(innerLength(field.message)).copy(out, at);
      at = write(field.message, out, at, slots);
    }
  }
  return at;
}

// --- Order-shaped traces ---------------------------------------------------------------------------

export interface TraceShape {
  /** Traces in one request. */
  tracesPerRequest: number;
  /** Spans per trace: a server span and its children (a CRM call, an S3 put, …). */
  spansPerTrace: number;
  /** `service.name` of the resource. */
  service: string;
}

/** One request to send: its body, and the hex trace ids it carries (to look them up later). */
export interface OtlpRequestBody {
  body: Buffer;
  traceIds: string[];
  spans: number;
}

/** Span duration in the template; the latency policy (2 s) never keeps a trace for it. */
const SPAN_DURATION_NANOS = 25_000_000n;

/**
 * A request of `tracesPerRequest` traces; each `next()` is a copy with new trace ids and the current
 * time. Span ids and order ids repeat across copies (the trace id makes each span unique).
 */
export class OrderTraceTemplate {
  private readonly template: Buffer;
  private readonly traceIdOffsets: number[][];
  private readonly timeOffsets: Array<[Slot, number]>;
  readonly spansPerRequest: number;

  constructor(readonly shape: TraceShape) {
    const spans: Field[] = [];
    for (let t = 0; t < shape.tracesPerRequest; t++) {
      const orderId = randomUUID();
      const root = randomBytes(8);
      for (let s = 0; s < shape.spansPerTrace; s++) {
        const child = s > 0;
        spans.push(
          message(2, [
            bytesField(1, Buffer.alloc(16), "traceId"),
            bytesField(2, child ? randomBytes(8) : root),
            ...(child ? [bytesField(4, root)] : []),
            text(5, child ? "POST /orders" : "POST /orders/:id/approve"),
            varintField(6, child ? 3 : 2), // CLIENT, SERVER
            fixed64(7, "startNanos"),
            fixed64(8, "endNanos"),
            attribute(9, ORDER_ID_KEY, orderId),
            attribute(9, "http.request.method", "POST"),
            attribute(9, "url.path", child ? "/orders" : `/orders/${orderId}/approve`),
            attribute(9, "http.route", child ? "/orders" : "/orders/:id/approve"),
            attribute(9, "http.response.status_code", 200),
            attribute(9, "server.address", "crm.crm.svc.cluster.local"),
            attribute(9, "server.port", 8080),
          ]),
        );
      }
    }
    const request = [
      message(1, [
        message(1, [
          attribute(1, "service.name", shape.service),
          attribute(1, "k8s.pod.name", `${shape.service}-7d9f8b6c4-x2x9q`),
          attribute(1, "host.name", "fault-test-node"),
        ]),
        message(2, [message(1, [text(1, "order-tracing-fault-test")]), ...spans]),
      ]),
    ];
    this.template = Buffer.alloc(innerLength(request));
    const slots: Array<[Slot, number]> = [];
    write(request, this.template, 0, slots);
    const traceIdSlots = slots.filter(([slot]) => slot === "traceId").map(([, offset]) => offset);
    this.traceIdOffsets = Array.from({ length: shape.tracesPerRequest }, (_, t) =>
      traceIdSlots.slice(t * shape.spansPerTrace, (t + 1) * shape.spansPerTrace),
    );
    this.timeOffsets = slots.filter(([slot]) => slot !== "traceId");
    this.spansPerRequest = shape.tracesPerRequest * shape.spansPerTrace;
  }

  next(nowMs = Date.now()): OtlpRequestBody {
    const body = Buffer.from(this.template);
    const ids = randomFillSync(Buffer.alloc(16 * this.traceIdOffsets.length));
    const traceIds: string[] = [];
    this.traceIdOffsets.forEach((offsets, t) => {
      const id = ids.subarray(t * 16, t * 16 + 16);
      for (const offset of offsets) id.copy(body, offset);
      traceIds.push(id.toString("hex"));
    });
    const start = BigInt(nowMs) * 1_000_000n;
    for (const [slot, offset] of this.timeOffsets) {
      body.writeBigUInt64LE(slot === "startNanos" ? start : start + SPAN_DURATION_NANOS, offset);
    }
    return { body, traceIds, spans: this.spansPerRequest };
  }
}

// --- Sending ------------------------------------------------------------------------------------

/** What the collector answered one export request. */
export type ExportOutcome =
  | { kind: "accepted" }
  /** A retryable refusal (the memory limiter answers 503; 429 is the other retryable status). */
  | { kind: "refused"; status: number }
  /** Any other HTTP status: the request is malformed or too large, and retrying will not help. */
  | { kind: "rejected"; status: number }
  /** No answer: connection refused or reset, or no response within the timeout. */
  | { kind: "unreachable"; reason: string };

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** An HTTP client for one collector's OTLP/HTTP receiver, keeping its connections alive like an SDK. */
export class OtlpHttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    maxSockets = 64,
    private readonly timeoutMs = 10_000,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  export(body: Buffer): Promise<ExportOutcome> {
    return new Promise((resolve) => {
      const request = http.request(
        {
          host: LOOPBACK,
          port: this.port,
          path: "/v1/traces",
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/x-protobuf", "content-length": body.length },
          timeout: this.timeoutMs,
        },
        (response) => {
          response.resume();
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve({ kind: "accepted" });
            else if (RETRYABLE_STATUSES.has(status)) resolve({ kind: "refused", status });
            else resolve({ kind: "rejected", status });
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on("error", (error) => resolve({ kind: "unreachable", reason: error.message }));
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadOptions {
  client: OtlpHttpClient;
  template: OrderTraceTemplate;
  spansPerSecond: number;
  /**
   * `retry`: like an SDK that must not lose data, a refused or unanswered request is sent again
   * (after `retryDelayMs`) until accepted; `offer`: every request is new data and a refusal is only
   * counted, so the offered rate stays what was asked while the collector refuses.
   */
  mode: "retry" | "offer";
  /** Requests in flight at most (`offer` only): the senders a gateway serves at once. */
  maxInFlight?: number;
  retryDelayMs?: number;
}

export interface LoadCounts {
  /** Spans in requests sent for the first time. */
  offeredSpans: number;
  acceptedSpans: number;
  /** Spans in answers that refused them (including each refused attempt of a retried request). */
  refusedSpans: number;
  rejectedSpans: number;
  unreachableSpans: number;
  /** Spans due that were not sent because `maxInFlight` requests were already waiting. */
  skippedSpans: number;
  /** Answers by HTTP status or `unreachable`, one per request attempt. */
  answers: Record<string, number>;
  /** Trace ids of every accepted request. */
  acceptedTraceIds: string[];
  elapsedMs: number;
}

export interface RunningLoad {
  counts: LoadCounts;
  /** Stops sending new requests and waits for those in flight (retried until accepted in `retry`). */
  stop(): Promise<LoadCounts>;
}

const TICK_MS = 50;

/** Sends the template's requests at `spansPerSecond` (whole requests, evenly over time) until stopped. */
export function startLoad(options: LoadOptions): RunningLoad {
  const { client, template, spansPerSecond, mode } = options;
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const counts: LoadCounts = {
    offeredSpans: 0,
    acceptedSpans: 0,
    refusedSpans: 0,
    rejectedSpans: 0,
    unreachableSpans: 0,
    skippedSpans: 0,
    answers: {},
    acceptedTraceIds: [],
    elapsedMs: 0,
  };
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let requestsDue = 0;
  let stopped = false;

  const send = async (request: OtlpRequestBody): Promise<void> => {
    for (;;) {
      const outcome = await client.export(request.body);
      const answer = outcome.kind === "accepted" ? "200" : "status" in outcome ? String(outcome.status) : "unreachable";
      counts.answers[answer] = (counts.answers[answer] ?? 0) + 1;
      if (outcome.kind === "accepted") {
        counts.acceptedSpans += request.spans;
        for (const id of request.traceIds) counts.acceptedTraceIds.push(id);
        return;
      }
      if (outcome.kind === "refused") counts.refusedSpans += request.spans;
      else if (outcome.kind === "rejected") counts.rejectedSpans += request.spans;
      else counts.unreachableSpans += request.spans;
      if (mode === "offer" || outcome.kind === "rejected") return;
      await delay(retryDelayMs);
    }
  };

  const timer = setInterval(() => {
    const shouldHaveSent = Math.floor((((Date.now() - started) / 1000) * spansPerSecond) / template.spansPerRequest);
    for (; requestsDue < shouldHaveSent; requestsDue++) {
      if (inFlight.size >= maxInFlight) {
        counts.skippedSpans += template.spansPerRequest;
        continue;
      }
      const request = template.next();
      counts.offeredSpans += request.spans;
      const sending = send(request).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
  }, TICK_MS);

  return {
    counts,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        counts.elapsedMs = Date.now() - started;
      }
      await Promise.all([...inFlight]);
      return counts;
    },
  };
}
