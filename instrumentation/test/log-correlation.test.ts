import { context, INVALID_SPAN_CONTEXT, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PII_CORPUS, probesFoundIn } from "../../test/faults/pii-corpus";
import { ORDER_TRACING_ENV } from "../src/env";
import { chooseLogCorrelation, createLogInstrumentations, createOrderLogHook } from "../src/log-correlation";
import { leakedProbes, PII_PROBES } from "./pii-probes";
import { tracingFixture } from "./tracing-fixture";

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

describe("ORDER_TRACING_LOG_CORRELATION", () => {
  const variable = ORDER_TRACING_ENV.logCorrelation;

  it.each([
    [undefined, true],
    ["", true],
    ["true", true],
    [" TRUE ", true],
    ["false", false],
    ["False", false],
  ])("%j switches log correlation %s", (value, enabled) => {
    expect(chooseLogCorrelation({ [variable]: value })).toEqual({ enabled });
  });

  it("keeps it on for anything else, with a problem naming the variable and the fix", () => {
    const choice = chooseLogCorrelation({ [variable]: "off" });
    expect(choice.enabled).toBe(true);
    expect(choice.problem).toContain(`${variable}="off" is not true or false`);
    expect(choice.problem).toContain(`Set ${variable}=false`);
  });
});

describe("the order log hook", () => {
  it("adds order.id once the span's tree knows its order, and nothing else", () => {
    const t = tracingFixture();
    const hook = createOrderLogHook((span) => t.orderContext.orderIdOf(span));
    const server = t.tracer.startSpan("POST /orders");
    const before: Record<string, unknown> = { trace_id: "t" };
    hook(server, before);
    expect(before).toEqual({ trace_id: "t" });
    t.orderContext.assign(server, "ORD-42");
    const child = t.tracer.startSpan("S3.PutObject", {}, trace.setSpan(ROOT_CONTEXT, server));
    const after: Record<string, unknown> = { trace_id: "t" };
    hook(child, after);
    expect(after).toEqual({ trace_id: "t", "order.id": "ORD-42" });
  });

  it("never throws into the logger", () => {
    const hook = createOrderLogHook(() => {
      throw new Error("broken order context");
    });
    const record: Record<string, unknown> = {};
    expect(() => hook(trace.wrapSpanContext(INVALID_SPAN_CONTEXT), record)).not.toThrow();
    expect(record).toEqual({});
  });

  // Baggage from outside: every corpus probe as order.id and as other (also allow-listed) keys.
  it.each(PII_CORPUS.map((probe) => [probe.kind, probe.value]))(
    "puts no %s from incoming baggage into a record (%s)",
    (_kind, value) => {
      const t = tracingFixture(["order.id", "tenant.id"]);
      const hook = createOrderLogHook((span) => t.orderContext.orderIdOf(span));
      const baggage = propagation.createBaggage({
        "order.id": { value },
        "tenant.id": { value },
        "customer.email": { value: PII_PROBES.email },
      });
      const span = t.tracer.startSpan("consume", {}, propagation.setBaggage(ROOT_CONTEXT, baggage));
      const record: Record<string, unknown> = {};
      hook(span, record);
      const text = JSON.stringify(record);
      expect(probesFoundIn(text)).toEqual([]);
      expect(leakedProbes(text)).toEqual([]);
      expect(Object.keys(record).filter((key) => key !== "order.id")).toEqual([]);
    },
  );
});

/**
 * The upstream instrumentations with our configuration, against the real loggers: each logger is
 * loaded through Node's own require after the instrumentations are enabled, as in a service.
 */
describe("pino, winston and bunyan with the log instrumentations", () => {
  const t = tracingFixture();
  const contextManager = new AsyncLocalStorageContextManager();
  const instrumentations = createLogInstrumentations((span) => t.orderContext.orderIdOf(span));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  type Log = (message: string) => void;
  const loggers: Record<string, Log> = {};

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    for (const instrumentation of instrumentations) instrumentation.enable();
    const load = createRequire(__filename);
    const pino = load("pino") as (options: object, stream: Writable) => { info(message: string): void };
    const winston = load("winston") as typeof import("winston");
    const bunyan = load("bunyan") as {
      createLogger(options: object): { info(message: string): void };
    };
    const pinoLogger = pino({ name: "svc" }, sink);
    const winstonLogger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: sink })],
    });
    const bunyanLogger = bunyan.createLogger({ name: "svc", stream: sink });
    loggers.pino = (message) => pinoLogger.info(message);
    loggers.winston = (message) => winstonLogger.info(message);
    loggers.bunyan = (message) => bunyanLogger.info(message);
  });

  afterAll(() => {
    for (const instrumentation of instrumentations) instrumentation.disable();
    context.disable();
  });

  const recordsOf = (message: string) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => (r.msg ?? r.message) === message);

  it.each(["pino", "winston", "bunyan"])("%s: a record inside a span carries its trace, span and order ids", (name) => {
    const span = t.tracer.startSpan("request handler");
    t.orderContext.assign(span, "ORD-7");
    context.with(trace.setSpan(context.active(), span), () => loggers[name](`inside ${name}`));
    span.end();
    const [record] = recordsOf(`inside ${name}`);
    expect(record).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      trace_flags: "01",
      "order.id": "ORD-7",
    });
    expect(record.trace_id).toMatch(TRACE_ID);
    expect(record.span_id).toMatch(SPAN_ID);
  });

  it.each(["pino", "winston", "bunyan"])("%s: a record outside any span is left as it was", (name) => {
    loggers[name](`outside ${name}`);
    const [record] = recordsOf(`outside ${name}`);
    expect(record).toBeDefined();
    expect(Object.keys(record)).not.toContain("trace_id");
    expect(Object.keys(record)).not.toContain("order.id");
  });

  it.each(["pino", "winston", "bunyan"])("%s: baggage beyond order.id never reaches a record", (name) => {
    const baggage = propagation.createBaggage({
      "order.id": { value: "ORD-8" },
      "customer.email": { value: PII_PROBES.email },
      "customer.name": { value: PII_PROBES.name },
    });
    const span = t.tracer.startSpan("consume", {}, propagation.setBaggage(ROOT_CONTEXT, baggage));
    const active = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);
    context.with(active, () => loggers[name](`baggage ${name}`));
    span.end();
    const [record] = recordsOf(`baggage ${name}`);
    expect(record["order.id"]).toBe("ORD-8");
    expect(leakedProbes(JSON.stringify(record))).toEqual([]);
  });
});
