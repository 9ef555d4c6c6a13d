import pino from "pino";

/**
 * One JSON line per record on stdout, through pino as an Express team would set it up. Services
 * log order ids and statuses, never customer data. Nothing here knows about tracing: the ids that
 * join a line to its trace (trace_id, span_id, order.id) are added by the instrumentation bundle
 * when it is loaded.
 */
export function createLogger(service: string): Logger {
  return pino({ name: service, timestamp: pino.stdTimeFunctions.isoTime });
}

export type Logger = pino.Logger;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
