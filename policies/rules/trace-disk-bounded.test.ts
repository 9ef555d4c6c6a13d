import { describe, expect, it } from "vitest";
import { buildOpenSearchDomainArgs } from "../../infra/components/opensearch-domain";
import { stackViolationsOf, type ResourceUnderTest } from "../testing/run-policy";
import { configMap, k8s, namespace, pods } from "../testing/resources";
import { traceDiskBounded as rule } from "./trace-disk-bounded";

const quota = (storage?: string) =>
  k8s("core/v1:ResourceQuota", "trace-pipeline", {
    metadata: { name: "trace-pipeline", namespace: "tracing" },
    spec: { hard: { "requests.cpu": "4", ...(storage ? { "requests.storage": storage } : {}) } },
  });
const cleaner = (days: string) =>
  k8s("batch/v1:CronJob", "jaeger-index-cleaner", {
    metadata: { name: "jaeger-index-cleaner", namespace: "tracing" },
    spec: {
      schedule: "15 0 * * *",
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: "index-cleaner",
                  image: "jaegertracing/jaeger-es-index-cleaner:1.76.0",
                  args: [days, "http://es:9200"],
                },
              ],
            },
          },
        },
      },
    },
  });
const elasticsearch = (replicas: number, size: string) =>
  k8s("apps/v1:StatefulSet", "elasticsearch", {
    metadata: { name: "elasticsearch", namespace: "tracing" },
    spec: {
      replicas,
      template: { metadata: { labels: pods("elasticsearch") }, spec: { containers: [{ name: "elasticsearch" }] } },
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: size } } } }],
    },
  });
const WATERMARKS = [
  "cluster.routing.allocation.disk.threshold_enabled: true",
  "cluster.routing.allocation.disk.watermark.low: 80%",
  "cluster.routing.allocation.disk.watermark.high: 85%",
  "cluster.routing.allocation.disk.watermark.flood_stage: 90%",
].join("\n");
const settings = (text: string) => configMap("elasticsearch", { "elasticsearch.yml": text });

/** The dev stack's storage side: quota 10Gi, one 5Gi node, three days of retention. */
const dev = (): ResourceUnderTest[] => [
  namespace(),
  quota("10Gi"),
  cleaner("3"),
  elasticsearch(1, "5Gi"),
  settings(WATERMARKS),
];
const without = (resources: ResourceUnderTest[], name: string) => resources.filter((r) => r.name !== name);
const messages = async (resources: ResourceUnderTest[], config = {}) =>
  (await stackViolationsOf(rule, resources, config)).map((v) => v.message);

/** The domain infra/ declares for storage.kind opensearch-aws (the real builder), in wire form. */
const DOMAIN = JSON.parse(
  JSON.stringify(
    buildOpenSearchDomainArgs({
      backend: {
        kind: "opensearch-aws",
        domainName: "order-traces",
        engineVersion: "OpenSearch_2.19",
        instanceType: "r6g.large.search",
        instanceCount: 3,
        subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
        securityGroupIds: ["sg-1"],
        username: "jaeger",
      },
      diskBytes: 100 * 2 ** 30,
      masterPassword: "unused-here",
    }),
  ),
) as Record<string, unknown>;
const domain = (props: Record<string, unknown>) => ({ type: "aws:opensearch/domain:Domain", name: "traces", props });

describe("trace-disk-bounded", () => {
  it("passes the dev and prod storage sides (prod: three 100Gi nodes in a 320Gi quota, 14 days)", async () => {
    expect(await stackViolationsOf(rule, dev())).toEqual([]);
    const prod = [namespace(), quota("320Gi"), cleaner("14"), elasticsearch(3, "100Gi"), settings(WATERMARKS)];
    expect(await stackViolationsOf(rule, prod)).toEqual([]);
  });

  it("refuses a stack where nothing deletes old traces, or keeps them too long", async () => {
    expect(await messages(without(dev(), "jaeger-index-cleaner"))).toEqual([
      expect.stringContaining("Nothing deletes old traces"),
    ]);
    expect(await messages([...without(dev(), "jaeger-index-cleaner"), cleaner("120")])).toEqual([
      expect.stringContaining('keeps traces for "120" days. Give it a whole number of days from 1 to 90'),
    ]);
    expect(await messages(dev(), { maxRetentionDays: 2 })).toEqual([expect.stringContaining("from 1 to 2")]);
  });

  it("refuses a namespace without a storage quota", async () => {
    expect(await messages(without(dev(), "trace-pipeline"))).toEqual([
      expect.stringContaining("has no ResourceQuota with requests.storage"),
    ]);
    expect(await messages([...without(dev(), "trace-pipeline"), quota()])).toHaveLength(1);
  });

  it("refuses claims larger than the quota, together or alone, and claims with no size", async () => {
    expect(await messages([...without(dev(), "elasticsearch"), elasticsearch(3, "5Gi"), settings(WATERMARKS)])).toEqual(
      [expect.stringContaining("request 15.0 GiB together, more than its storage quota of 10.0 GiB")],
    );
    expect(
      await messages([...without(dev(), "elasticsearch"), elasticsearch(1, "20Gi"), settings(WATERMARKS)]),
    ).toEqual([expect.stringContaining("requests 20.0 GiB, more than the namespace's storage quota")]);
    const unsized = k8s("core/v1:PersistentVolumeClaim", "scratch", {
      metadata: { name: "scratch", namespace: "tracing" },
      spec: { accessModes: ["ReadWriteOnce"] },
    });
    expect(await messages([...dev(), unsized])).toEqual([
      expect.stringContaining('"scratch" requests no storage size'),
    ]);
  });

  it("refuses Elasticsearch settings without the disk watermarks, nested or flat", async () => {
    const missing = settings(
      "cluster.name: order-tracing\ncluster:\n  routing:\n    allocation:\n      disk:\n        watermark:\n          low: 80%\n",
    );
    expect(await messages([...without(dev(), "elasticsearch"), elasticsearch(1, "5Gi"), missing])).toEqual([
      expect.stringContaining(
        "lacks cluster.routing.allocation.disk.watermark.high, cluster.routing.allocation.disk.watermark.flood_stage",
      ),
    ]);
    const off = settings(WATERMARKS.replace("threshold_enabled: true", "threshold_enabled: false"));
    expect(await messages([...without(dev(), "elasticsearch"), elasticsearch(1, "5Gi"), off])).toEqual([
      expect.stringContaining("threshold_enabled: false"),
    ]);
  });

  it("refuses an AWS search domain that is public, unencrypted or unbounded, and passes the stack's own", async () => {
    expect(await stackViolationsOf(rule, [domain(DOMAIN)])).toEqual([]);
    const [violation] = await stackViolationsOf(rule, [
      domain({
        ...DOMAIN,
        vpcOptions: undefined,
        encryptAtRest: { enabled: false },
        ebsOptions: { ebsEnabled: true, volumeSize: 4096 },
      }),
    ]);
    expect(violation.urn).toContain("aws:opensearch/domain:Domain::traces");
    expect(violation.message).toMatch(/public endpoint.*not encrypted.*volumeSize of at most 1024 GiB/);
    const legacy = {
      type: "aws:elasticsearch/domain:Domain",
      name: "old",
      props: { ...DOMAIN, nodeToNodeEncryption: {} },
    };
    expect(await messages([legacy])).toEqual([expect.stringContaining("nodeToNodeEncryption.enabled")]);
  });

  it("checks the tracing namespace only where the stack declares it", async () => {
    expect(await stackViolationsOf(rule, [configMap("x", {}, {}, "shop")])).toEqual([]);
  });
});
