import { CONFIG_NAMESPACE, StackConfigErrors } from "./errors";
import { readAccessConfig, type AccessConfig } from "./access";
import { readCollectorConfig, type CollectorConfig } from "./collector";
import { readInstrumentationConfig, type InstrumentationConfig } from "./instrumentation";
import { readNetworkConfig, readQuotaConfig, type NetworkConfig, type QuotaConfig } from "./guards";
import { readJaegerConfig, type JaegerConfig } from "./jaeger";
import { ConfigReader } from "./read";
import { readStorageConfig, type StorageConfig } from "./storage";
import { readReportConfig, readStatusOwners, type ReportConfig } from "./report";

export { CONFIG_NAMESPACE, ConfigError, StackConfigErrors } from "./errors";
export { rawConfigOf, secretKeysOf } from "./read";

/** Where the Kubernetes objects go: rendered to a folder, or applied to a cluster. */
export type KubernetesTarget =
  | { mode: "render"; renderDirectory: string }
  | {
      mode: "cluster";
      kubeconfig?: string;
      context?: string;
      /** Apply without awaiting readiness (`pulumi.com/skipAwait`): API-only clusters, where no pod runs. */
      skipAwait: boolean;
    };

/** The validated configuration of one stack: everything `infra/` needs, as plain typed data. */
export interface StackConfig {
  stack: string;
  kubernetes: KubernetesTarget;
  /** The namespace that holds Jaeger, the collector, storage and the access path. */
  namespace: string;
  /** The namespace's ResourceQuota and LimitRange (docs/operations.md "Retention and disk"). */
  quota: QuotaConfig;
  /** Addresses the pipeline reaches that are not pods: the API server, an outside storage. */
  network: NetworkConfig;
  /** Where traces are kept and for how long (docs/operations.md "Storage", "Retention and disk"). */
  storage: StorageConfig;
  /** Jaeger v2: replicas, resources, base path. */
  jaeger: JaegerConfig;
  /** The OpenTelemetry Collector gateway: layout, size, sampling (docs/collector.md). */
  collector: CollectorConfig;
  /** The deployments to instrument and the agents they get (docs/instrumentation.md). */
  instrumentation: InstrumentationConfig;
  /** The internal ingress and OIDC proxy of the Jaeger UI; absent when not configured (fails closed). */
  access?: AccessConfig;
  /** The scheduled `order-tracing report` CronJob; absent unless `report.enabled`. */
  report?: ReportConfig;
  /** `report.statusOwners`: who owns a status another service records (`--status-owners`); `{}` by default. */
  reportStatusOwners: Record<string, string>;
}

const KUBERNETES_FIELDS = ["renderDirectory", "kubeconfig", "context", "skipAwait"];

/** DNS-1123 label: what Kubernetes accepts as a namespace or object name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function dnsLabel(v: string): string | undefined {
  return DNS_LABEL.test(v)
    ? undefined
    : `expected a DNS-1123 label (lower-case letters, digits and '-', at most 63), got "${v}"`;
}

/**
 * Validates the raw `order-tracing:*` config of a stack. Throws StackConfigErrors listing every
 * problem, each naming its key and the expected form, before any resource is declared.
 */
export function parseStackConfig(
  stack: string,
  raw: Readonly<Record<string, unknown>>,
  secretKeys: ReadonlySet<string> = new Set(),
): StackConfig {
  const read = new ConfigReader(raw, secretKeys);

  const kubeconfig = read.string("kubernetes.kubeconfig");
  const context = read.string("kubernetes.context");
  const renderDirectory = read.string("kubernetes.renderDirectory");
  for (const field of read.fieldsOf("kubernetes") ?? []) {
    if (!KUBERNETES_FIELDS.includes(field))
      read.fail(`kubernetes.${field}`, `unknown key; known keys are ${KUBERNETES_FIELDS.join(", ")} (is it a typo?)`);
  }
  const skipAwait = read.boolean("kubernetes.skipAwait", false);
  let kubernetes: KubernetesTarget;
  if (renderDirectory !== undefined && (kubeconfig !== undefined || context !== undefined)) {
    read.fail("kubernetes", "set either renderDirectory (render manifests) or kubeconfig/context (deploy), not both");
    kubernetes = { mode: "render", renderDirectory };
  } else if (kubeconfig !== undefined || context !== undefined) {
    kubernetes = { mode: "cluster", kubeconfig, context, skipAwait };
  } else {
    if (skipAwait)
      read.fail("kubernetes.skipAwait", "applies to a cluster (kubeconfig/context) only; render mode never awaits");
    kubernetes = { mode: "render", renderDirectory: renderDirectory ?? `rendered/${stack}` };
  }

  const quota = readQuotaConfig(read);
  const config: StackConfig = {
    stack,
    kubernetes,
    namespace: read.string("namespace", "tracing", dnsLabel),
    quota,
    network: readNetworkConfig(read),
    storage: readStorageConfig(read, quota),
    jaeger: readJaegerConfig(read, quota),
    collector: readCollectorConfig(read),
    instrumentation: readInstrumentationConfig(read),
    access: readAccessConfig(read),
    report: readReportConfig(read),
    reportStatusOwners: readStatusOwners(read),
  };

  for (const key of read.unknownKeys()) {
    read.fail(key, `unknown key; known keys are listed in docs/configuration.md (is it a typo?)`);
  }
  if (read.errors.length > 0) throw new StackConfigErrors(read.errors);
  return config;
}

export const configKey = (key: string): string => `${CONFIG_NAMESPACE}:${key}`;
