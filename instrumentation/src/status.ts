/**
 * The order status API for services that can change their code:
 *
 *   const { recordStatusChange } = require("@order-tracing/instrumentation/status");
 *   recordStatusChange({ orderId, status: "APPROVED", previousStatus: "SUBMITTED" });
 *
 * It emits the `order.status_change` span of the trace contract when the instrumentation bundle is
 * loaded (`--require .../register.js`), and does nothing otherwise. It has no dependencies and
 * never throws.
 */
import { GLOBAL_HOOK, InstrumentationHook, StatusChange } from "./global-hook";

export type { StatusChange } from "./global-hook";

function hook(): InstrumentationHook | undefined {
  return (globalThis as { [GLOBAL_HOOK]?: InstrumentationHook })[GLOBAL_HOOK];
}

/** Records an order's status change as an `order.status_change` span in the current trace. */
export function recordStatusChange(change: StatusChange): void {
  try {
    hook()?.recordStatusChange(change);
  } catch {
    // The API must never break the caller.
  }
}

/**
 * Tells the instrumentation which order the current request or message is about, when no rule
 * can see it (e.g. an id created by this service): every span of the current local trace gets
 * `order.id`, and calls to other services carry it as baggage.
 */
export function setOrderId(orderId: string): void {
  try {
    hook()?.setOrderId(orderId);
  } catch {
    // The API must never break the caller.
  }
}

/** Whether the instrumentation bundle is loaded in this process. */
export function isInstrumentationLoaded(): boolean {
  return hook() !== undefined;
}
