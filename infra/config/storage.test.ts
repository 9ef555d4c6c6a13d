import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig, StackConfigErrors } from "./index";
import { readStackFile } from "./stack-file";
import { MAX_RETENTION_DAYS, STORAGE_PASSWORD_KEY } from "./storage";

/** The messages of a config that must fail. */
function problems(raw: Record<string, unknown>, secretKeys: string[] = [], stack = "dev"): string[] {
  try {
    parseStackConfig(stack, raw, new Set(secretKeys));
  } catch (e) {
    if (e instanceof StackConfigErrors) return e.errors.map((error) => error.message);
    throw e;
  }
  throw new Error("expected the config to be refused");
}

const AWS = {
  kind: "opensearch-aws",
  diskSize: "100Gi",
  opensearchAws: {
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    securityGroupIds: ["sg-0123456789abcdef0"],
  },
};

/** A stack file's config and its secret keys (`{ secure: … }` values), as pulumi passes them. */
function stackFile(stack: string): [Record<string, unknown>, Set<string>] {
  const { raw, secretKeys } = readStackFile(path.resolve(__dirname, "..", ".."), stack);
  return [raw, secretKeys];
}

describe("storage config", () => {
  it("defaults to one in-cluster Elasticsearch node that fits the default quota", () => {
    const config = parseStackConfig("dev", {});
    expect(config.storage.backend).toMatchObject({ kind: "elasticsearch", nodes: 1, sysctlInitContainer: true });
    expect(config.storage.retention).toEqual({ days: 7, schedule: "15 0 * * *" });
    expect(config.storage.index).toEqual({ prefix: "order-tracing", replicas: 0 });
    expect(config.storage.backend.kind === "elasticsearch" && config.storage.backend.watermarks).toEqual({
      low: 80,
      high: 85,
      floodStage: 90,
    });
  });

  it("reads the dev stack as one small node with short retention, and prod as three nodes with replicas", () => {
    const dev = parseStackConfig("dev", ...stackFile("dev"));
    expect(dev.storage.backend).toMatchObject({ kind: "elasticsearch", nodes: 1 });
    expect(dev.storage.retention.days).toBeLessThanOrEqual(7);
    const prod = parseStackConfig("prod", ...stackFile("prod"));
    expect(prod.storage.backend).toMatchObject({ kind: "elasticsearch", nodes: 3 });
    expect(prod.storage.index.replicas).toBe(1);
    expect(prod.storage.retention.days).toBeGreaterThan(dev.storage.retention.days);
    expect(prod.quota.storage).not.toBe(dev.quota.storage);
  });

  it("refuses a negative retention, naming the key and the range", () => {
    expect(problems({ storage: { retentionDays: -1 } })).toEqual([
      `order-tracing:storage.retentionDays: expected an integer from 1 to ${MAX_RETENTION_DAYS}, got -1`,
    ]);
    expect(problems({ storage: { retentionDays: 365 } })[0]).toContain(`from 1 to ${MAX_RETENTION_DAYS}, got 365`);
  });

  it("refuses Elasticsearch disks that do not fit the namespace's storage quota", () => {
    expect(
      problems({
        quota: { storage: "20Gi", maxVolumeSize: "20Gi", persistentVolumeClaims: 3 },
        storage: { diskSize: "10Gi", elasticsearch: { nodes: 3 }, indexReplicas: 1 },
      }),
    ).toEqual([
      "order-tracing:storage.diskSize: 3 node(s) × 10Gi = 30Gi does not fit quota.storage (20Gi); raise quota.storage or lower storage.diskSize",
    ]);
    expect(problems({ quota: { storage: "100Gi", maxVolumeSize: "20Gi" }, storage: { diskSize: "50Gi" } })).toEqual([
      "order-tracing:storage.diskSize: 50Gi is more than quota.maxVolumeSize (20Gi), the largest PVC the namespace admits",
    ]);
    expect(
      problems({ quota: { persistentVolumeClaims: 1 }, storage: { diskSize: "1Gi", elasticsearch: { nodes: 3 } } }),
    ).toEqual([
      "order-tracing:storage.elasticsearch.nodes: 3 node(s) need 3 PVCs, but quota.persistentVolumeClaims is 1",
    ]);
  });

  it("refuses an unknown storage kind, listing the kinds", () => {
    expect(problems({ storage: { kind: "cassandra" } })).toEqual([
      'order-tracing:storage.kind: expected one of "elasticsearch", "opensearch-aws", "external", got "cassandra"',
    ]);
  });

  it("refuses external or AWS storage without the password secret, and a password in plain text", () => {
    expect(problems({ storage: { kind: "external", external: { url: "https://es.internal:9200" } } })).toEqual([
      `order-tracing:${STORAGE_PASSWORD_KEY}: missing: storage.kind "external" logs in with storage username and this password; ` +
        `set it with \`pulumi config set --secret order-tracing:${STORAGE_PASSWORD_KEY} <value>\``,
    ]);
    expect(problems({ storage: AWS, [STORAGE_PASSWORD_KEY]: "hunter2" })).toEqual([
      `order-tracing:${STORAGE_PASSWORD_KEY}: must be a Pulumi secret, not plain text; ` +
        `set it with \`pulumi config set --secret order-tracing:${STORAGE_PASSWORD_KEY} <value>\``,
    ]);
  });

  it("refuses a password for the in-cluster Elasticsearch, which has none", () => {
    expect(problems({ [STORAGE_PASSWORD_KEY]: "x" }, [STORAGE_PASSWORD_KEY])[0]).toMatch(
      /storagePassword: set, but storage.kind "elasticsearch" runs without authentication/,
    );
  });

  it("refuses two Elasticsearch nodes, replicas without nodes to hold them, and watermarks out of order", () => {
    expect(
      problems({
        quota: { persistentVolumeClaims: 4 },
        storage: {
          diskSize: "2Gi",
          indexReplicas: 2,
          elasticsearch: { nodes: 2, watermarks: { low: "90%", high: "85%" } },
        },
      }),
    ).toEqual([
      "order-tracing:storage.elasticsearch.nodes: 2 nodes cannot elect a master when one is lost; use 1 (dev) or 3 and more (prod)",
      "order-tracing:storage.indexReplicas: 2 replica(s) need 3 nodes, but storage.elasticsearch.nodes is 2: the replicas would stay unassigned and the cluster yellow; lower the replicas or add nodes",
      "order-tracing:storage.elasticsearch.watermarks: expected low < high < floodStage, got 90% / 85% / 90%",
    ]);
  });

  it("refuses Elasticsearch memory above what one container or the namespace may use", () => {
    expect(problems({ storage: { elasticsearch: { memory: "6Gi" } } })).toEqual([
      "order-tracing:storage.elasticsearch.memory: 6Gi is more than quota.maxContainerMemory (4Gi); raise that or lower this",
    ]);
  });

  it("reads an AWS OpenSearch domain: VPC subnets and security groups required, whole-GiB volumes", () => {
    const config = parseStackConfig(
      "prod",
      { storage: AWS, [STORAGE_PASSWORD_KEY]: "secret" },
      new Set([STORAGE_PASSWORD_KEY]),
    );
    expect(config.storage.backend).toMatchObject({
      kind: "opensearch-aws",
      instanceCount: 3,
      subnetIds: AWS.opensearchAws.subnetIds,
      securityGroupIds: AWS.opensearchAws.securityGroupIds,
      username: "jaeger",
    });
    expect(
      problems(
        {
          storage: { kind: "opensearch-aws", diskSize: "1500Mi", opensearchAws: { subnetIds: ["subnet-x"] } },
          [STORAGE_PASSWORD_KEY]: "s",
        },
        [STORAGE_PASSWORD_KEY],
      ),
    ).toEqual([
      'order-tracing:storage.diskSize: an EBS volume is a whole number of GiB, at least 10Gi (for example "100Gi"), got "1500Mi"',
      'order-tracing:storage.opensearchAws.subnetIds[0]: expected an id such as "subnet-0123456789abcdef0", got "subnet-x"',
      "order-tracing:storage.opensearchAws.securityGroupIds: missing: the domain is VPC-only and needs the private subnets and security groups it lives in",
    ]);
  });

  it("refuses settings of another kind and unknown nested keys", () => {
    expect(
      problems({ storage: { kind: "elasticsearch", external: { url: "https://x" }, elasticsearch: { node: 3 } } }),
    ).toEqual([
      "order-tracing:storage.elasticsearch.node: unknown key; known keys are nodes, memory, cpu, storageClassName, image, sysctlInitContainer, watermarks (is it a typo?)",
      'order-tracing:storage.external: set, but storage.kind is "elasticsearch"; remove it or set storage.kind to "external"',
    ]);
  });

  it("refuses an external URL with credentials in it, and a schedule that is not cron", () => {
    expect(
      problems(
        {
          storage: { kind: "external", retentionSchedule: "daily", external: { url: "https://jaeger:pw@es.internal" } },
          [STORAGE_PASSWORD_KEY]: "s",
        },
        [STORAGE_PASSWORD_KEY],
      ),
    ).toEqual([
      'order-tracing:storage.retentionSchedule: expected a cron schedule of five fields such as "15 0 * * *" or a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly), got "daily"',
      "order-tracing:storage.external.url: credentials do not belong in the URL; use storage.external.username and the storagePassword secret",
    ]);
  });
});

describe("quota and jaeger config", () => {
  it("refuses a quota whose per-container maximum exceeds the namespace total", () => {
    expect(
      problems({
        quota: { limitsMemory: "2Gi", requestsMemory: "1Gi", maxContainerMemory: "4Gi" },
        storage: { elasticsearch: { memory: "1Gi" } },
        jaeger: { resources: { limits: { memory: "512Mi" } } },
      }),
    ).toEqual([
      "order-tracing:quota.maxContainerMemory: 4Gi is more than quota.limitsMemory (2Gi); raise that or lower this",
    ]);
  });

  it("refuses a Jaeger base path with a trailing slash and requests above limits", () => {
    expect(problems({ jaeger: { basePath: "/jaeger/", resources: { requests: { memory: "1Gi" } } } })).toEqual([
      "order-tracing:jaeger.resources.requests.memory: must not exceed limits.memory (512Mi), got 1Gi",
      'order-tracing:jaeger.basePath: expected "/" or a path such as "/jaeger" (no trailing slash), got "/jaeger/"',
    ]);
  });
});
