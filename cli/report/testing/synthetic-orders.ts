import { ORDER_ATTRIBUTES, STATUS_CHANGE_SPAN } from "../order-contract";
import type { ReportSpan } from "../spans";

/**
 * Synthetic order traces shaped like the reference order system's (Shop → CRM → broker → MES, an
 * order's life over several traces), for the report's tests and benchmark. Ids are fake and no
 * span carries personal data.
 */

/** How an order's life goes; the stuck outcomes mirror the brief's failure scenarios. */
export type OrderOutcome =
  | "delivered" // the whole lifecycle
  | "in-production" // still moving: in IN_PRODUCTION since shortly before `now`
  | "mes-logic-error" // MES fails consuming the order: stuck in SENT_TO_MES, error in mes
  | "broker-loss" // CRM publishes, MES never receives: stuck in SENT_TO_MES, trace ends at crm's publish
  | "s3-model-deleted"; // MES cannot fetch the model: stuck in SENT_TO_MES, error on mes's S3 call

export const SERVICES = { shop: "shop", crm: "crm", mes: "mes" } as const;

export const ERRORS = {
  mesLogic: 'unknown material "unobtainium"',
  s3Deleted: "NoSuchKey: The specified key does not exist.",
} as const;

export const OPERATIONS = {
  createOrder: "POST /orders",
  approve: "POST /orders/:id/approve",
  publish: "mes.orders publish",
  consume: "mes.orders process",
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
      error?: string;
      withoutOrderId?: boolean;
      status?: [string | undefined, string];
    } = {},
  ): ReportSpan {
    this.spanCount++;
    const span: ReportSpan = {
      traceId: this.traceId,
      spanId: this.ids.spanId(),
      parentSpanId: extra.parent?.spanId,
      service,
      operation,
      startMs,
      endMs: startMs + durationMs,
      orderId: extra.withoutOrderId ? undefined : this.orderId,
      failed: extra.error !== undefined,
      error: extra.error,
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
    const create = shop.span(SERVICES.shop, OPERATIONS.createOrder, t, 180, { withoutOrderId: true });
    shop.span(SERVICES.shop, OPERATIONS.putModel, t + 5, 60, { parent: create });
    shop.statusChange(SERVICES.shop, create, t + 70, undefined, "CREATED");
    const register = shop.span(SERVICES.shop, "POST", t + 80, 90, { parent: create });
    const crmCreate = shop.span(SERVICES.crm, OPERATIONS.createOrder, t + 85, 80, { parent: register });
    shop.statusChange(SERVICES.crm, crmCreate, t + 150, "CREATED", "SUBMITTED");

    t += stepMs;
    const approval = trace();
    const approve = approval.span(SERVICES.crm, OPERATIONS.approve, t, 60);
    approval.statusChange(SERVICES.crm, approve, t + 10, "SUBMITTED", "APPROVED");
    approval.statusChange(SERVICES.crm, approve, t + 20, "APPROVED", "SENT_TO_MES");
    const publish = approval.span(SERVICES.crm, OPERATIONS.publish, t + 25, 15, { parent: approve });
    if (order.outcome === "broker-loss") continue;
    const consume = approval.span(SERVICES.mes, OPERATIONS.consume, t + 300, 400, {
      parent: publish,
      error: order.outcome === "mes-logic-error" ? ERRORS.mesLogic : undefined,
    });
    if (order.outcome === "mes-logic-error") continue;
    if (order.outcome === "s3-model-deleted") {
      approval.span(SERVICES.mes, OPERATIONS.getModel, t + 310, 30, { parent: consume, error: ERRORS.s3Deleted });
      consume.failed = true;
      consume.error = "model source missing";
      continue;
    }
    approval.span(SERVICES.mes, OPERATIONS.getModel, t + 310, 250, { parent: consume });
    approval.statusChange(SERVICES.mes, consume, t + 600, "SENT_TO_MES", "ACCEPTED");

    const steps: [string, string, string, string][] = [
      [SERVICES.mes, "POST /orders/:id/start", "ACCEPTED", "IN_PRODUCTION"],
      [SERVICES.mes, "POST /orders/:id/complete", "IN_PRODUCTION", "MANUFACTURED"],
      [SERVICES.crm, "POST /orders/:id/ship", "MANUFACTURED", "SHIPPED"],
      [SERVICES.crm, "POST /orders/:id/deliver", "SHIPPED", "DELIVERED"],
    ];
    for (const [service, operation, previous, next] of steps) {
      t += stepMs;
      const step = trace();
      const server = step.span(service, operation, t, 40);
      step.statusChange(service, server, t + 20, previous, next);
      if (order.outcome === "in-production" && next === "IN_PRODUCTION") break;
    }
  }
  return spans;
}

/** A deterministic mix of `count` orders created over `[startMs, endMs)`, about 1 in 20 stuck. */
export function syntheticOrderMix(count: number, startMs: number, endMs: number): SyntheticOrder[] {
  const outcomes: OrderOutcome[] = ["mes-logic-error", "broker-loss", "s3-model-deleted"];
  return Array.from({ length: count }, (_, i) => {
    const outcome: OrderOutcome = i % 20 === 7 ? outcomes[Math.floor(i / 20) % 3] : "delivered";
    return {
      orderId: `ord-${String(i + 1).padStart(6, "0")}`,
      outcome,
      createdAt: startMs + Math.floor(((endMs - startMs) * i) / count),
    };
  });
}

/** OTLP/HTTP JSON (ExportTraceServiceRequest) of the spans, one resource per service. */
export function otlpExportRequest(spans: readonly ReportSpan[]): unknown {
  const byService = new Map<string, ReportSpan[]>();
  for (const span of spans) {
    const list = byService.get(span.service);
    if (list) list.push(span);
    else byService.set(span.service, [span]);
  }
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
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
            kind: span.parentSpanId ? 1 : 2,
            startTimeUnixNano: nanos(span.startMs),
            endTimeUnixNano: nanos(span.endMs),
            attributes: [
              ...(span.orderId ? [str(ORDER_ATTRIBUTES.id, span.orderId)] : []),
              ...(span.status ? [str(ORDER_ATTRIBUTES.status, span.status)] : []),
              ...(span.previousStatus ? [str(ORDER_ATTRIBUTES.previousStatus, span.previousStatus)] : []),
              ...(span.statusChangedAt ? [str(ORDER_ATTRIBUTES.statusChangedAt, span.statusChangedAt)] : []),
            ],
            status: span.failed ? { code: 2, message: span.error ?? "" } : { code: 0 },
          })),
        },
      ],
    })),
  };
}
