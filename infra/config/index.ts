import { CONFIG_NAMESPACE, StackConfigErrors } from "./errors";
import { ACCESS_KEYS, readAccessConfig, type AccessConfig } from "./access";
import { COLLECTOR_KEYS, readCollectorConfig, type CollectorConfig } from "./collector";
import { INSTRUMENTATION_KEYS, readInstrumentationConfig, type InstrumentationConfig } from "./instrumentation";
import {
  NETWORK_KEYS,
  QUOTA_KEYS,
  readNetworkConfig,
  readQuotaConfig,
  type NetworkConfig,
  type QuotaConfig,
} from "./guards";
import { JAEGER_KEYS, readJaegerConfig, type JaegerConfig } from "./jaeger";
import { dnsLabel } from "./validators";
import { ConfigReader } from "./read";
import { readStorageConfig, STORAGE_KEYS, type StorageConfig } from "./storage";
import { readReportConfig, readStatusOwners, REPORT_KEYS, type ReportConfig } from "./report";
import { topLevelKeys, type ConfigKeyDoc } from "./reference";
import { MONITORING_KEYS, readMonitoringConfig, type MonitoringConfig } from "./monitoring";

export { CONFIG_NAMESPACE, ConfigError, StackConfigErrors } from "./errors";
export { rawConfigOf, secretKeysOf } from "./read";
export { dnsLabel } from "./validators";

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
  /** The scheduled `order-tracing report` CronJob and/or its exporter; absent unless `report.enabled`. */
  report?: ReportConfig;
  /** Alerting rules and the Grafana dashboard on the exporter's metrics (docs/alerts.md); absent unless set. */
  monitoring?: MonitoringConfig;
  /** `report.statusOwners`: who owns a status another service records (`--status-owners`); `{}` by default. */
  reportStatusOwners: Record<string, string>;
}

const KUBERNETES_FIELDS = ["renderDirectory", "kubeconfig", "context", "skipAwait"];

/**
 * Validates the raw `order-tracing:*` config of a stack. Throws StackConfigErrors listing every
 * problem, each naming its key and the expected form, before any resource is declared.
 */
export interface ParseOptions {
  /**
   * Refuse a stack that lacks the references of our images (collector.image, and
   * instrumentation.nodejs.image when a Node.js service is instrumented). The program (infra/index.ts)
   * sets it, so `pulumi preview` stops and names the keys and `npm run images -- --push … --stack …`;
   * tests that read partial configs for other sections leave it off.
   */
  requireOwnImages?: boolean;
}

export function parseStackConfig(
  stack: string,
  raw: Readonly<Record<string, unknown>>,
  secretKeys: ReadonlySet<string> = new Set(),
  options: ParseOptions = {},
): StackConfig {
  const read = new ConfigReader(raw, secretKeys);
  const config = readStackConfig(stack, read, options);
  if (read.errors.length > 0) throw new StackConfigErrors(read.errors);
  return config;
}

/** Reads a stack's config with `read`, which collects every problem (parseStackConfig throws them). */
export function readStackConfig(stack: string, read: ConfigReader, options: ParseOptions = {}): StackConfig {
  const requireOwnImages = options.requireOwnImages ?? false;
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
    collector: readCollectorConfig(read, requireOwnImages),
    instrumentation: readInstrumentationConfig(read, requireOwnImages),
    access: readAccessConfig(read),
    report: readReportConfig(read),
    reportStatusOwners: readStatusOwners(read),
  };
  const monitoring = readMonitoringConfig(read, config.report);
  if (monitoring) config.monitoring = monitoring;

  for (const key of read.topLevelKeys()) {
    if (!TOP_LEVEL_KEYS.has(key))
      read.fail(key, `unknown key; known keys are listed in docs/configuration.md (is it a typo?)`);
  }
  return config;
}

export const configKey = (key: string): string => `${CONFIG_NAMESPACE}:${key}`;

/** The `order-tracing:*` keys this module reads (where the objects go and the namespace): docs/configuration.md is generated from them. */
export const STACK_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["kubernetes.renderDirectory", "kubernetes.kubeconfig", "kubernetes.context"],
    label: "`order-tracing:kubernetes`",
    type: "object",
    default: "`{ renderDirectory: rendered/<stack> }`",
    meaning:
      "where objects go: `renderDirectory` renders manifests to that folder (relative to the project root); `kubeconfig` and/or `context` deploy to a cluster. Not both.",
  },
  {
    keys: ["kubernetes.skipAwait"],
    type: "boolean",
    default: "`false`",
    meaning:
      "cluster targets only: apply without waiting for workloads to become ready (sets the provider's `pulumi.com/skipAwait` annotation on every object, where it stays visible). For API-only clusters with no kubelet, such as the [control-plane test](testing.md#the-control-plane-test); never for a real cluster.",
  },
  {
    keys: ["namespace"],
    type: "DNS label",
    default: "`tracing`",
    meaning: "the namespace of the trace pipeline and the Jaeger UI",
  },
];

/**
 * Every key a stack may set, section by section in the order of docs/configuration.md (generated
 * from this list by `npm run docs:config`). A new section adds its reader's list here.
 */
export const CONFIG_REFERENCE: readonly ConfigKeyDoc[] = [
  ...STACK_KEYS,
  ...QUOTA_KEYS,
  ...NETWORK_KEYS,
  ...STORAGE_KEYS,
  ...JAEGER_KEYS,
  ...COLLECTOR_KEYS,
  ...INSTRUMENTATION_KEYS,
  ...ACCESS_KEYS,
  ...REPORT_KEYS,
  ...MONITORING_KEYS,
];

/** The top-level keys a stack may set; any other is refused by name. */
const TOP_LEVEL_KEYS = topLevelKeys(CONFIG_REFERENCE);
