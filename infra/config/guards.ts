import { cidrBlock } from "./cidr";
import { cpuQuantity, memoryQuantity, parseQuantity } from "./validators";
import type { ConfigReader } from "./read";
import { checkedStringList, refuseUnknownFields } from "./sections";
import type { ConfigKeyDoc } from "./reference";

/**
 * The tracing namespace's guard rails (docs/configuration.md, docs/operations.md "Retention and disk"): a
 * ResourceQuota so traces can never take more disk, memory or CPU than budgeted, and a LimitRange
 * so no single container or volume can take all of it.
 */
export interface QuotaConfig {
  requestsCpu: string;
  limitsCpu: string;
  requestsMemory: string;
  limitsMemory: string;
  /** `requests.storage`: the sum of every PersistentVolumeClaim of the namespace. */
  storage: string;
  persistentVolumeClaims: number;
  /** LimitRange: the most one container may ask for. */
  maxContainerCpu: string;
  maxContainerMemory: string;
  /** LimitRange: the largest single PersistentVolumeClaim. */
  maxVolumeSize: string;
}

/** Where the pipeline may reach what is not a pod: the Kubernetes API (the collector's k8s_attributes), outside storage. */
export interface NetworkConfig {
  apiServerCidrs: string[];
  apiServerPorts: number[];
  /** Where Jaeger and the index cleaner may reach an outside storage (opensearch-aws, external). */
  storageCidrs: string[];
}

const FIELDS = {
  quota: [
    "requestsCpu",
    "limitsCpu",
    "requestsMemory",
    "limitsMemory",
    "storage",
    "persistentVolumeClaims",
    "maxContainerCpu",
    "maxContainerMemory",
    "maxVolumeSize",
  ],
  network: ["apiServerCidrs", "apiServerPorts", "storageCidrs"],
} as const;

/** Defaults fit a small stack (one Elasticsearch node, one Jaeger, one collector). */
export const DEFAULT_QUOTA: QuotaConfig = {
  requestsCpu: "4",
  limitsCpu: "8",
  requestsMemory: "8Gi",
  limitsMemory: "12Gi",
  storage: "20Gi",
  persistentVolumeClaims: 2,
  maxContainerCpu: "2",
  maxContainerMemory: "4Gi",
  maxVolumeSize: "20Gi",
};

/** The API server's HTTPS port as clusters expose it: 443 (EKS, GKE) or 6443 (kubeadm). */
const DEFAULT_API_SERVER_PORTS = [443, 6443];

export function readQuotaConfig(read: ConfigReader): QuotaConfig {
  refuseUnknownFields(read, { quota: FIELDS.quota });
  const quota: QuotaConfig = {
    requestsCpu: read.string("quota.requestsCpu", DEFAULT_QUOTA.requestsCpu, cpuQuantity),
    limitsCpu: read.string("quota.limitsCpu", DEFAULT_QUOTA.limitsCpu, cpuQuantity),
    requestsMemory: read.string("quota.requestsMemory", DEFAULT_QUOTA.requestsMemory, memoryQuantity),
    limitsMemory: read.string("quota.limitsMemory", DEFAULT_QUOTA.limitsMemory, memoryQuantity),
    storage: read.string("quota.storage", DEFAULT_QUOTA.storage, memoryQuantity),
    persistentVolumeClaims: read.number("quota.persistentVolumeClaims", DEFAULT_QUOTA.persistentVolumeClaims, {
      min: 0,
      max: 100,
      integer: true,
    }),
    maxContainerCpu: read.string("quota.maxContainerCpu", DEFAULT_QUOTA.maxContainerCpu, cpuQuantity),
    maxContainerMemory: read.string("quota.maxContainerMemory", DEFAULT_QUOTA.maxContainerMemory, memoryQuantity),
    maxVolumeSize: read.string("quota.maxVolumeSize", DEFAULT_QUOTA.maxVolumeSize, memoryQuantity),
  };
  const pairs: [keyof QuotaConfig, keyof QuotaConfig][] = [
    ["requestsCpu", "limitsCpu"],
    ["requestsMemory", "limitsMemory"],
    ["maxContainerCpu", "limitsCpu"],
    ["maxContainerMemory", "limitsMemory"],
    ["maxVolumeSize", "storage"],
  ];
  for (const [smaller, larger] of pairs) {
    const a = parseQuantity(String(quota[smaller]));
    const b = parseQuantity(String(quota[larger]));
    if (a !== undefined && b !== undefined && a > b) {
      read.fail(
        `quota.${smaller}`,
        `${quota[smaller]} is more than quota.${larger} (${quota[larger]}); raise that or lower this`,
      );
    }
  }
  return quota;
}

export function readNetworkConfig(read: ConfigReader): NetworkConfig {
  refuseUnknownFields(read, { network: FIELDS.network });
  const ports = read.list("network.apiServerPorts");
  const apiServerPorts: number[] = [];
  ports.forEach((port, index) => {
    const n = typeof port === "number" ? port : Number(port);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      read.fail(`network.apiServerPorts[${index}]`, `expected a TCP port from 1 to 65535, got ${JSON.stringify(port)}`);
    } else apiServerPorts.push(n);
  });
  return {
    // Default: anywhere, on the API server ports only; narrow it to the control plane's range.
    apiServerCidrs: checkedStringList(read, "network.apiServerCidrs", cidrBlock, ["0.0.0.0/0"]),
    apiServerPorts: ports.length === 0 ? DEFAULT_API_SERVER_PORTS : apiServerPorts,
    // Default: anywhere, on the storage port only; narrow it to the VPC or the storage's subnets.
    storageCidrs: checkedStringList(read, "network.storageCidrs", cidrBlock, ["0.0.0.0/0"]),
  };
}

/** The `order-tracing:*` keys this module reads (the namespace quota and limit range): docs/configuration.md is generated from them. */
export const QUOTA_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["quota.requestsCpu", "quota.limitsCpu"],
    type: "CPU quantity",
    default: "`4`, `8`",
    meaning: "the namespace ResourceQuota's `requests.cpu` / `limits.cpu`: every pod of the trace pipeline together",
  },
  {
    keys: ["quota.requestsMemory", "quota.limitsMemory"],
    type: "memory quantity",
    default: "`8Gi`, `12Gi`",
    meaning:
      "the ResourceQuota's `requests.memory` / `limits.memory`; must hold `storage.elasticsearch.nodes × storage.elasticsearch.memory` plus Jaeger, the collector and the access proxy",
  },
  {
    keys: ["quota.storage"],
    type: "storage quantity",
    default: "`20Gi`",
    meaning:
      "the ResourceQuota's `requests.storage`: all PVCs of the namespace together; must hold `storage.elasticsearch.nodes × storage.diskSize` (see [Retention and disk](operations.md#retention-and-disk))",
  },
  {
    keys: ["quota.persistentVolumeClaims"],
    type: "integer 0–100",
    default: "`2`",
    meaning: "the ResourceQuota's PVC count; at least `storage.elasticsearch.nodes`",
  },
  {
    keys: ["quota.maxContainerCpu", "quota.maxContainerMemory"],
    type: "quantities",
    default: "`2`, `4Gi`",
    meaning:
      "LimitRange: the most one container may set (at most the quota's limits). Containers without resources get `50m`/`64Mi` requests and `500m`/`256Mi` limits",
  },
  {
    keys: ["quota.maxVolumeSize"],
    type: "storage quantity",
    default: "`20Gi`",
    meaning: "LimitRange: the largest PVC (at most `quota.storage`, at least `storage.diskSize`)",
  },
];

/** The `order-tracing:*` keys this module reads (addresses outside the cluster the pipeline reaches): docs/configuration.md is generated from them. */
export const NETWORK_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["network.apiServerCidrs", "network.apiServerPorts"],
    type: "CIDR list, ports",
    default: "`[0.0.0.0/0]`, `[443, 6443]`",
    meaning:
      "where the collector may reach the Kubernetes API (k8s_attributes); only those ports. Narrow the range to your control plane's endpoints",
  },
  {
    keys: ["network.storageCidrs"],
    type: "CIDR list",
    default: "`[0.0.0.0/0]`",
    meaning:
      "`opensearch-aws` and `external` only: where Jaeger and the index cleaner may reach the storage, on its port only. Narrow it to the VPC or the storage's subnets",
  },
];
