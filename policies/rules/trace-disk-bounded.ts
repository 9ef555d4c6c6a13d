import type { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import * as yaml from "js-yaml";
import { containersOf, nameOf, whenKnown, type Props } from "../lib/kubernetes";
import { parseQuantity as parseQuantityText } from "../../infra/config/validators";
import { declaresNamespace, objectsOf, workloadsOf, type StackResource } from "../lib/stack";
import { TRACING_NAMESPACE_SCHEMA, type TracingNamespaceConfig, stringList } from "./shared-config";

interface Config extends TracingNamespaceConfig {
  maxRetentionDays: number;
  retentionJobImages: string[];
  maxDomainVolumeGiB: number;
}

/** AWS search domains (OpenSearch Service, and its older Elasticsearch name). */
const SEARCH_DOMAIN_TYPES = ["aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"];
/** Elasticsearch settings that stop writes before a disk fills (all three must be set). */
const WATERMARKS = ["low", "high", "flood_stage"].map((w) => `cluster.routing.allocation.disk.watermark.${w}`);
const THRESHOLD_ENABLED = "cluster.routing.allocation.disk.threshold_enabled";
const SETTINGS_FILE = /^(elasticsearch|opensearch)\.yml$/;
const GIB = 2 ** 30;

/**
 * Rule 5. Traces cannot fill the disks: a retention job deletes old traces within the maximum age,
 * the tracing namespace has a ResourceQuota on `requests.storage` that every volume claim fits in,
 * Elasticsearch stops writing before a disk fills (watermarks), and an AWS search domain is
 * VPC-only, encrypted, and has a bounded volume.
 */
export const traceDiskBounded: StackValidationPolicy = {
  name: "trace-disk-bounded",
  description:
    "Retention job within the maximum; ResourceQuota requests.storage holding every PVC; Elasticsearch watermarks; AWS search domains VPC-only, encrypted, bounded.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...TRACING_NAMESPACE_SCHEMA,
      maxRetentionDays: {
        type: "integer",
        minimum: 1,
        default: 90,
        description: "The longest retention allowed: traces older than this must be deleted.",
      },
      retentionJobImages: stringList(
        ["jaeger-es-index-cleaner"],
        "Images of the retention job (a CronJob whose first argument is the retention in days).",
      ),
      maxDomainVolumeGiB: {
        type: "integer",
        minimum: 1,
        default: 1024,
        description: "The largest EBS volume per node of an AWS OpenSearch/Elasticsearch domain, in GiB.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<Config>();
    const resources: StackResource[] = args.resources;
    checkSearchDomains(resources, config, reportViolation);
    if (!declaresNamespace(resources, config.tracingNamespace)) return;
    checkRetention(resources, config, reportViolation);
    checkQuotaAndClaims(resources, config, reportViolation);
    checkWatermarks(resources, config, reportViolation);
  },
};

function checkRetention(resources: StackResource[], config: Config, report: ReportViolation): void {
  const jobs = workloadsOf(resources, config.tracingNamespace).flatMap((w) =>
    whenKnown(() => containersOf(w.template.spec), [])
      .filter((c) =>
        whenKnown(() => config.retentionJobImages.some((image) => String(c?.image).includes(image)), false),
      )
      .map((container) => ({ workload: w, container })),
  );
  if (jobs.length === 0) {
    report(
      `Nothing deletes old traces in namespace "${config.tracingNamespace}": no CronJob runs ${config.retentionJobImages.join(" or ")}. ` +
        `Add the retention CronJob (storage.retentionDays) so storage holds at most ${config.maxRetentionDays} days.`,
    );
    return;
  }
  for (const { workload, container } of jobs) {
    const first = whenKnown(() => (container.args ?? [])[0], "known-later");
    if (first === "known-later") continue;
    const days = Number(first);
    if (!Number.isInteger(days) || days < 1 || days > config.maxRetentionDays) {
      report(
        `The retention job "${nameOf(workload.resource.props)}" keeps traces for "${String(first)}" days. ` +
          `Give it a whole number of days from 1 to ${config.maxRetentionDays} as its first argument.`,
        workload.resource.urn,
      );
    }
  }
}

function checkQuotaAndClaims(resources: StackResource[], config: Config, report: ReportViolation): void {
  const namespace = config.tracingNamespace;
  const quotas = objectsOf(resources, ["ResourceQuota"], namespace)
    .map((q) => whenKnown(() => parseQuantity(q.props.spec?.hard?.["requests.storage"]), undefined))
    .filter((q): q is number => q !== undefined);
  if (quotas.length === 0) {
    report(
      `Namespace "${namespace}" has no ResourceQuota with requests.storage, so its volumes can claim any amount of disk. ` +
        `Add a ResourceQuota with hard["requests.storage"] (order-tracing:quota.storage).`,
    );
    return;
  }
  const quota = Math.min(...quotas);
  const claims: { resource: StackResource; label: string; bytes: number | undefined; count: number }[] = [];
  for (const claim of objectsOf(resources, ["PersistentVolumeClaim"], namespace)) {
    whenKnown(() => {
      const bytes = parseQuantity(claim.props.spec?.resources?.requests?.storage);
      claims.push({ resource: claim, label: `PersistentVolumeClaim "${nameOf(claim.props)}"`, bytes, count: 1 });
    }, undefined);
  }
  for (const set of objectsOf(resources, ["StatefulSet"], namespace)) {
    whenKnown(() => {
      const replicas = typeof set.props.spec?.replicas === "number" ? set.props.spec.replicas : 1;
      for (const template of (set.props.spec?.volumeClaimTemplates ?? []) as Props[]) {
        const bytes = parseQuantity(template?.spec?.resources?.requests?.storage);
        const label = `volume claim "${template?.metadata?.name}" of StatefulSet "${nameOf(set.props)}" (${replicas} replicas)`;
        claims.push({ resource: set, label, bytes, count: replicas });
      }
    }, undefined);
  }
  const quotaText = `${(quota / GIB).toFixed(1)} GiB`;
  let total = 0;
  for (const claim of claims) {
    if (claim.bytes === undefined) {
      report(`The ${claim.label} requests no storage size. Set spec.resources.requests.storage.`, claim.resource.urn);
    } else if (claim.bytes > quota) {
      report(
        `The ${claim.label} requests ${(claim.bytes / GIB).toFixed(1)} GiB, more than the namespace's storage quota of ${quotaText}. ` +
          `Shrink the claim or raise requests.storage.`,
        claim.resource.urn,
      );
    } else {
      total += claim.bytes * claim.count;
    }
  }
  if (total > quota) {
    report(
      `The volume claims of namespace "${namespace}" request ${(total / GIB).toFixed(1)} GiB together, more than its storage ` +
        `quota of ${quotaText}: some would never bind. Shrink them or raise requests.storage.`,
    );
  }
}

function checkWatermarks(resources: StackResource[], config: Config, report: ReportViolation): void {
  for (const configMap of objectsOf(resources, ["ConfigMap"], config.tracingNamespace)) {
    for (const key of whenKnown(() => Object.keys(configMap.props.data ?? {}), [])) {
      if (!SETTINGS_FILE.test(key)) continue;
      const text = whenKnown(() => configMap.props.data[key], undefined);
      if (typeof text !== "string") continue;
      const settings = flatten(safeYaml(text));
      const missing = WATERMARKS.filter((w) => settings[w] === undefined || settings[w] === "");
      if (
        settings[THRESHOLD_ENABLED] === false ||
        String(settings[THRESHOLD_ENABLED]) === "false" ||
        missing.length > 0
      ) {
        report(
          `"${key}" of ConfigMap "${nameOf(configMap.props)}" ${missing.length > 0 ? `lacks ${missing.join(", ")}` : `sets ${THRESHOLD_ENABLED}: false`}, ` +
            `so the node writes until its disk is full. Set the low, high and flood_stage watermarks and keep the threshold enabled.`,
          configMap.urn,
        );
      }
    }
  }
}

function checkSearchDomains(resources: StackResource[], config: Config, report: ReportViolation): void {
  for (const domain of resources.filter((r) => SEARCH_DOMAIN_TYPES.includes(r.type))) {
    const problems = whenKnown(() => domainProblems(domain.props, config.maxDomainVolumeGiB), []);
    if (problems.length > 0) {
      report(`Search domain "${domain.name}": ${problems.join("; ")}.`, domain.urn);
    }
  }
}

function domainProblems(props: Props, maxVolumeGiB: number): string[] {
  const problems: string[] = [];
  if ((whenKnown(() => props.vpcOptions?.subnetIds, ["known-later"]) ?? []).length === 0) {
    problems.push("it has a public endpoint; set vpcOptions with private subnets and security groups");
  }
  if (props.encryptAtRest?.enabled !== true) problems.push("data at rest is not encrypted; set encryptAtRest.enabled");
  if (props.nodeToNodeEncryption?.enabled !== true) {
    problems.push("traffic between nodes is not encrypted; set nodeToNodeEncryption.enabled");
  }
  if (props.domainEndpointOptions?.enforceHttps !== true) {
    problems.push("its endpoint accepts plain HTTP; set domainEndpointOptions.enforceHttps");
  }
  const size = whenKnown(() => props.ebsOptions?.volumeSize, maxVolumeGiB);
  if (props.ebsOptions?.ebsEnabled !== true || typeof size !== "number" || size > maxVolumeGiB) {
    problems.push(
      `its EBS volume is not bounded; set ebsOptions.ebsEnabled and a volumeSize of at most ${maxVolumeGiB} GiB`,
    );
  }
  return problems;
}

/** A quantity as a manifest may hold it: `10Gi`, or a plain number of bytes. */
function parseQuantity(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  return typeof value === "string" ? parseQuantityText(value) : undefined;
}

function safeYaml(text: string): unknown {
  try {
    return yaml.load(text);
  } catch {
    return undefined;
  }
}

/** `{a: {b: 1}}` and `{"a.b": 1}` both become `{"a.b": 1}`: Elasticsearch accepts either form. */
function flatten(value: unknown, prefix = ""): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return prefix ? { [prefix]: value } : {};
  const flat: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    Object.assign(flat, flatten(inner, prefix ? `${prefix}.${key}` : key));
  return flat;
}
