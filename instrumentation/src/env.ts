/**
 * The contract between the instrumentation bundle and whatever loads it (the pod-spec injection in
 * infra/, the local sandbox, tests): where the bundle sits in its image, its entry files, and the
 * environment variables it reads. Defined here once; infra/ and the sandbox import these names.
 * No imports: this file is read by the Pulumi program as well as bundled.
 */

/** Where the init-container image keeps the bundle; its default command copies this folder's content. */
export const IMAGE_BUNDLE_DIR = "/instrumentation";

/** Entry for CommonJS apps: `node --require <mount>/register.js`. */
export const REGISTER_ENTRY = "register.js";

/** Entry for ESM apps: `node --import <mount>/import.mjs` (registers the ESM loader hooks, then the SDK). */
export const IMPORT_ENTRY = "import.mjs";

/** Standard OpenTelemetry variables the bundle honours (the user's own values always win). */
export const OTEL_ENV = {
  serviceName: "OTEL_SERVICE_NAME",
  resourceAttributes: "OTEL_RESOURCE_ATTRIBUTES",
  endpoint: "OTEL_EXPORTER_OTLP_ENDPOINT",
  tracesEndpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  protocol: "OTEL_EXPORTER_OTLP_PROTOCOL",
  tracesProtocol: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  headers: "OTEL_EXPORTER_OTLP_HEADERS",
  sampler: "OTEL_TRACES_SAMPLER",
  samplerArg: "OTEL_TRACES_SAMPLER_ARG",
  propagators: "OTEL_PROPAGATORS",
  sdkDisabled: "OTEL_SDK_DISABLED",
  logLevel: "OTEL_LOG_LEVEL",
  bspMaxQueueSize: "OTEL_BSP_MAX_QUEUE_SIZE",
  bspMaxExportBatchSize: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  bspScheduleDelay: "OTEL_BSP_SCHEDULE_DELAY",
  bspExportTimeout: "OTEL_BSP_EXPORT_TIMEOUT",
} as const;

/**
 * Downward-API variables the injection sets on the instrumented container (fieldRef
 * `spec.nodeName`, `metadata.name`, `metadata.namespace`). The bundle turns them into the
 * resource attributes k8s.node.name, k8s.pod.name and k8s.namespace.name.
 */
export const DOWNWARD_API_ENV = {
  nodeName: "OTEL_K8S_NODE_NAME",
  podName: "OTEL_K8S_POD_NAME",
  namespaceName: "OTEL_K8S_NAMESPACE_NAME",
} as const;

/** The fieldRef path of each downward-API variable, for the injection. */
export const DOWNWARD_API_FIELDS: Record<keyof typeof DOWNWARD_API_ENV, string> = {
  nodeName: "spec.nodeName",
  podName: "metadata.name",
  namespaceName: "metadata.namespace",
};

/** Our own variables. */
export const ORDER_TRACING_ENV = {
  /** JSON rules for order context and status detection (see README "Order context rules"). */
  rules: "ORDER_TRACING_RULES",
  /**
   * `false` switches log correlation off: pino, winston and bunyan records then get no trace_id,
   * span_id, trace_flags or order.id (default `true`; see README "Log correlation").
   */
  logCorrelation: "ORDER_TRACING_LOG_CORRELATION",
} as const;

/** The Node.js versions the bundle's OpenTelemetry line (sdk-node 0.223, Node.js ≥ 20.6) supports. */
export const SUPPORTED_NODE_RANGE = ">=20.6.0";
