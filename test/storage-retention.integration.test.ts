import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildJaegerConfig, SHARDS_PER_DAILY_INDEX } from "../infra/jaeger/config";
import { clusterJaegerSettings } from "../infra/jaeger/settings";
import { indexCleanerArgs } from "../infra/storage/index-cleaner";
import { LOOPBACK } from "../sandbox/process";
import { loopbackJaegerPorts, orderSpan, sendOtlp, startJaeger, type RunningJaeger } from "./support/jaeger";
import { startOpenSearch, type RunningOpenSearch } from "./support/opensearch";
import { pollJson } from "./support/poll";
import { REPO, run, toolBinary } from "./support/project";

// The storage and retention path for real: a single-node OpenSearch (the integ-test distribution
// from Maven Central; Jaeger drives OpenSearch and Elasticsearch through the same client), Jaeger
// running the cluster config relocated to loopback, and Jaeger's own index cleaner run with the
// exact arguments of the retention CronJob.

const PREFIX = "order-tracing";
const RETENTION_DAYS = 3;

let opensearch: RunningOpenSearch;
let jaeger: RunningJaeger;
let ports: Awaited<ReturnType<typeof loopbackJaegerPorts>>;

const today = () => new Date().toISOString().slice(0, 10);

async function indices(pattern: string): Promise<string[]> {
  const response = await fetch(`${opensearch.url}/_cat/indices/${pattern}?h=index&format=json&expand_wildcards=all`);
  const rows = (await response.json()) as Array<{ index: string }>;
  return rows.map((r) => r.index).sort();
}

async function cleaner(retentionDays: number) {
  const args = indexCleanerArgs({ retentionDays, url: opensearch.url, indexPrefix: PREFIX });
  return run(toolBinary("jaeger-es-index-cleaner"), args, { cwd: REPO, timeoutMs: 120_000 });
}

describe("Jaeger on OpenSearch with the retention job", () => {
  beforeAll(async () => {
    toolBinary("jaeger");
    toolBinary("jaeger-es-index-cleaner");
    opensearch = await startOpenSearch();
    ports = await loopbackJaegerPorts();
    const settings = clusterJaegerSettings({
      storage: { engine: "opensearch", url: opensearch.url },
      indexPrefix: PREFIX,
      replicas: 0,
      retentionDays: RETENTION_DAYS,
      basePath: "/",
      memoryLimitBytes: 512 * 2 ** 20,
    });
    // The cluster config, relocated: loopback ports, no metrics listener, no UI file.
    jaeger = await startJaeger(
      buildJaegerConfig({ ...settings, bindAddress: LOOPBACK, ports, metricsPort: undefined, uiConfigFile: undefined }),
      ports.health,
    );
  });

  afterAll(async () => {
    await jaeger?.stop();
    await opensearch?.stop();
  });

  it("writes today's span into a daily index with one shard and the configured replicas, and reads it back", async () => {
    const traceId = "4f52444552545241434531000000a001";
    await sendOtlp(
      ports.otlpHttp,
      orderSpan({
        traceId,
        spanId: "00000000000a0001",
        name: "POST /orders",
        orderId: "ORD-ES-1",
        startMs: Date.now(),
      }),
    );
    const trace = await pollJson<{ data?: Array<{ spans: Array<{ operationName: string }> }> }>(
      `http://${LOOPBACK}:${ports.queryHttp}/api/traces/${traceId}`,
      (status, body) => status === 200 && !!body?.data?.length,
      120_000,
    );
    expect(trace.body!.data![0].spans[0].operationName).toBe("POST /orders");

    const spanIndex = `${PREFIX}-jaeger-span-${today()}`;
    expect(await indices(`${PREFIX}-jaeger-*`)).toEqual(
      expect.arrayContaining([spanIndex, `${PREFIX}-jaeger-service-${today()}`]),
    );
    const settings = (await (
      await fetch(`${opensearch.url}/${spanIndex}/_settings?flat_settings=true`)
    ).json()) as Record<string, { settings: Record<string, string> }>;
    expect(settings[spanIndex].settings["index.number_of_shards"]).toBe(String(SHARDS_PER_DAILY_INDEX));
    expect(settings[spanIndex].settings["index.number_of_replicas"]).toBe("0");
  });

  it("keeps indices younger than the retention, and deletes only Jaeger's indices of this prefix once they are older", async () => {
    // Neighbours the cleaner must never touch: another prefix's Jaeger index and a non-Jaeger index.
    for (const neighbour of [`other-jaeger-span-${today()}`, "order-archive"]) {
      const created = await fetch(`${opensearch.url}/${neighbour}`, { method: "PUT" });
      expect(created.status, neighbour).toBe(200);
    }
    const before = await indices(`${PREFIX}-jaeger-*`);
    expect(before.length).toBeGreaterThanOrEqual(2);

    // The CronJob's run: every index was created today, within the retention: nothing goes.
    const kept = await cleaner(RETENTION_DAYS);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(await indices(`${PREFIX}-jaeger-*`)).toEqual(before);

    // The same run on the day they fall out of retention. The cleaner judges an index by its
    // creation date, which neither Elasticsearch 8 nor OpenSearch 2 lets a client back-date, so
    // "older than the retention" is reached by a zero-day retention: the cutoff becomes the coming
    // midnight, and every index created today is older than it.
    const expired = await cleaner(0);
    expect(expired.code, expired.stdout + expired.stderr).toBe(0);
    expect(await indices(`${PREFIX}-jaeger-*`)).toEqual([]);
    expect(await indices("other-jaeger-*,order-archive")).toEqual(["order-archive", `other-jaeger-span-${today()}`]);
  });
});
