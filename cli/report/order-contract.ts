/**
 * The report's reading of the trace contract (contract/trace.ts): the lifecycle order it ranks
 * statuses by, and which previous statuses name none.
 */
import { HAPPY_PATH, NO_PREVIOUS_STATUS, TERMINAL_STATUSES, UNKNOWN_PREVIOUS_STATUS } from "../../contract/trace";

/**
 * Values of `order.previous_status` that name no status: the instrumentation writes NONE for an
 * order's first status and UNKNOWN when the process never saw the one before.
 */
export const NOT_A_PREVIOUS_STATUS: ReadonlySet<string> = new Set([NO_PREVIOUS_STATUS, UNKNOWN_PREVIOUS_STATUS]);

/** Statuses an order never leaves: an order there is finished, never stuck. */
export const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

const RANK = new Map<string, number>(HAPPY_PATH.map((status, index) => [status, index]));

/** Position of a status in the lifecycle; unknown statuses sort after the known ones. */
export function lifecycleRank(status: string): number {
  return RANK.get(status) ?? (TERMINAL.has(status) ? HAPPY_PATH.length : HAPPY_PATH.length + 1);
}
