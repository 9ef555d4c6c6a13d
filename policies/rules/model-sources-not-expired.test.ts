import { describe, expect, it } from "vitest";
import { UNKNOWN_STRING, violationsOf } from "../testing/run-policy";
import { modelSourcesNotExpired as rule } from "./model-sources-not-expired";

const V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2";
const CONFIGURATION = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const lifecycle = (rules: Record<string, unknown>[], type = CONFIGURATION, bucket: string = UNKNOWN_STRING) => ({
  type,
  name: "uploads-lifecycle",
  props: { bucket, rules },
});
const rule30 = (extra: Record<string, unknown>) => ({
  id: "cleanup",
  status: "Enabled",
  expiration: { days: 30 },
  ...extra,
});

describe("model-sources-not-expired", () => {
  it("passes rules scoped outside models/, disabled rules, and rules on noncurrent versions or uploads only", async () => {
    const fine = [
      rule30({ filter: { prefix: "tmp/" } }),
      rule30({ id: "off", status: "Disabled", filter: {} }),
      { id: "old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
      { id: "uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      {
        id: "markers",
        status: "Enabled",
        filter: { prefix: "models/" },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ];
    expect(await violationsOf(rule, lifecycle(fine))).toEqual([]);
    expect(await violationsOf(rule, lifecycle(fine, V2))).toEqual([]);
  });

  it("refuses a rule expiring models/ (the brief's third failure), saying what to change", async () => {
    const [violation] = await violationsOf(rule, lifecycle([rule30({ filter: { prefix: "models/" } })]));
    expect(violation).toBe(
      'Lifecycle rule "cleanup" expires objects under "models/", which includes the model sources under "models/" that ' +
        "MES still has to read. Scope the rule with a filter prefix outside models/, or limit it to noncurrent versions.",
    );
  });

  it("refuses rules that cover models/ without naming it: no filter, an empty or shorter prefix, tags only", async () => {
    for (const scope of [
      {},
      { filter: {} },
      { filter: { prefix: "" } },
      { filter: { prefix: "mod" } },
      { prefix: "models/" },
    ]) {
      expect(await violationsOf(rule, lifecycle([rule30(scope)], V2)), JSON.stringify(scope)).toHaveLength(1);
    }
    const tagged = rule30({ filter: { tag: { key: "kind", value: "scratch" } } });
    expect(await violationsOf(rule, lifecycle([tagged]))).toEqual([
      expect.stringContaining("every object (no prefix)"),
    ]);
    const nested = rule30({ filter: { and: { prefix: "models/archive/", tags: { a: "b" } } } });
    expect(await violationsOf(rule, lifecycle([nested]))).toEqual([expect.stringContaining('under "models/archive/"')]);
  });

  it("refuses transitions of models/ to another storage class", async () => {
    const archive = {
      id: "archive",
      status: "Enabled",
      filter: {},
      transitions: [{ days: 30, storageClass: "GLACIER" }],
    };
    expect(await violationsOf(rule, lifecycle([archive]))).toEqual([
      expect.stringContaining('"archive" transitions away'),
    ]);
  });

  it("reads the inline lifecycleRules of Bucket and BucketV2", async () => {
    const bucket = {
      type: "aws:s3/bucket:Bucket",
      name: "models",
      props: { lifecycleRules: [{ enabled: true, expiration: { days: 7 } }] },
    };
    expect(await violationsOf(rule, bucket)).toEqual([expect.stringContaining('"#1" expires every object')]);
    const v2 = {
      type: "aws:s3/bucketV2:BucketV2",
      name: "models",
      props: { lifecycleRules: [{ enabled: true, prefix: "models/", expirations: [{ days: 7 }] }] },
    };
    expect(await violationsOf(rule, v2)).toHaveLength(1);
    const off = { ...v2, props: { lifecycleRules: [{ enabled: false, expirations: [{ days: 7 }] }] } };
    expect(await violationsOf(rule, off)).toEqual([]);
  });

  it("follows the configured prefixes and buckets", async () => {
    const scans = lifecycle([rule30({ filter: { prefix: "scans/" } })], CONFIGURATION, "shop-uploads");
    expect(await violationsOf(rule, scans)).toEqual([]);
    expect(await violationsOf(rule, scans, { protectedPrefixes: ["models/", "scans/"] })).toHaveLength(1);
    const everything = lifecycle([rule30({})], CONFIGURATION, "logs");
    expect(await violationsOf(rule, everything, { protectedBuckets: ["shop-uploads"] })).toEqual([]);
    // A bucket name not known yet may be the protected bucket.
    expect(await violationsOf(rule, lifecycle([rule30({})]), { protectedBuckets: ["shop-uploads"] })).toHaveLength(1);
  });
});
