import { recordStatusChange, setOrderId } from "@order-tracing/instrumentation/status";
import { OrderStatus } from "./statuses";

/** A status change a service makes itself. */
export interface StatusChange {
  orderId: string;
  status: OrderStatus;
  /** Absent for an order's first status. */
  previousStatus: OrderStatus | undefined;
  /** ISO-8601 UTC. */
  changedAt: string;
}

export interface StatusReporter {
  /** Announces a status change (the `order.status_change` span). */
  changed(change: StatusChange): void;
  /** Names the order of the current request when no rule can see it (an id this service created). */
  concerns(orderId: string): void;
}

/**
 * The only tracing-aware code of Shop and CRM: the instrumentation's status API. It needs no SDK in
 * the app and does nothing when the instrumentation bundle is not loaded. MES does not use it.
 */
export const statusReporter: StatusReporter = {
  changed: (change) =>
    recordStatusChange({
      orderId: change.orderId,
      status: change.status,
      previousStatus: change.previousStatus ?? null,
      changedAt: change.changedAt,
    }),
  concerns: (orderId) => setOrderId(orderId),
};
