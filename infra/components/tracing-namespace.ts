import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { QuotaConfig } from "../config/guards";
import { commonLabels } from "../labels";
import { buildDefaultDenyPolicy, buildPipelinePolicies, type PipelinePolicyInput } from "../network/pipeline-policies";

export interface TracingNamespaceArgs {
  name: string;
  quota: QuotaConfig;
  /** How the pipeline's parts reach each other and the storage: the NetworkPolicies' flows. */
  pipeline: PipelinePolicyInput;
}

/**
 * Used by containers that state no resources of their own (a debug pod, a Job someone adds): small,
 * so they can never eat the budget of the pipeline unnoticed.
 */
export const CONTAINER_DEFAULTS = {
  request: { cpu: "50m", memory: "64Mi" },
  limit: { cpu: "500m", memory: "256Mi" },
} as const;

/** The smallest volume worth a PersistentVolumeClaim; below this a claim is a mistake. */
const MIN_VOLUME = "1Gi";

/** The ResourceQuota of the namespace: what every pod and volume of the trace pipeline may take in sum. */
export function buildResourceQuotaSpec(quota: QuotaConfig): k8s.types.input.core.v1.ResourceQuotaSpec {
  return {
    hard: {
      "requests.cpu": quota.requestsCpu,
      "limits.cpu": quota.limitsCpu,
      "requests.memory": quota.requestsMemory,
      "limits.memory": quota.limitsMemory,
      "requests.storage": quota.storage,
      persistentvolumeclaims: String(quota.persistentVolumeClaims),
    },
  };
}

/** The LimitRange: defaults for containers without resources, and the most one container or claim may take. */
export function buildLimitRangeSpec(quota: QuotaConfig): k8s.types.input.core.v1.LimitRangeSpec {
  return {
    limits: [
      {
        type: "Container",
        defaultRequest: { ...CONTAINER_DEFAULTS.request },
        default: { ...CONTAINER_DEFAULTS.limit },
        max: { cpu: quota.maxContainerCpu, memory: quota.maxContainerMemory },
      },
      { type: "PersistentVolumeClaim", min: { storage: MIN_VOLUME }, max: { storage: quota.maxVolumeSize } },
    ],
  };
}

/**
 * The namespace that holds the whole trace pipeline and its access path, with its guard rails: a
 * ResourceQuota (CPU, memory, disk and claim count), a LimitRange, a default-deny NetworkPolicy
 * and one NetworkPolicy per flow of the pipeline.
 */
export class TracingNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: TracingNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:tracing:Namespace", name, {}, opts);
    const namespace = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: args.name, labels: commonLabels("namespace") } },
      { parent: this },
    );
    this.name = namespace.metadata.name;
    const inNamespace = { parent: this, dependsOn: [namespace] };
    const metadata = (objectName: string) => ({
      name: objectName,
      namespace: args.name,
      labels: commonLabels("namespace"),
    });

    new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      { metadata: metadata("trace-pipeline"), spec: buildResourceQuotaSpec(args.quota) },
      inNamespace,
    );
    new k8s.core.v1.LimitRange(
      `${name}-limits`,
      { metadata: metadata("trace-pipeline"), spec: buildLimitRangeSpec(args.quota) },
      inNamespace,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      { metadata: metadata("default-deny"), spec: buildDefaultDenyPolicy() },
      inNamespace,
    );
    for (const policy of buildPipelinePolicies(args.pipeline)) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.name}`,
        { metadata: metadata(policy.name), spec: policy.spec },
        inNamespace,
      );
    }
    this.registerOutputs({ name: this.name });
  }
}
