/**
 * What `order-tracing local up --json` prints (../shared/DESIGN.md, "Command line"): every address
 * of the running sandbox, all on loopback.
 */
export interface SandboxEndpoints {
  /** `http://127.0.0.1:<port>` of each service's HTTP API. */
  shop: string;
  crm: string;
  mes: string;
  /** Jaeger's query HTTP API and UI, `http://127.0.0.1:<port>`. */
  jaegerQuery: string;
  /** The collector's OTLP gRPC receiver, `http://127.0.0.1:<port>` (an OTEL_EXPORTER_OTLP_ENDPOINT value). */
  otlpGrpc: string;
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  /** `amqp://guest:guest@127.0.0.1:<port>` */
  amqp: string;
}

export const SANDBOX_SERVICES = ["shop", "crm", "mes"] as const;
export type SandboxService = (typeof SANDBOX_SERVICES)[number];

/**
 * Which MES the sandbox runs: the Node.js one (examples/order-system/src/mes) with the bundle, or the
 * JVM one (examples/order-system/mes-jvm) with the OpenTelemetry Java agent, as the prod stack
 * instruments a JVM MES (`local up --mes jvm`).
 */
export const MES_VARIANTS = ["nodejs", "jvm"] as const;
export type MesVariant = (typeof MES_VARIANTS)[number];

export function isMesVariant(name: string): name is MesVariant {
  return (MES_VARIANTS as readonly string[]).includes(name);
}

export function isSandboxService(name: string): name is SandboxService {
  return (SANDBOX_SERVICES as readonly string[]).includes(name);
}

/** Orders the keys as the contract lists them, so the printed JSON reads the same every time. */
export function endpointsJson(endpoints: SandboxEndpoints): string {
  const { shop, crm, mes, jaegerQuery, otlpGrpc, s3, amqp } = endpoints;
  const { endpoint, bucket, accessKeyId, secretAccessKey } = s3;
  return JSON.stringify({
    shop,
    crm,
    mes,
    jaegerQuery,
    otlpGrpc,
    s3: { endpoint, bucket, accessKeyId, secretAccessKey },
    amqp,
  });
}
