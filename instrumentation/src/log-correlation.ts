import type { Span } from "@opentelemetry/api";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { BunyanInstrumentation } from "@opentelemetry/instrumentation-bunyan";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { WinstonInstrumentation } from "@opentelemetry/instrumentation-winston";
import { ORDER_TRACING_ENV } from "./env";
import { ORDER_ID_KEY } from "../../contract/trace";
import { scrubText } from "./scrub";
import { guard } from "./warn";

/**
 * Log correlation without code changes: the upstream pino, winston and bunyan instrumentations add
 * `trace_id`, `span_id` and `trace_flags` to every record a service logs inside a span, and our log
 * hook adds `order.id` when the span's order context holds one. Nothing else: no baggage, no
 * attributes, no request data. Log records are never sent anywhere by us (no logs SDK, log sending
 * disabled): they stay on the services' stdout, where the teams ship them today.
 */

/** The fields every correlated record gets (the upstream instrumentations' default keys). */
export const LOG_CORRELATION_KEYS = {
  traceId: "trace_id",
  spanId: "span_id",
  traceFlags: "trace_flags",
  orderId: ORDER_ID_KEY,
} as const;

export interface LogCorrelationChoice {
  enabled: boolean;
  /** Set when the variable holds something else than true/false; the default (on) applies. */
  problem?: string;
}

/** `ORDER_TRACING_LOG_CORRELATION`: `true` (the default) or `false`. */
export function chooseLogCorrelation(env: NodeJS.ProcessEnv): LogCorrelationChoice {
  const name = ORDER_TRACING_ENV.logCorrelation;
  const value = (env[name] ?? "").trim().toLowerCase();
  if (value === "" || value === "true") return { enabled: true };
  if (value === "false") return { enabled: false };
  return {
    enabled: true,
    problem: `${name}=${JSON.stringify(env[name])} is not true or false; log correlation stays on. Set ${name}=false to switch it off.`,
  };
}

/** Reads the order id of a span's tree (OrderContext.orderIdOf). */
export type OrderIdOf = (span: object) => string | undefined;

/**
 * The log hook: adds `order.id` to a record written inside a span whose tree knows its order.
 * An order id that came in as baggage from outside could, while looking like an id, be a card or
 * phone number: such a value (one the span scrubber would redact) is left out of the record.
 */
export function createOrderLogHook(orderIdOf: OrderIdOf): (span: Span, record: Record<string, unknown>) => void {
  return guard("log record", (span: Span, record: Record<string, unknown>) => {
    const orderId = orderIdOf(span);
    if (orderId !== undefined && scrubText(orderId) === orderId) record[LOG_CORRELATION_KEYS.orderId] = orderId;
  });
}

/** The pino, winston and bunyan instrumentations, configured for correlation only. */
export function createLogInstrumentations(orderIdOf: OrderIdOf): Instrumentation[] {
  const logHook = createOrderLogHook(orderIdOf);
  const common = { disableLogSending: true, disableLogCorrelation: false, logHook } as const;
  return [new PinoInstrumentation(common), new WinstonInstrumentation(common), new BunyanInstrumentation(common)];
}
