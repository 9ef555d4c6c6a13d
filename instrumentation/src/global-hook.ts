/**
 * How the status API reaches the loaded bundle without importing it: register.js publishes its
 * implementation under a global symbol; `@order-tracing/instrumentation/status` looks it up.
 * Apps therefore never load (or bundle) the SDK to use the API, and the API is a no-op when the
 * instrumentation is not loaded.
 */

export const GLOBAL_HOOK = Symbol.for("order-tracing.instrumentation.v1");

export interface StatusChange {
  orderId: string;
  /** The new status, e.g. `APPROVED`. */
  status: string;
  /** The status before the change; `null` for an order's first status. */
  previousStatus?: string | null;
  /** When the status changed; default: now. */
  changedAt?: Date | string | number;
}

export interface InstrumentationHook {
  recordStatusChange(change: StatusChange): void;
  setOrderId(orderId: string): void;
}
