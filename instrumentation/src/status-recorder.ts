import { Context, context as contextApi, SpanKind, trace, Tracer } from "@opentelemetry/api";
import type { StatusChange } from "./global-hook";
import { asOrderId, asStatus } from "./match";
import { LastStatusMemory, OrderContext } from "./order-context";
import {
  NO_PREVIOUS_STATUS,
  ORDER_ID_KEY,
  ORDER_PREVIOUS_STATUS_KEY,
  ORDER_STATUS_CHANGED_AT_KEY,
  ORDER_STATUS_KEY,
  STATUS_CHANGE_SPAN,
  UNKNOWN_PREVIOUS_STATUS,
} from "../../contract/trace";

export type StatusChangeAttributes = Record<string, string>;

function isoUtc(value: Date | string | number | undefined, now: () => Date): string | undefined {
  const date = value === undefined ? now() : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * The attributes of an `order.status_change` span, or a reason why the change is unusable.
 * `previousStatus`: a string, `null` for the first status, or omitted to use what `memory` saw.
 */
export function statusChangeAttributes(
  change: StatusChange,
  memory: LastStatusMemory,
  now: () => Date = () => new Date(),
): StatusChangeAttributes | string {
  const orderId = asOrderId(change.orderId);
  if (orderId === undefined) return "orderId is not a plausible order id";
  const status = asStatus(change.status);
  if (status === undefined) return "status is not a status word (letters, digits, _ or -)";
  let previous: string | undefined;
  if (change.previousStatus === null) previous = NO_PREVIOUS_STATUS;
  else if (change.previousStatus !== undefined) {
    previous = asStatus(change.previousStatus);
    if (previous === undefined) return "previousStatus is not a status word";
  } else previous = memory.get(orderId) ?? UNKNOWN_PREVIOUS_STATUS;
  const changedAt = isoUtc(change.changedAt, now);
  if (changedAt === undefined) return "changedAt is not a date";
  return {
    [ORDER_ID_KEY]: orderId,
    [ORDER_STATUS_KEY]: status,
    [ORDER_PREVIOUS_STATUS_KEY]: previous,
    [ORDER_STATUS_CHANGED_AT_KEY]: changedAt,
  };
}

/** Emits `order.status_change` spans as children of the current (or a given) span. */
export class StatusRecorder {
  readonly memory = new LastStatusMemory();

  constructor(
    private readonly tracer: Tracer,
    private readonly orderContext: OrderContext,
    private readonly onInvalid: (reason: string) => void,
  ) {}

  record(change: StatusChange, parent: Context = contextApi.active()): void {
    const attributes = statusChangeAttributes(change, this.memory);
    if (typeof attributes === "string") {
      this.onInvalid(attributes);
      return;
    }
    const orderId = attributes[ORDER_ID_KEY];
    this.orderContext.assign(trace.getSpan(parent), orderId);
    const span = this.tracer.startSpan(STATUS_CHANGE_SPAN, { kind: SpanKind.INTERNAL, attributes }, parent);
    span.end();
    this.memory.set(orderId, attributes[ORDER_STATUS_KEY]);
  }

  /** For detected events: skip an event that repeats the status this process last saw. */
  recordIfChanged(change: StatusChange, parent: Context): void {
    const orderId = asOrderId(change.orderId);
    const status = asStatus(change.status);
    if (orderId !== undefined && status !== undefined && this.memory.get(orderId) === status) return;
    this.record(change, parent);
  }
}
