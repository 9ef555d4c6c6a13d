/**
 * The order statuses of ../shared/DESIGN.md ("Order statuses") and who moves an order between
 * them. Shop, CRM and MES all read them from here so no service invents a status. The statuses
 * themselves are the trace contract's (contract/trace.ts), which this package links through the
 * instrumentation's library, as it links the status API.
 */
import {
  HAPPY_PATH,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
  type OrderStatus,
} from "@order-tracing/instrumentation/contract";

export { HAPPY_PATH, ORDER_STATUSES, TERMINAL_STATUSES, type OrderStatus };

/** The statuses an order may move to from each status on the happy path. */
const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  CREATED: ["SUBMITTED", "CANCELLED"],
  SUBMITTED: ["APPROVED", "CANCELLED", "REJECTED"],
  APPROVED: ["SENT_TO_MES", "CANCELLED"],
  SENT_TO_MES: ["ACCEPTED", "REJECTED"],
  ACCEPTED: ["IN_PRODUCTION", "REJECTED"],
  IN_PRODUCTION: ["MANUFACTURED"],
  MANUFACTURED: ["SHIPPED"],
  SHIPPED: ["DELIVERED"],
  DELIVERED: [],
  CANCELLED: [],
  REJECTED: [],
};

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === "string" && (ORDER_STATUSES as readonly string[]).includes(value);
}

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** An order's status as every service reports it (`GET /orders/:id`). */
export interface OrderStatusView {
  orderId: string;
  status: OrderStatus;
  /** ISO-8601 UTC time of the last status change. */
  statusChangedAt: string;
}

/** The event MES publishes to CRM on every status change it makes (JSON body of an AMQP message). */
export interface StatusEvent {
  orderId: string;
  status: OrderStatus;
  previousStatus: OrderStatus;
  changedAt: string;
}

/** The work order CRM publishes to MES: only what manufacturing needs, never customer data. */
export interface WorkOrder {
  orderId: string;
  material: string;
  quantity: number;
  /** Key of the model source in the models bucket: `models/<orderId>/<fileName>`. */
  modelKey: string;
}

/** Raised when a request asks for a move the state machine does not allow. */
export class StatusConflictError extends Error {
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
    readonly wanted: OrderStatus,
  ) {
    super(`order ${orderId} is ${status}; it cannot move to ${wanted}`);
  }
}
