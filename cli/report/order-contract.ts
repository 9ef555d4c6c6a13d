/**
 * The parts of the trace-content contract (../shared/DESIGN.md "Trace content" and "Order
 * statuses") that the report reads: attribute names, the lifecycle and its terminal statuses.
 */

/** Attribute names on spans of the order path. */
export const ORDER_ATTRIBUTES = {
  id: "order.id",
  status: "order.status",
  previousStatus: "order.previous_status",
  statusChangedAt: "order.status_changed_at",
} as const;

/** The name of the span every status change produces. */
export const STATUS_CHANGE_SPAN = "order.status_change";

/** The reference lifecycle, in order. Other statuses may appear; they rank after these. */
export const ORDER_LIFECYCLE = [
  "CREATED",
  "SUBMITTED",
  "APPROVED",
  "SENT_TO_MES",
  "ACCEPTED",
  "IN_PRODUCTION",
  "MANUFACTURED",
  "SHIPPED",
  "DELIVERED",
] as const;

/**
 * Values of `order.previous_status` that name no status: the instrumentation writes NONE for an
 * order's first status and UNKNOWN when the process never saw the one before.
 */
export const NO_PREVIOUS_STATUS: ReadonlySet<string> = new Set(["NONE", "UNKNOWN"]);

/** Statuses an order never leaves: an order there is finished, never stuck. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["DELIVERED", "CANCELLED", "REJECTED"]);

const RANK = new Map<string, number>(ORDER_LIFECYCLE.map((status, index) => [status, index]));

/** Position of a status in the lifecycle; unknown statuses sort after the known ones. */
export function lifecycleRank(status: string): number {
  return RANK.get(status) ?? (TERMINAL_STATUSES.has(status) ? ORDER_LIFECYCLE.length : ORDER_LIFECYCLE.length + 1);
}
