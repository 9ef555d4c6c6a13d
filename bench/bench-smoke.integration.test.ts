import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, run } from "../test/support/project";

// Each benchmark once in its smoke mode (tiny durations, results in a temporary folder): proof that
// it still runs end to end and writes a well-formed result file. Nothing here is about time.
const smokeDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-smoke-"));
const resultsDir = path.join(smokeDir, "results"); // RESULTS.md goes beside it, in smokeDir
afterAll(() => rmSync(smokeDir, { recursive: true, force: true }));

const SMOKE_ARGS: Record<string, string[]> = {
  overhead: ["--smoke"],
  pipeline: ["--smoke"],
  storage: ["--smoke"],
  engine: ["--smoke"],
  report: ["--samples", "1", "--no-jaeger"],
};

interface ResultFile {
  benchmark: string;
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string };
  versions: Record<string, string>;
  samples: unknown;
  medians: Record<string, unknown>;
  smoke?: boolean;
  headline?: [string, string][];
}

describe("benchmarks (smoke mode)", () => {
  for (const [name, args] of Object.entries(SMOKE_ARGS)) {
    it(`${name} runs and writes results/${name}.json`, async () => {
      const result = await run(
        process.execPath,
        [
          "-r",
          "ts-node/register/transpile-only",
          path.join(REPO, "bench", `${name}.ts`),
          ...args,
          "--results-dir",
          resultsDir,
        ],
        { cwd: REPO, timeoutMs: 240_000 },
      );
      expect(result.code, result.stderr).toBe(0);
      const file = path.join(resultsDir, `${name}.json`);
      expect(existsSync(file)).toBe(true);
      const written = JSON.parse(readFileSync(file, "utf8")) as ResultFile;
      expect(written.benchmark).toMatch(/\w/);
      expect(Number.isNaN(Date.parse(written.date))).toBe(false);
      expect(written.command).toContain(`bench:${name}`);
      expect(written.machine.cores).toBeGreaterThan(0);
      expect(written.machine.node).toBe(process.version);
      expect(Object.keys(written.medians).length).toBeGreaterThan(0);
      if (name !== "report") {
        expect(written.smoke).toBe(true);
        expect(Array.isArray(written.samples) && written.samples.length > 0).toBe(true);
        expect(written.headline?.length).toBeGreaterThan(0);
        for (const [label, value] of written.headline ?? []) expect(`${label}: ${value}`).not.toMatch(/NaN|undefined/);
      }
      const markdown = readFileSync(path.join(resultsDir, "..", "RESULTS.md"), "utf8");
      expect(markdown).toContain(`## ${name}: ${written.benchmark}`);
    });
  }
});
