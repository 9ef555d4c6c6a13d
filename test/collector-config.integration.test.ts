import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildBaselineCollectorConfig,
  buildCollectorConfig,
  type CollectorConfigDocument,
} from "../infra/collector/config";
import { clusterLocation, collectorTiers, localCollectorSettings } from "../infra/collector/settings";
import type { CollectorConfig } from "../infra/config/collector";
import { stackConfig, validateCollectorConfig, writeCollectorConfig } from "./support/collector";

// Every collector config the stacks generate passes `validate` of our built distribution
// (.tools/bin/otelcol-ordertracing): dev and prod, each in both layouts, every tier, plus the local
// (sandbox) variant and the benchmarks' baseline.

/** The stack's collector in the given layout (a single gateway has one replica). */
function inLayout(collector: CollectorConfig, layout: CollectorConfig["layout"]): CollectorConfig {
  return layout === collector.layout ? collector : { ...collector, layout, replicas: layout === "single" ? 1 : 2 };
}

const scratch = mkdtempSync(path.join(tmpdir(), "order-tracing-collector-validate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function expectValid(document: CollectorConfigDocument, name: string): Promise<void> {
  const file = writeCollectorConfig(document, scratch, name);
  const result = await validateCollectorConfig(file);
  expect(result.code, `${name}: ${result.stdout}${result.stderr}`).toBe(0);
}

describe("generated collector configs pass `otelcol-ordertracing validate`", () => {
  for (const stack of ["dev", "prod"]) {
    for (const layout of ["single", "two-tier"] as const) {
      it(`${stack} stack, ${layout} layout`, async () => {
        const config = stackConfig(stack);
        const tiers = collectorTiers(inLayout(config.collector, layout), config.namespace);
        expect(tiers.map((t) => t.role)).toEqual(layout === "single" ? ["gateway"] : ["router", "sampler"]);
        for (const tier of tiers)
          await expectValid(buildCollectorConfig(tier.settings), `${stack}-${layout}-${tier.role}`);
      });
    }
  }

  it("the dev stack's pipeline on loopback (the sandbox), with and without a persistent queue", async () => {
    const { collector } = stackConfig("dev");
    const local = { ports: { otlpGrpc: 14317, otlpHttp: 14318, health: 13134, metrics: 18888 } };
    await expectValid(
      buildCollectorConfig(localCollectorSettings(collector, { ...local, exporterEndpoint: "127.0.0.1:24317" })),
      "local",
    );
    await expectValid(
      buildCollectorConfig(
        localCollectorSettings(collector, {
          ...local,
          exporterEndpoint: "127.0.0.1:24317",
          queueDirectory: path.join(scratch, "queue"),
        }),
      ),
      "local-persistent-queue",
    );
  });

  it("the benchmarks' baseline", async () => {
    await expectValid(buildBaselineCollectorConfig(clusterLocation("tracing", false)), "baseline");
  });

  it("and validate does refuse a broken config, so passing means something", async () => {
    const { collector, namespace } = stackConfig("dev");
    const [tier] = collectorTiers(collector, namespace);
    const document = buildCollectorConfig(tier.settings);
    const broken: CollectorConfigDocument = {
      ...document,
      processors: { ...document.processors, "redaction/pii": { allowed_keyz: ["service.name"] } },
    };
    const file = writeCollectorConfig(broken, scratch, "broken");
    const result = await validateCollectorConfig(file);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/allowed_keyz/);
  });
});
