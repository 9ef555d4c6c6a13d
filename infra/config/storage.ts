import type { QuotaConfig } from "./guards";
import {
  cpuQuantity,
  cronSchedule,
  dnsSubdomain,
  imageReferenceCheck,
  memoryQuantity,
  parseQuantity,
  urlCheck,
} from "./validators";
import type { ConfigReader } from "./read";
import { checkedStringList, gib, hasErrorsUnder, refuseUnknownFields } from "./sections";
import type { ConfigKeyDoc } from "./reference";

/** Where Jaeger keeps traces (docs/operations.md "Storage"). */
export const STORAGE_KINDS = ["elasticsearch", "opensearch-aws", "external"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/**
 * Longest retention the stack accepts. Jaeger's query looks back over the whole retention on every
 * search of an unbounded time range, and past three months traces of an order flow answer no
 * operational question that logs and metrics don't answer more cheaply (docs/operations.md "Retention and disk").
 */
export const MAX_RETENTION_DAYS = 90;

/** Elasticsearch image of the in-cluster storage (the server Jaeger's ES 8 client is tested against). */
export const DEFAULT_ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:8.19.0";

/** The top-level key of the storage password (a Pulumi secret, read as an Output by the root). */
export const STORAGE_PASSWORD_KEY = "storagePassword";

/**
 * Disk watermarks of Elasticsearch, as used-disk percentages: above `low` no new shards are placed
 * on the node, above `high` shards move away, above `floodStage` every index with a shard on the
 * node becomes read-only, so Elasticsearch refuses writes before the disk is full.
 */
export interface DiskWatermarks {
  low: number;
  high: number;
  floodStage: number;
}

export interface ElasticsearchStorage {
  kind: "elasticsearch";
  /** 1 (dev: single-node discovery) or 3 and more (master-eligible data nodes). */
  nodes: number;
  /** Memory request = limit of each node; the JVM heap is half of it. */
  memory: string;
  /** `memory` in bytes. */
  memoryBytes: number;
  cpu: string;
  storageClassName?: string;
  image: string;
  /** Run a privileged init container that raises vm.max_map_count; off: mmap is disabled instead. */
  sysctlInitContainer: boolean;
  watermarks: DiskWatermarks;
}

export interface OpenSearchAwsStorage {
  kind: "opensearch-aws";
  domainName: string;
  engineVersion: string;
  instanceType: string;
  instanceCount: number;
  subnetIds: string[];
  securityGroupIds: string[];
  /** The fine-grained access control master user Jaeger and the index cleaner log in as. */
  username: string;
}

export interface ExternalStorage {
  kind: "external";
  url: string;
  /** Which index templates Jaeger installs: Elasticsearch 7/8/9 or OpenSearch 1/2/3. */
  engine: "elasticsearch" | "opensearch";
  username: string;
  /** A Secret in the tracing namespace whose `ca.crt` signs the server's certificate (private CAs). */
  caSecretName?: string;
}

export interface StorageConfig {
  backend: ElasticsearchStorage | OpenSearchAwsStorage | ExternalStorage;
  /** Data disk of each storage node: the PVC of an Elasticsearch node or the EBS volume of a domain node. */
  diskSize: string;
  /** `diskSize` in bytes. */
  diskBytes: number;
  retention: { days: number; schedule: string };
  index: { prefix: string; replicas: number };
  /** Whether a password secret is set (external, opensearch-aws); the value is read by the root. */
  passwordSecret: boolean;
}

type Disk = Pick<StorageConfig, "diskSize" | "diskBytes">;

const FIELDS = {
  storage: [
    "kind",
    "retentionDays",
    "retentionSchedule",
    "indexPrefix",
    "indexReplicas",
    "diskSize",
    "elasticsearch",
    "opensearchAws",
    "external",
  ],
  "storage.elasticsearch": ["nodes", "memory", "cpu", "storageClassName", "image", "sysctlInitContainer", "watermarks"],
  "storage.elasticsearch.watermarks": ["low", "high", "floodStage"],
  "storage.opensearchAws": [
    "domainName",
    "engineVersion",
    "instanceType",
    "instanceCount",
    "subnetIds",
    "securityGroupIds",
    "username",
  ],
  "storage.external": ["url", "engine", "username", "caSecretName"],
} as const;

const SECTION_OF: Record<StorageKind, "elasticsearch" | "opensearchAws" | "external"> = {
  elasticsearch: "elasticsearch",
  "opensearch-aws": "opensearchAws",
  external: "external",
};

const DEFAULT_WATERMARKS: DiskWatermarks = { low: 80, high: 85, floodStage: 90 };
/** A daily cleaner run shortly after midnight UTC, when the previous day's index is complete. */
const DEFAULT_RETENTION_SCHEDULE = "15 0 * * *";
/** Elasticsearch needs this much memory to run Jaeger's indices at all (heap = half). */
const MIN_ELASTICSEARCH_MEMORY = "1Gi";
/** Past ~31 GiB the JVM loses compressed object pointers; more memory is then page cache only. */
const MAX_ELASTICSEARCH_MEMORY = "64Gi";
const MIN_AWS_VOLUME_GIB = 10;

/**
 * Reads `order-tracing:storage` and checks it against the namespace quota: the disks of every
 * storage node must fit `quota.storage`, each one `quota.maxVolumeSize`, and their number
 * `quota.persistentVolumeClaims`.
 */
export function readStorageConfig(read: ConfigReader, quota: QuotaConfig): StorageConfig {
  refuseUnknownFields(read, FIELDS);
  const kind = read.oneOf("storage.kind", STORAGE_KINDS, "elasticsearch");
  for (const other of STORAGE_KINDS) {
    if (other !== kind && read.fieldsOf(`storage.${SECTION_OF[other]}`) !== undefined) {
      read.fail(
        `storage.${SECTION_OF[other]}`,
        `set, but storage.kind is "${kind}"; remove it or set storage.kind to "${other}"`,
      );
    }
  }

  const retention = {
    days: read.number("storage.retentionDays", 7, { min: 1, max: MAX_RETENTION_DAYS, integer: true }),
    schedule: read.string("storage.retentionSchedule", DEFAULT_RETENTION_SCHEDULE, cronSchedule),
  };
  const diskSize = read.string("storage.diskSize", "10Gi", memoryQuantity);
  const disk = { diskSize, diskBytes: parseQuantity(diskSize)! };
  const index = {
    prefix: read.string("storage.indexPrefix", "order-tracing", indexPrefix),
    replicas: read.number("storage.indexReplicas", 0, { min: 0, max: 5, integer: true }),
  };

  const needsPassword = kind !== "elasticsearch";
  const passwordSecret = read.secret(
    STORAGE_PASSWORD_KEY,
    needsPassword,
    `storage.kind "${kind}" logs in with storage username and this password`,
  );
  if (!needsPassword && passwordSecret) {
    read.fail(
      STORAGE_PASSWORD_KEY,
      'set, but storage.kind "elasticsearch" runs without authentication behind NetworkPolicies; remove it',
    );
  }

  const backend =
    kind === "elasticsearch"
      ? readElasticsearch(read, quota, disk, index.replicas)
      : kind === "opensearch-aws"
        ? readOpenSearchAws(read, disk, index.replicas)
        : readExternal(read);
  return { backend, ...disk, retention, index, passwordSecret };
}

function readElasticsearch(
  read: ConfigReader,
  quota: QuotaConfig,
  { diskSize, diskBytes }: Disk,
  replicas: number,
): ElasticsearchStorage {
  const nodes = read.number("storage.elasticsearch.nodes", 1, { min: 1, max: 9, integer: true });
  if (nodes === 2) {
    read.fail(
      "storage.elasticsearch.nodes",
      "2 nodes cannot elect a master when one is lost; use 1 (dev) or 3 and more (prod)",
    );
  }
  if (replicas > nodes - 1) {
    read.fail(
      "storage.indexReplicas",
      `${replicas} replica(s) need ${replicas + 1} nodes, but storage.elasticsearch.nodes is ${nodes}: ` +
        "the replicas would stay unassigned and the cluster yellow; lower the replicas or add nodes",
    );
  }
  const memory = read.string("storage.elasticsearch.memory", "2Gi", memoryQuantity);
  const memoryBytes = parseQuantity(memory)!;
  if (!hasErrorsUnder(read, "storage.elasticsearch.memory")) {
    if (memoryBytes < parseQuantity(MIN_ELASTICSEARCH_MEMORY)!)
      read.fail(
        "storage.elasticsearch.memory",
        `at least ${MIN_ELASTICSEARCH_MEMORY} (the heap is half), got ${memory}`,
      );
    if (memoryBytes > parseQuantity(MAX_ELASTICSEARCH_MEMORY)!)
      read.fail(
        "storage.elasticsearch.memory",
        `at most ${MAX_ELASTICSEARCH_MEMORY}: the heap (half) stops gaining past 31Gi, got ${memory}`,
      );
    const maxContainer = parseQuantity(quota.maxContainerMemory);
    if (maxContainer !== undefined && memoryBytes > maxContainer)
      read.fail(
        "storage.elasticsearch.memory",
        `${memory} is more than quota.maxContainerMemory (${quota.maxContainerMemory}); raise that or lower this`,
      );
    const limits = parseQuantity(quota.limitsMemory);
    if (limits !== undefined && memoryBytes * nodes > limits)
      read.fail(
        "storage.elasticsearch.memory",
        `${nodes} node(s) × ${memory} = ${gib(memoryBytes * nodes)} is more than quota.limitsMemory (${quota.limitsMemory}), ` +
          "which also has to hold Jaeger and the collector; raise the quota or lower this",
      );
  }
  if (!hasErrorsUnder(read, "storage.diskSize")) {
    const storageQuota = parseQuantity(quota.storage);
    if (storageQuota !== undefined && diskBytes * nodes > storageQuota)
      read.fail(
        "storage.diskSize",
        `${nodes} node(s) × ${diskSize} = ${gib(diskBytes * nodes)} does not fit quota.storage (${quota.storage}); ` +
          "raise quota.storage or lower storage.diskSize",
      );
    const maxVolume = parseQuantity(quota.maxVolumeSize);
    if (maxVolume !== undefined && diskBytes > maxVolume)
      read.fail(
        "storage.diskSize",
        `${diskSize} is more than quota.maxVolumeSize (${quota.maxVolumeSize}), the largest PVC the namespace admits`,
      );
  }
  if (nodes > quota.persistentVolumeClaims)
    read.fail(
      "storage.elasticsearch.nodes",
      `${nodes} node(s) need ${nodes} PVCs, but quota.persistentVolumeClaims is ${quota.persistentVolumeClaims}`,
    );

  const watermarks: DiskWatermarks = {
    low: percent(read, "storage.elasticsearch.watermarks.low", DEFAULT_WATERMARKS.low),
    high: percent(read, "storage.elasticsearch.watermarks.high", DEFAULT_WATERMARKS.high),
    floodStage: percent(read, "storage.elasticsearch.watermarks.floodStage", DEFAULT_WATERMARKS.floodStage),
  };
  if (!(watermarks.low < watermarks.high && watermarks.high < watermarks.floodStage)) {
    read.fail(
      "storage.elasticsearch.watermarks",
      `expected low < high < floodStage, got ${watermarks.low}% / ${watermarks.high}% / ${watermarks.floodStage}%`,
    );
  }

  return {
    kind: "elasticsearch",
    nodes,
    memory,
    memoryBytes,
    cpu: read.string("storage.elasticsearch.cpu", "1", cpuQuantity),
    storageClassName: read.string("storage.elasticsearch.storageClassName", undefined, dnsSubdomain),
    image: read.string("storage.elasticsearch.image", DEFAULT_ELASTICSEARCH_IMAGE, elasticsearchImage),
    sysctlInitContainer: read.boolean("storage.elasticsearch.sysctlInitContainer", true),
    watermarks,
  };
}

function readOpenSearchAws(read: ConfigReader, { diskSize, diskBytes }: Disk, replicas: number): OpenSearchAwsStorage {
  const instanceCount = read.number("storage.opensearchAws.instanceCount", 3, { min: 1, max: 20, integer: true });
  if (replicas > instanceCount - 1) {
    read.fail(
      "storage.indexReplicas",
      `${replicas} replica(s) need ${replicas + 1} data nodes, but storage.opensearchAws.instanceCount is ${instanceCount}`,
    );
  }
  if (
    !hasErrorsUnder(read, "storage.diskSize") &&
    (diskBytes % 2 ** 30 !== 0 || diskBytes < MIN_AWS_VOLUME_GIB * 2 ** 30)
  ) {
    read.fail(
      "storage.diskSize",
      `an EBS volume is a whole number of GiB, at least ${MIN_AWS_VOLUME_GIB}Gi (for example "100Gi"), got "${diskSize}"`,
    );
  }
  const subnetIds = checkedStringList(read, "storage.opensearchAws.subnetIds", awsId("subnet"));
  const securityGroupIds = checkedStringList(read, "storage.opensearchAws.securityGroupIds", awsId("sg"));
  for (const [key, list] of [
    ["storage.opensearchAws.subnetIds", subnetIds],
    ["storage.opensearchAws.securityGroupIds", securityGroupIds],
  ] as const) {
    if (list.length === 0 && !hasErrorsUnder(read, key))
      read.fail(key, "missing: the domain is VPC-only and needs the private subnets and security groups it lives in");
  }
  return {
    kind: "opensearch-aws",
    domainName: read.string("storage.opensearchAws.domainName", "order-tracing", domainName),
    engineVersion: read.string("storage.opensearchAws.engineVersion", "OpenSearch_2.19", engineVersion),
    instanceType: read.string("storage.opensearchAws.instanceType", "r6g.large.search", instanceType),
    instanceCount,
    subnetIds,
    securityGroupIds,
    username: read.string("storage.opensearchAws.username", "jaeger", username),
  };
}

function readExternal(read: ConfigReader): ExternalStorage {
  const url = read.string("storage.external.url", undefined, externalUrl);
  if (url === undefined && !hasErrorsUnder(read, "storage.external.url"))
    read.fail("storage.external.url", 'missing: the Elasticsearch/OpenSearch URL, e.g. "https://es.internal:9200"');
  return {
    kind: "external",
    url: url ?? "",
    engine: read.oneOf("storage.external.engine", ["elasticsearch", "opensearch"] as const, "elasticsearch"),
    username: read.string("storage.external.username", "jaeger", username),
    caSecretName: read.string("storage.external.caSecretName", undefined, dnsSubdomain),
  };
}

function percent(read: ConfigReader, key: string, fallback: number): number {
  const text = read.string(key);
  if (text === undefined) return fallback;
  const match = /^(\d{1,2}(\.\d+)?)%$/.exec(text);
  if (!match) {
    read.fail(key, `expected a used-disk percentage such as "85%", got "${text}"`);
    return fallback;
  }
  return Number(match[1]);
}

function indexPrefix(v: string): string | undefined {
  return /^[a-z0-9][a-z0-9-]{0,40}$/.test(v) && !v.endsWith("-")
    ? undefined
    : `expected lower-case letters, digits and '-' (an Elasticsearch index name part, at most 41), got "${v}"`;
}

const elasticsearchImage = imageReferenceCheck(`"${DEFAULT_ELASTICSEARCH_IMAGE}"`);
const externalUrl = urlCheck({
  example: "https://es.internal:9200",
  credentialsBelongIn: "storage.external.username and the storagePassword secret",
});

function awsId(prefix: "subnet" | "sg") {
  return (v: string): string | undefined =>
    new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(v)
      ? undefined
      : `expected an id such as "${prefix}-0123456789abcdef0", got "${v}"`;
}

function domainName(v: string): string | undefined {
  return /^[a-z][a-z0-9-]{2,27}$/.test(v)
    ? undefined
    : `expected 3 to 28 lower-case letters, digits and '-', starting with a letter (an OpenSearch domain name), got "${v}"`;
}

function engineVersion(v: string): string | undefined {
  return /^OpenSearch_\d+\.\d+$/.test(v)
    ? undefined
    : `expected "OpenSearch_<major>.<minor>" such as "OpenSearch_2.19", got "${v}"`;
}

function instanceType(v: string): string | undefined {
  return /^[a-z0-9]+\.[a-z0-9]+\.search$/.test(v)
    ? undefined
    : `expected an OpenSearch instance type such as "r6g.large.search", got "${v}"`;
}

function username(v: string): string | undefined {
  return /^[A-Za-z0-9_.@-]{1,64}$/.test(v)
    ? undefined
    : `expected a user name of letters, digits, '_', '.', '@' and '-', got "${v}"`;
}

/** The `order-tracing:*` keys this module reads (where traces are kept): docs/configuration.md is generated from them. */
export const STORAGE_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["storage.kind"],
    type: "kind",
    default: "`elasticsearch`",
    meaning:
      "`elasticsearch` (in-cluster StatefulSet), `opensearch-aws` (AWS OpenSearch Service) or `external` (a URL); any other value is refused. See [Storage](operations.md#storage)",
  },
  {
    keys: ["storage.retentionDays"],
    type: "integer 1–90",
    default: "`7`",
    meaning:
      "traces older than this are deleted by the index cleaner, without anyone's action; Jaeger's query also looks back this far. 90 is the cap (see [Retention and disk](operations.md#retention-and-disk))",
  },
  {
    keys: ["storage.retentionSchedule"],
    type: "cron (UTC)",
    default: "`15 0 * * *`",
    meaning: "when the index cleaner CronJob runs",
  },
  {
    keys: ["storage.indexPrefix"],
    type: "index name part",
    default: "`order-tracing`",
    meaning:
      "Jaeger's indices are `<prefix>-jaeger-{span,service,dependencies,sampling}-<yyyy-mm-dd>`; the cleaner deletes only these",
  },
  {
    keys: ["storage.indexReplicas"],
    type: "integer 0–5",
    default: "`0`",
    meaning: "replicas of each daily index (each has one primary shard); at most nodes − 1",
  },
  {
    keys: ["storage.diskSize"],
    type: "storage quantity",
    default: "`10Gi`",
    meaning:
      "the data disk of each storage node: the PVC of an Elasticsearch node, or the EBS volume of an OpenSearch data node (whole GiB, at least `10Gi`)",
  },
  {
    keys: ["storage.elasticsearch.nodes"],
    type: "1, or 3–9",
    default: "`1`",
    meaning:
      "one node (single-node discovery) or three and more master-eligible data nodes; 2 is refused (no quorum when one is lost)",
  },
  {
    keys: ["storage.elasticsearch.memory", "storage.elasticsearch.cpu"],
    type: "quantities",
    default: "`2Gi`, `1`",
    meaning: "per node, requests = limits; the JVM heap is half the memory (at most 31 GiB)",
  },
  {
    keys: ["storage.elasticsearch.storageClassName"],
    type: "name",
    default: "the cluster's default",
    meaning: "the StorageClass of the nodes' PVCs",
  },
  {
    keys: ["storage.elasticsearch.image"],
    type: "image",
    default: "`docker.elastic.co/elasticsearch/elasticsearch:8.19.0`",
    meaning: "the Elasticsearch image (7.x, 8.x; Jaeger is told the major version from the tag)",
  },
  {
    keys: ["storage.elasticsearch.sysctlInitContainer"],
    type: "boolean",
    default: "`true`",
    meaning:
      "run a privileged init container that raises `vm.max_map_count` to 262144; `false` turns mmap off instead (see [Storage](operations.md#storage))",
  },
  {
    keys: [
      "storage.elasticsearch.watermarks.low",
      "storage.elasticsearch.watermarks.high",
      "storage.elasticsearch.watermarks.floodStage",
    ],
    type: "used-disk %",
    default: "`80%`, `85%`, `90%`",
    meaning:
      "disk watermarks, low < high < floodStage: no new shards / shards move away / indices on the node turn read-only",
  },
  {
    keys: ["storage.opensearchAws.subnetIds", "storage.opensearchAws.securityGroupIds"],
    type: "id lists",
    default: "required with `opensearch-aws`",
    meaning: "the private subnets (up to 3 zones are used) and security groups of the VPC-only domain",
  },
  {
    keys: ["storage.opensearchAws.domainName", "storage.opensearchAws.engineVersion"],
    type: "name, version",
    default: "`order-tracing`, `OpenSearch_2.19`",
    meaning: "the domain",
  },
  {
    keys: ["storage.opensearchAws.instanceType", "storage.opensearchAws.instanceCount"],
    type: "type, 1–20",
    default: "`r6g.large.search`, `3`",
    meaning: "data nodes; more than one spreads over the subnets' zones",
  },
  {
    keys: ["storage.opensearchAws.username"],
    type: "user name",
    default: "`jaeger`",
    meaning: "the fine-grained access control master user that Jaeger and the index cleaner log in as",
  },
  {
    keys: ["storage.external.url"],
    type: "http(s) URL",
    default: "required with `external`",
    meaning: "the Elasticsearch/OpenSearch endpoint, without credentials in it",
  },
  {
    keys: ["storage.external.engine", "storage.external.username", "storage.external.caSecretName"],
    type: "kind, user, name",
    default: "`elasticsearch`, `jaeger`, none",
    meaning:
      "which index templates Jaeger installs; the user; a Secret in the tracing namespace whose `ca.crt` signs the server's certificate",
  },
  {
    keys: ["storagePassword"],
    type: "Pulumi secret",
    default: "required with `opensearch-aws` and `external`; refused with `elasticsearch`",
    meaning:
      "the storage user's password: `pulumi config set --secret order-tracing:storagePassword <value>`; plain text is refused. Jaeger reads it from a mounted file, the cleaner from its environment",
  },
];
