import FastifyOtelInstrumentation from "@fastify/otel";
import { trace, TextMapPropagator } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import { AwsInstrumentation } from "@opentelemetry/instrumentation-aws-sdk";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { MySQL2Instrumentation } from "@opentelemetry/instrumentation-mysql2";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { defaultResource, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTEL_ENV, ORDER_TRACING_ENV } from "./env";
import { chooseExporter, createExporter } from "./exporter";
import { GLOBAL_HOOK, InstrumentationHook } from "./global-hook";
import { createOrderHooks, OrderHooks } from "./hooks";
import { asOrderId } from "./match";
import { chooseLogCorrelation, createLogInstrumentations } from "./log-correlation";
import { OrderBaggagePropagator, OrderContext, OrderContextSpanProcessor } from "./order-context";
import { baseResourceAttributes } from "./resource";
import { parseRules } from "./rules";
import { stripUrl } from "./scrub";
import { AccountingSpanProcessor, ExportAccounting } from "./export-accounting";
import { EXPORT_WARNING, ResilientSpanExporter } from "./resilient-exporter";
import { ScrubbingSpanExporter } from "./scrubbing-exporter";
import { StatusRecorder } from "./status-recorder";
import { describe, warnOnce } from "./warn";

/** The name and version our own spans (order.status_change) are recorded under. */
export const TRACER_NAME = "@order-tracing/instrumentation";
export const TRACER_VERSION = "0.1.0";
/** How long a signal waits for the last spans to leave before the process goes on exiting. */
const SHUTDOWN_FLUSH_MS = 5_000;
const FLUSH_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
/** The SDK's default for OTEL_BSP_MAX_QUEUE_SIZE. */
const DEFAULT_MAX_QUEUE_SIZE = 2048;

/** OTEL_BSP_MAX_QUEUE_SIZE as the batch processor reads it (a positive number), else its default. */
export function maxQueueSizeOf(env: NodeJS.ProcessEnv): number {
  const value = Number((env[OTEL_ENV.bspMaxQueueSize] ?? "").trim() || Number.NaN);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : DEFAULT_MAX_QUEUE_SIZE;
}

/** The instrumentations the order path needs, and a few common clients; not the whole metapackage. */
export function createInstrumentations(hooks: OrderHooks): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: hooks.ignoreIncomingRequest,
      requestHook: hooks.httpRequest,
      responseHook: hooks.httpResponse,
    }),
    // Middleware spans (body parser, CORS, …) say nothing about the order and cost a span per layer per
    // request; router spans end as they start and carry only a path. The request handler's span keeps
    // the route and any exception it throws (the route also names the server span either way).
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }) as unknown as Instrumentation,
    new AmqplibInstrumentation({
      publishHook: hooks.amqpPublish,
      consumeHook: hooks.amqpConsume,
    }),
    new AwsInstrumentation({
      preRequestHook: hooks.awsRequest,
      // The S3 span is the interesting one; its inner HTTP call adds only volume.
      suppressInternalInstrumentation: true,
    }),
    new UndiciInstrumentation(),
    new PgInstrumentation(),
    new MySQL2Instrumentation(),
    new IORedisInstrumentation(),
  ];
}

export interface RunningInstrumentation {
  sdk: NodeSDK;
  shutdown(): Promise<void>;
}

/**
 * Flushes on SIGTERM/SIGINT without taking the signal away from the application: if the app
 * listens for it, its own handlers decide what happens (we only flush beside them); if nobody
 * else listens, we flush (bounded) and re-raise the signal so the process ends exactly as it
 * would have without us.
 */
function flushOnSignals(flush: () => Promise<void>, shutdown: () => Promise<void>): void {
  for (const signal of FLUSH_SIGNALS) {
    const onSignal = (): void => {
      // The app may keep serving while it drains: flush what we have and keep tracing.
      if (process.listenerCount(signal) > 1) {
        void flush().catch(() => undefined);
        return;
      }
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref());
      void Promise.race([shutdown(), timeout]).then(() => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}

/** Starts the SDK for this process. Throws only on programming errors; callers guard it. */
export function startInstrumentation(env: NodeJS.ProcessEnv = process.env): RunningInstrumentation | undefined {
  if ((env[OTEL_ENV.sdkDisabled] ?? "").trim().toLowerCase() === "true") return undefined;

  const { rules, problems } = parseRules(env[ORDER_TRACING_ENV.rules]);
  if (problems.length > 0) {
    warnOnce(
      "rules",
      `${ORDER_TRACING_ENV.rules} ignored, using the default rules: ${problems.join("; ")}. ` +
        'Fix the variable\'s JSON (see the instrumentation README, "Order context rules").',
    );
  }
  const exporterChoice = chooseExporter(env);
  if (exporterChoice.problem) warnOnce("protocol", exporterChoice.problem);
  const logCorrelation = chooseLogCorrelation(env);
  if (logCorrelation.problem) warnOnce("log-correlation", logCorrelation.problem);

  const orderContext = new OrderContext(rules.baggageAllowList);
  const recorder = new StatusRecorder(trace.getTracer(TRACER_NAME, TRACER_VERSION), orderContext, (reason) =>
    warnOnce(`status:${reason}`, `an order status change was not recorded: ${reason}`),
  );
  const hooks = createOrderHooks(rules, orderContext, recorder);
  const accounting = new ExportAccounting();
  const exporter = new ResilientSpanExporter(
    () =>
      new ScrubbingSpanExporter(
        createExporter(exporterChoice.protocol),
        (span) => orderContext.orderIdOf(span),
        rules.baggageAllowList,
      ),
    accounting,
    stripUrl(exporterChoice.destination),
  );

  // The user's OTEL_PROPAGATORS wins; by default W3C trace context plus allow-listed baggage.
  const propagator: TextMapPropagator | undefined = env[OTEL_ENV.propagators]
    ? undefined
    : new OrderBaggagePropagator(
        new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
        orderContext,
        rules.baggageAllowList,
      );

  // Bounded: queue size, batch size and delays come from the standard OTEL_BSP_* variables
  // (defaults 2048 spans, 512 per batch, every 5 s); a full queue drops (counted), never blocks.
  const maxQueueSize = maxQueueSizeOf(env);
  const batchProcessor = new BatchSpanProcessor(exporter, { maxQueueSize });
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes(baseResourceAttributes(env))),
    // Only the env detector: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES merge over ours.
    resourceDetectors: [envDetector],
    textMapPropagator: propagator,
    spanProcessors: [
      new OrderContextSpanProcessor(orderContext),
      new AccountingSpanProcessor(batchProcessor, accounting, maxQueueSize),
    ],
    // Traces only: no metrics or logs pipelines (they would default to OTLP over HTTP). Log
    // records get trace ids (log correlation) but stay where the service writes them.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      ...createInstrumentations(hooks),
      ...(logCorrelation.enabled ? createLogInstrumentations((span) => orderContext.orderIdOf(span)) : []),
    ],
  });
  sdk.start();

  const hook: InstrumentationHook = {
    recordStatusChange: (change) => recorder.record(change),
    setOrderId: (orderId) => {
      const valid = asOrderId(orderId);
      if (valid === undefined) warnOnce("setOrderId", "setOrderId ignored a value that is not a plausible order id");
      else orderContext.assign(trace.getActiveSpan(), valid);
    },
  };
  (globalThis as { [GLOBAL_HOOK]?: InstrumentationHook })[GLOBAL_HOOK] = hook;

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= sdk
      .shutdown()
      .catch((error: unknown) => {
        // Same kind as export failures: an outage that already warned does not warn again.
        warnOnce(EXPORT_WARNING, `flushing spans at shutdown failed: ${describe(error)}`);
      })
      .finally(() => exporter.reportLoss("at shutdown"));
    return shutdownPromise;
  };
  flushOnSignals(() => batchProcessor.forceFlush(), shutdown);
  // A process that ends on its own (empty event loop) still sends its last spans.
  process.once("beforeExit", () => void shutdown());
  return { sdk, shutdown };
}
