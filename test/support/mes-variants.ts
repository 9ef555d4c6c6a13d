import type { MesVariant } from "../../cli/local/endpoints";
import type { ServiceOperation } from "../../cli/report/lifecycle";

/**
 * What differs between the two MES variants (issue 17), as the tests read it: the Node.js MES
 * traced by our bundle, and the JVM MES traced by the OpenTelemetry Java agent, which names its
 * spans and records failures its own way. Everything not here is the same for both.
 */
export interface MesVariantFacts {
  /** `exception.type` of the exception event on MES's failing span, for the logic error. */
  exceptionType: string;
  /** A part of the logic error's span status description, where the span has one. */
  statusDescription?: string;
  /** How `order-tracing report` names where each stuck order is held in MES. */
  report: {
    /** mes-logic-error: the failing production start request, and its error column. */
    logicError: { operation: string; error: RegExp };
    /** s3-model-deleted: MES's failing model fetch. */
    modelDeleted: { operation: string; error: string };
    /**
     * The order MES accepted and nobody started, held by MES as the configured owner of ACCEPTED:
     * the last thing MES did for it, and where its trace ends.
     */
    accepted: { operation: string; traceEnd: ServiceOperation };
  };
}

export const MES_VARIANT_FACTS: Record<MesVariant, MesVariantFacts> = {
  nodejs: {
    // The Node.js SDK writes the error's message into the span status (the collector masks patterns in it).
    exceptionType: "TypeError",
    statusDescription: "nozzleTemperatureC",
    report: {
      logicError: { operation: "POST /orders/:id/start", error: /^TypeError \(HTTP 500\): .*nozzleTemperatureC/ },
      modelDeleted: { operation: "S3.GetObject", error: "NoSuchKey (HTTP 404)" },
      accepted: {
        operation: "crm.order-status publish",
        traceEnd: { service: "crm", operation: "crm.order-status process" },
      },
    },
  },
  jvm: {
    // The Java agent records the exception on the server span, with no status description; the
    // collector drops exception messages.
    exceptionType: "java.lang.NullPointerException",
    report: {
      logicError: { operation: "POST /orders/:id/start", error: /^java\.lang\.NullPointerException \(HTTP 500\)$/ },
      // The agent's AWS SDK span records the exception's class, not the response code.
      modelDeleted: { operation: "S3.GetObject", error: "software.amazon.awssdk.services.s3.model.NoSuchKeyException" },
      accepted: {
        operation: "crm.order-status publish",
        traceEnd: { service: "crm", operation: "crm.order-status process" },
      },
    },
  },
};
