/** Config properties several rules share; each rule declares them in its own configSchema. */
export const TRACING_NAMESPACE_SCHEMA = {
  tracingNamespace: {
    type: "string" as const,
    default: "tracing",
    description: "The namespace that holds the trace pipeline and the Jaeger UI.",
  },
};

export interface TracingNamespaceConfig {
  tracingNamespace: string;
}
