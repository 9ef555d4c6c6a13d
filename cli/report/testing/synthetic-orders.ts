import { ORDER_ATTRIBUTES, STATUS_CHANGE_SPAN } from "../../../contract/trace";
import type { ReportSpan, SpanKind } from "../spans";

/**
 * Synthetic order traces shaped like the reference order system's (Shop → CRM → broker → MES, an
 * order's life over several traces), for the report's tests and benchmark. Ids are fake and no
 * span carries personal data.
 */

/** How an order's life goes; the stuck outcomes mirror the brief's failure scenarios. */
export type OrderOutcome =
  | "delivered" // the whole lifecycle
  | "in-production" // still moving: in IN_PRODUCTION since shortly before `now`
  | "accepted" // MES accepted it and nobody started production: waits in ACCEPTED, the trace ends in crm
  | "mes-logic-error" // MES fails consuming the order: stuck in SENT_TO_MES, error in mes
  | "broker-loss" // CRM publishes, MES never receives: stuck in SENT_TO_MES, trace ends at crm's publish
  | "s3-model-deleted"; // MES cannot fetch the model: stuck in SENT_TO_MES, error on mes's S3 call

export const SERVICES = { shop: "shop", crm: "crm", mes: "mes" } as const;

/**
 * The failures as the spans record them: MES's logic error as a status description; the deleted
 * model as the S3 SDK reports it (exception type NoSuchKey, HTTP 404, the SDK's catch-all
 * description), and the error text the report makes of each.
 */
export const ERRORS = {
  mesLogic: 'unknown material "unobtainium"',
  s3Deleted: { errorType: "NoSuchKey", httpStatus: 404, description: "UnknownError" },
  s3DeletedText: "NoSuchKey (HTTP 404)",
} as const;

/** Span names, which are also the operations the report names (requests, messages and calls). */
export const OPERATIONS = {
  createOrder: "POST /orders",
  approve: "POST /orders/:id/approve",
  publish: "mes.work-orders publish",
  consume: "mes.work-orders process",
  publishStatus: "crm.order-status publish",
  consumeStatus: "crm.order-status process",
  getModel: "S3.GetObject",
  putModel: "S3.PutObject",
} as const;

export interface SyntheticOrder {
  orderId: string;
  outcome: OrderOutcome;
  /** When the order was created (epoch ms). */
  createdAt: number;
}

/** Builds the spans of one trace; ids are deterministic from the counters. */
class TraceWriter {
  private spanCount = 0;
  constructor(
    private readonly ids: IdSource,
    readonly traceId: string,
    private readonly orderId: string,
    readonly spans: ReportSpan[],
  ) {}

  span(
    service: string,
    operation: string,
    startMs: number,
    durationMs: number,
    extra: {
      parent?: ReportSpan;
      /** Internal by default. A server, consumer or producer span is its own request (`operation`). */
      kind?: SpanKind;
      error?: string;
      errorType?: string;
      httpStatus?: number;
      withoutOrderId?: boolean;
      status?: [string | undefined, string];
    } = {},
  ): ReportSpan {
    this.spanCount++;
    const kind = extra.kind ?? "internal";
    const span: ReportSpan = {
      traceId: this.traceId,
      spanId: this.ids.spanId(),
      parentSpanId: extra.parent?.spanId,
      service,
      operation,
      kind,
      request: REQUEST_KINDS.has(kind) && REQUEST_NAME.test(operation) ? operation : undefined,
      startMs,
      endMs: startMs + durationMs,
      orderId: extra.withoutOrderId ? undefined : this.orderId,
      failed: extra.error !== undefined,
      error: extra.error,
      errorType: extra.errorType,
      httpStatus: extra.httpStatus,
    };
    if (extra.status) {
      span.previousStatus = extra.status[0];
      span.status = extra.status[1];
      span.statusChangedAt = new Date(startMs).toISOString();
    }
    this.spans.push(span);
    return span;
  }

  statusChange(service: string, parent: ReportSpan, atMs: number, previous: string | undefined, next: string) {
    return this.span(service, STATUS_CHANGE_SPAN, atMs, 0.2, { parent, status: [previous, next] });
  }
}

const REQUEST_KINDS: ReadonlySet<SpanKind> = new Set(["server", "consumer", "producer"]);
/** `METHOD /route` or `queue publish|process`: the names `otlpExportRequest` turns back into attributes. */
const REQUEST_NAME = /^([A-Z]+) (\/\S*)$|^(\S+) (publish|process)$/;

class IdSource {
  private traces = 0;
  private spans = 0;
  /** Ids with non-zero high bits, so every Jaeger API prints them in full (32 hex digits). */
  traceId(): string {
    return `0af76519${(++this.traces).toString(16).padStart(24, "0")}`;
  }
  spanId(): string {
    return (++this.spans).toString(16).padStart(16, "0");
  }
}

const MINUTE = 60_000;

/**
 * The spans of the given orders. Each order's life: a shop trace (CREATED, SUBMITTED in crm), an
 * approval trace (APPROVED, SENT_TO_MES, the publish, MES consuming it and fetching the model,
 * ACCEPTED), then one trace per later step. `stepMs` spaces the steps.
 */
export function syntheticOrderSpans(orders: readonly SyntheticOrder[], stepMs = 2 * MINUTE): ReportSpan[] {
  const ids = new IdSource();
  const spans: ReportSpan[] = [];
  for (const order of orders) {
    const trace = () => new TraceWriter(ids, ids.traceId(), order.orderId, spans);
    let t = order.createdAt;

    const shop = trace();
    // The order id is assigned inside the request, so the shop's server span does not carry it.
    const create = shop.span(SERVICES.shop, OPERATIONS.createOrder, t, 180, { kind: "server", withoutOrderId: true });
    shop.span(SERVICES.shop, OPERATIONS.putModel, t + 5, 60, { parent: create, kind: "client" });
    shop.statusChange(SERVICES.shop, create, t + 70, undefined, "CREATED");
    const register = shop.span(SERVICES.shop, "POST", t + 80, 90, { parent: create, kind: "client" });
    const crmCreate = shop.span(SERVICES.crm, OPERATIONS.createOrder, t + 85, 80, { parent: register, kind: "server" });
    shop.statusChange(SERVICES.crm, crmCreate, t + 150, "CREATED", "SUBMITTED");

    t += stepMs;
    const approval = trace();
    const approve = approval.span(SERVICES.crm, OPERATIONS.approve, t, 60, { kind: "server" });
    approval.statusChange(SERVICES.crm, approve, t + 10, "SUBMITTED", "APPROVED");
    approval.statusChange(SERVICES.crm, approve, t + 20, "APPROVED", "SENT_TO_MES");
    const publish = approval.span(SERVICES.crm, OPERATIONS.publish, t + 25, 15, { parent: approve, kind: "producer" });
    if (order.outcome === "broker-loss") continue;
    const consume = approval.span(SERVICES.mes, OPERATIONS.consume, t + 300, 400, {
      parent: publish,
      kind: "consumer",
      error: order.outcome === "mes-logic-error" ? ERRORS.mesLogic : undefined,
    });
    if (order.outcome === "mes-logic-error") continue;
    if (order.outcome === "s3-model-deleted") {
      approval.span(SERVICES.mes, OPERATIONS.getModel, t + 310, 30, {
        parent: consume,
        kind: "client",
        error: ERRORS.s3Deleted.description,
        errorType: ERRORS.s3Deleted.errorType,
        httpStatus: ERRORS.s3Deleted.httpStatus,
      });
      consume.failed = true;
      consume.error = "model source missing";
      continue;
    }
    approval.span(SERVICES.mes, OPERATIONS.getModel, t + 310, 250, { parent: consume, kind: "client" });
    // MES announces ACCEPTED by publishing a status event (its instrumentation records the change
    // there); CRM consumes the event and mirrors the status without recording it again.
    const event = approval.span(SERVICES.mes, OPERATIONS.publishStatus, t + 590, 5, {
      parent: consume,
      kind: "producer",
    });
    approval.statusChange(SERVICES.mes, event, t + 600, "SENT_TO_MES", "ACCEPTED");
    approval.span(SERVICES.crm, OPERATIONS.consumeStatus, t + 620, 3, { parent: event, kind: "consumer" });
    if (order.outcome === "accepted") continue;

    const steps: [string, string, string, string][] = [
      [SERVICES.mes, "POST /orders/:id/start", "ACCEPTED", "IN_PRODUCTION"],
      [SERVICES.mes, "POST /orders/:id/complete", "IN_PRODUCTION", "MANUFACTURED"],
      [SERVICES.crm, "POST /orders/:id/ship", "MANUFACTURED", "SHIPPED"],
      [SERVICES.crm, "POST /orders/:id/deliver", "SHIPPED", "DELIVERED"],
    ];
    for (const [service, operation, previous, next] of steps) {
      t += stepMs;
      const step = trace();
      const server = step.span(service, operation, t, 40, { kind: "server" });
      step.statusChange(service, server, t + 20, previous, next);
      if (order.outcome === "in-production" && next === "IN_PRODUCTION") break;
    }
  }
  return spans;
}

/** A deterministic mix of `count` orders created over `[startMs, endMs)`, about 1 in 20 stuck. */
export function syntheticOrderMix(count: number, startMs: number, endMs: number): SyntheticOrder[] {
  const outcomes: OrderOutcome[] = ["mes-logic-error", "broker-loss", "s3-model-deleted", "accepted"];
  return Array.from({ length: count }, (_, i) => {
    const outcome: OrderOutcome = i % 20 === 7 ? outcomes[Math.floor(i / 20) % outcomes.length] : "delivered";
    return {
      orderId: `ord-${String(i + 1).padStart(6, "0")}`,
      outcome,
      createdAt: startMs + Math.floor(((endMs - startMs) * i) / count),
    };
  });
}

const OTLP_KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

/** OTLP/HTTP JSON (ExportTraceServiceRequest) of the spans, one resource per service. */
export function otlpExportRequest(spans: readonly ReportSpan[]): unknown {
  const byService = new Map<string, ReportSpan[]>();
  for (const span of spans) {
    const list = byService.get(span.service);
    if (list) list.push(span);
    else byService.set(span.service, [span]);
  }
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  /** The attributes a request name stands for (current semantic conventions). */
  const requestAttributes = (request: string | undefined) => {
    const match = request ? REQUEST_NAME.exec(request) : null;
    if (!match) return [];
    return match[1]
      ? [str("http.request.method", match[1]), str("http.route", match[2])]
      : [
          str("messaging.system", "rabbitmq"),
          str("messaging.destination.name", match[3]),
          str("messaging.operation.type", match[4]),
        ];
  };
  return {
    resourceSpans: [...byService].map(([service, serviceSpans]) => ({
      resource: { attributes: [str("service.name", service), str("host.name", `node-${service}`)] },
      scopeSpans: [
        {
          scope: { name: "order-tracing-synthetic" },
          spans: serviceSpans.map((span) => ({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? "",
            name: span.operation,
            kind: OTLP_KIND[span.kind ?? "internal"],
            startTimeUnixNano: nanos(span.startMs),
            endTimeUnixNano: nanos(span.endMs),
            attributes: [
              ...requestAttributes(span.request),
              ...(span.httpStatus !== undefined ? [int("http.response.status_code", span.httpStatus)] : []),
              ...(span.orderId ? [str(ORDER_ATTRIBUTES.id, span.orderId)] : []),
              ...(span.status ? [str(ORDER_ATTRIBUTES.status, span.status)] : []),
              ...(span.previousStatus ? [str(ORDER_ATTRIBUTES.previousStatus, span.previousStatus)] : []),
              ...(span.statusChangedAt ? [str(ORDER_ATTRIBUTES.statusChangedAt, span.statusChangedAt)] : []),
            ],
            ...(span.errorType
              ? {
                  events: [
                    {
                      name: "exception",
                      timeUnixNano: nanos(span.startMs),
                      attributes: [str("exception.type", span.errorType)],
                    },
                  ],
                }
              : {}),
            status: span.failed ? { code: 2, message: span.error ?? "" } : { code: 0 },
          })),
        },
      ],
    })),
  };
}
