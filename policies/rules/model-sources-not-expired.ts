import type { ResourceValidationPolicy } from "@pulumi/policy";
import { whenKnown, type Props } from "../lib/kubernetes";
import { stringList } from "./shared-config";

interface Config {
  protectedPrefixes: string[];
  protectedBuckets: string[];
}

/** Resources that carry S3 lifecycle rules, and the shape their rules take. */
const LIFECYCLE_CONFIGURATIONS = [
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];
const BUCKETS_WITH_INLINE_RULES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** One lifecycle rule, whichever resource declared it. */
interface LifecycleRule {
  id: string;
  enabled: boolean;
  /** The key prefix the rule applies to; "" means every object. */
  prefix: string;
  /** What the rule does to current objects: expire them, or move them to another storage class. */
  actions: string[];
}

/**
 * Rule 7. Model sources are not expired: no S3 lifecycle rule may expire or transition away current
 * objects under the protected prefixes (the brief's third failure: a cleanup policy deleting models
 * before MES reads them). A rule without a prefix, or filtered only by tag or size, covers every
 * object and so the protected ones too. Rules on older versions only (noncurrent*) and on incomplete
 * uploads leave the current model in place and are allowed.
 */
export const modelSourcesNotExpired: ResourceValidationPolicy = {
  name: "model-sources-not-expired",
  description: "No S3 lifecycle rule expires or transitions away objects under the protected prefixes (models/).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      protectedPrefixes: stringList(
        ["models/"],
        "Key prefixes whose objects must stay until their owner deletes them (the uploaded 3D models).",
      ),
      protectedBuckets: stringList([], "Limit the rule to these bucket names; empty: every bucket."),
    },
  },
  validateResource: (args, reportViolation) => {
    const inline = BUCKETS_WITH_INLINE_RULES.includes(args.type);
    if (!inline && !LIFECYCLE_CONFIGURATIONS.includes(args.type)) return;
    const { protectedPrefixes, protectedBuckets } = args.getConfig<Config>();
    const props: Props = args.props;
    if (protectedBuckets.length > 0) {
      // A bucket whose name is unknown (created in the same run) or generated may be a protected one.
      const bucket = whenKnown(() => props.bucket, undefined);
      if (typeof bucket === "string" && !protectedBuckets.includes(bucket)) return;
    }
    const rules = inline ? inlineRules(props.lifecycleRules) : configurationRules(props.rules);
    for (const rule of rules) {
      if (!rule.enabled || rule.actions.length === 0) continue;
      const hit = protectedPrefixes.filter((p) => rule.prefix.startsWith(p) || p.startsWith(rule.prefix));
      if (hit.length === 0) continue;
      const scope = rule.prefix === "" ? "every object (no prefix)" : `objects under "${rule.prefix}"`;
      reportViolation(
        `Lifecycle rule "${rule.id}" ${rule.actions.join(" and ")} ${scope}, which includes the model sources under ` +
          `${hit.map((p) => `"${p}"`).join(", ")} that MES still has to read. Scope the rule with a filter prefix outside ` +
          `${hit.join(", ")}, or limit it to noncurrent versions.`,
      );
    }
  },
};

/** Rules of BucketLifecycleConfiguration(V2): status, filter (prefix, and.prefix) or legacy prefix. */
function configurationRules(rules: Props[] | undefined): LifecycleRule[] {
  return (rules ?? []).map((rule, index) => {
    const filter = rule?.filter;
    const prefix = filter?.prefix ?? filter?.and?.prefix ?? (filter ? undefined : rule?.prefix);
    const actions: string[] = [];
    if (present(rule?.expiration?.days) || present(rule?.expiration?.date)) actions.push("expires");
    if ((rule?.transitions ?? []).length > 0) actions.push("transitions away");
    return {
      id: String(rule?.id ?? `#${index + 1}`),
      enabled: rule?.status === "Enabled",
      prefix: prefix ?? "",
      actions,
    };
  });
}

/** Inline `lifecycleRules` of Bucket (expiration) and BucketV2 (expirations). */
function inlineRules(rules: Props[] | undefined): LifecycleRule[] {
  return (rules ?? []).map((rule, index) => {
    const expirations: Props[] = rule?.expirations ?? (rule?.expiration ? [rule.expiration] : []);
    const actions: string[] = [];
    if (expirations.some((e) => present(e?.days) || present(e?.date))) actions.push("expires");
    if ((rule?.transitions ?? []).length > 0) actions.push("transitions away");
    return {
      id: String(rule?.id ?? `#${index + 1}`),
      enabled: rule?.enabled === true,
      prefix: rule?.prefix ?? "",
      actions,
    };
  });
}

/** Whether a lifecycle field is set (providers report unset numbers as 0 or null). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && value !== 0;
}
