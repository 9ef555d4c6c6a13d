import type { Policies } from "@pulumi/policy";
import { instrumentationPresent } from "./instrumentation-present";
import { jaegerUiInternalOnly } from "./jaeger-ui-internal-only";
import { jaegerUiSupportRoleOnly } from "./jaeger-ui-support-role-only";
import { modelSourcesNotExpired } from "./model-sources-not-expired";
import { noPersonalDataInTraces } from "./no-personal-data-in-traces";
import { secretInputsObserver } from "./secret-inputs";
import { secretsStaySecret } from "./secrets-stay-secret";
import { traceDiskBounded } from "./trace-disk-bounded";
import { tracingNamespaceDefaultDeny } from "./tracing-namespace-default-deny";

/** The rules of the pack, in the order of docs/policies.md (issue 7), and the observer rule 8 relies on. */
export const ORDER_TRACING_POLICIES: Policies = [
  jaegerUiInternalOnly,
  jaegerUiSupportRoleOnly,
  tracingNamespaceDefaultDeny,
  noPersonalDataInTraces,
  traceDiskBounded,
  instrumentationPresent,
  modelSourcesNotExpired,
  secretsStaySecret,
  secretInputsObserver,
];
