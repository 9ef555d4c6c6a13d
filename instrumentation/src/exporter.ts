import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { OTEL_ENV } from "./env";

/** OTLP over gRPC unless the user's OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL says otherwise. */
export const DEFAULT_PROTOCOL = "grpc";
const DEFAULT_ENDPOINTS: Record<string, string> = {
  grpc: "http://localhost:4317",
  "http/protobuf": "http://localhost:4318",
  "http/json": "http://localhost:4318",
};

export interface ExporterChoice {
  protocol: string;
  /** Where spans go, for warnings (the exporters read endpoint and headers from the env themselves). */
  destination: string;
  /** Set when the protocol variable held something we do not know; gRPC is used instead. */
  problem?: string;
}

export function chooseExporter(env: NodeJS.ProcessEnv): ExporterChoice {
  const requested = (env[OTEL_ENV.tracesProtocol] ?? env[OTEL_ENV.protocol] ?? "").trim() || DEFAULT_PROTOCOL;
  const known = requested in DEFAULT_ENDPOINTS;
  const protocol = known ? requested : DEFAULT_PROTOCOL;
  const destination = env[OTEL_ENV.tracesEndpoint] || env[OTEL_ENV.endpoint] || DEFAULT_ENDPOINTS[protocol];
  return {
    protocol,
    destination,
    problem: known
      ? undefined
      : `${OTEL_ENV.protocol}="${requested}" is not grpc, http/protobuf or http/json; using grpc`,
  };
}

export function createExporter(protocol: string): SpanExporter {
  if (protocol === "http/protobuf") return new ProtobufTraceExporter();
  if (protocol === "http/json") return new JsonTraceExporter();
  return new GrpcTraceExporter();
}
