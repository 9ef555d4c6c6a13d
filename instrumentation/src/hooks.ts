import { HEALTH_CHECK_PATHS } from "../../contract/trace";
import { context, propagation, ROOT_CONTEXT, Span, trace } from "@opentelemetry/api";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import { asOrderId, matchFirst, matchTemplate, orderIdFromBody, parseJsonBody, pathOf, readField } from "./match";
import { OrderContext } from "./order-context";
import { AmqpStatusRule, HttpStatusRule, OrderTracingRules } from "./rules";
import { StatusRecorder } from "./status-recorder";
import { guard } from "./warn";

/**
 * The hooks the instrumentations call: they apply the order-context rules to what each call sees
 * and detect status changes. Each one is guarded: a failing hook warns once and the call goes on.
 */

/** Probe endpoints whose spans would only be noise (the collector drops the same paths). */
const HEALTH_PATHS = new Set<string>(HEALTH_CHECK_PATHS);

interface AmqpPublishInfo {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options?: { headers?: Record<string, unknown> };
}

interface AmqpConsumeInfo {
  msg: { content: Buffer; fields?: { exchange?: string; routingKey?: string } };
}

interface AwsRequestInfo {
  request: { serviceName?: string; commandInput?: Record<string, unknown> };
}

export interface OrderHooks {
  ignoreIncomingRequest(request: IncomingMessage): boolean;
  httpRequest(span: Span, request: ClientRequest | IncomingMessage): void;
  httpResponse(span: Span, response: IncomingMessage | ServerResponse): void;
  amqpPublish(span: Span, info: AmqpPublishInfo): void;
  amqpConsume(span: Span, info: AmqpConsumeInfo): void;
  awsRequest(span: Span, info: AwsRequestInfo): void;
}

function isClientRequest(request: ClientRequest | IncomingMessage): request is ClientRequest {
  return typeof (request as ClientRequest).getHeader === "function";
}

function isServerResponse(response: IncomingMessage | ServerResponse): response is ServerResponse {
  return typeof (response as ServerResponse).setHeader === "function";
}

function matchesAmqpRule(
  rule: AmqpStatusRule,
  direction: "publish" | "consume",
  exchange = "",
  routingKey = "",
): boolean {
  return (
    rule.direction === direction &&
    (rule.exchange === undefined || rule.exchange === exchange) &&
    (rule.routingKey === undefined || rule.routingKey === routingKey)
  );
}

function httpStatusRuleFor(rules: readonly HttpStatusRule[], method: string, path: string): HttpStatusRule | undefined {
  return rules.find(
    (rule) =>
      (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
      matchTemplate(rule.route, path) !== undefined,
  );
}

/**
 * Keeps up to `maxBytes` of what a response writes, without changing what it sends.
 * Returns a function that yields the captured body, or undefined if it grew too large.
 */
function captureBody(response: ServerResponse, maxBytes: number): () => Buffer | undefined {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  const keep = (chunk: unknown, encoding: unknown): void => {
    if (overflow || chunk === undefined || chunk === null || typeof chunk === "function") return;
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : undefined;
    if (!buffer) return;
    size += buffer.length;
    if (size > maxBytes) {
      overflow = true;
      chunks.length = 0;
    } else chunks.push(buffer);
  };
  // write(chunk, encoding?, cb?) and end(chunk?, encoding?, cb?) both take the chunk first.
  for (const method of ["write", "end"] as const) {
    const original = response[method] as (...args: unknown[]) => unknown;
    (response as unknown as Record<string, unknown>)[method] = function (this: ServerResponse, ...args: unknown[]) {
      try {
        keep(args[0], args[1]);
      } catch {
        // capturing is best effort
      }
      return original.apply(this, args);
    };
  }
  return () => (overflow ? undefined : Buffer.concat(chunks));
}

export function createOrderHooks(
  rules: OrderTracingRules,
  orderContext: OrderContext,
  recorder: StatusRecorder,
): OrderHooks {
  const maxBytes = rules.maxInspectedBodyBytes;
  const amqpBodyNeeded = rules.orderId.amqpBodyFields.length > 0 || rules.statusEvents.amqp.length > 0;

  const detectAmqpStatus = (
    span: Span,
    direction: "publish" | "consume",
    body: unknown,
    exchange?: string,
    routingKey?: string,
  ): void => {
    for (const rule of rules.statusEvents.amqp) {
      if (!matchesAmqpRule(rule, direction, exchange, routingKey)) continue;
      const orderId = asOrderId(readField(body, rule.orderIdField));
      const status = readField(body, rule.statusField);
      if (orderId === undefined || typeof status !== "string") continue;
      const previous = rule.previousStatusField ? readField(body, rule.previousStatusField) : undefined;
      const changedAt = rule.changedAtField ? readField(body, rule.changedAtField) : undefined;
      recorder.recordIfChanged(
        {
          orderId,
          status,
          previousStatus: typeof previous === "string" ? previous : undefined,
          // A time the event does not carry (or garbles) is the time of detection.
          changedAt: typeof changedAt === "string" && !Number.isNaN(Date.parse(changedAt)) ? changedAt : undefined,
        },
        trace.setSpan(context.active(), span),
      );
    }
  };

  return {
    ignoreIncomingRequest: (request) => {
      try {
        return HEALTH_PATHS.has(pathOf(request.url ?? ""));
      } catch {
        return false;
      }
    },

    httpRequest: guard("http request", (span, request) => {
      const target = isClientRequest(request) ? request.path : request.url;
      if (typeof target !== "string") return;
      const orderId = matchFirst(rules.orderId.httpRoutes, pathOf(target));
      if (orderId !== undefined) orderContext.assign(span, orderId);
    }),

    httpResponse: guard("http response", (span, response) => {
      if (!isServerResponse(response) || rules.statusEvents.http.length === 0) return;
      const request = response.req;
      if (!request?.url || !request.method) return;
      const path = pathOf(request.url);
      const rule = httpStatusRuleFor(rules.statusEvents.http, request.method, path);
      if (!rule) return;
      const orderId = matchTemplate(rule.route, path);
      const body = captureBody(response, maxBytes);
      response.once(
        "finish",
        guard("http status detection", () => {
          if (orderId === undefined || response.statusCode >= 400) return;
          const parsed = parseJsonBody(body(), maxBytes);
          const status = readField(parsed, rule.statusField);
          if (typeof status !== "string") return;
          const previous = rule.previousStatusField ? readField(parsed, rule.previousStatusField) : undefined;
          recorder.recordIfChanged(
            { orderId, status, previousStatus: typeof previous === "string" ? previous : undefined },
            trace.setSpan(ROOT_CONTEXT, span),
          );
        }),
      );
    }),

    amqpPublish: guard("amqp publish", (span, info) => {
      if (!amqpBodyNeeded) return;
      const body = parseJsonBody(info.content, maxBytes);
      if (body === undefined) return;
      const orderId = orderIdFromBody(body, rules.orderId.amqpBodyFields);
      if (orderId !== undefined) {
        orderContext.assign(span, orderId);
        // The instrumentation injected the headers before this hook ran; inject again so the
        // message's baggage carries the order id we just learnt.
        const headers = info.options?.headers;
        if (headers) propagation.inject(trace.setSpan(context.active(), span), headers);
      }
      detectAmqpStatus(span, "publish", body, info.exchange, info.routingKey);
    }),

    amqpConsume: guard("amqp consume", (span, info) => {
      if (!amqpBodyNeeded) return;
      const body = parseJsonBody(info.msg.content, maxBytes);
      if (body === undefined) return;
      const orderId = orderIdFromBody(body, rules.orderId.amqpBodyFields);
      if (orderId !== undefined) orderContext.assign(span, orderId);
      detectAmqpStatus(span, "consume", body, info.msg.fields?.exchange, info.msg.fields?.routingKey);
    }),

    awsRequest: guard("aws request", (span, info) => {
      const key = info.request.commandInput?.Key;
      if (typeof key !== "string") return;
      const orderId = matchFirst(rules.orderId.s3KeyPatterns, key);
      if (orderId !== undefined) orderContext.assign(span, orderId);
    }),
  };
}
