import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, run } from "../test/support/project";
import { CATEGORIES } from "./support/cpu-profile";

// Each benchmark once in its smoke mode (tiny durations, results in a temporary folder): proof that
// it still runs end to end and writes a well-formed result file. Nothing here is about time.
const smokeDir = mkdtempSync(path.join(tmpdir(), "order-tracing-bench-smoke-"));
const resultsDir = path.join(smokeDir, "results"); // RESULTS.md goes beside it, in smokeDir
afterAll(() => rmSync(smokeDir, { recursive: true, force: true }));

// The overhead benchmark runs Shop on Node.js 20, 22 and 24 with five variants each, the upstream
// anchor among them (installed with npm ci on first use, as are the 22 and 24 runtimes).
const TIMEOUT_MS: Record<string, number> = { overhead: 540_000 };
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
  tables?: { title: string; header: string[]; rows: string[][] }[];
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
        { cwd: REPO, timeoutMs: TIMEOUT_MS[name] ?? 240_000 },
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
      if (name === "overhead") {
        // Every runtime ran every variant, the anchor included, and the comparison table has a row each.
        const samples = written.samples as Array<{ node: string; variant: string; requests: number }>;
        const runtimes = [...new Set(samples.map((s) => s.node))];
        expect(runtimes.map((v) => v.split(".")[0]).sort()).toEqual(["v20", "v22", "v24"]);
        for (const node of runtimes) {
          const anchor = samples.filter((s) => s.node === node && s.variant === "anchor");
          expect(anchor.length, `anchor samples on ${node}`).toBeGreaterThan(0);
          expect(anchor.every((s) => s.requests > 0)).toBe(true);
        }
        for (const table of written.tables ?? []) {
          expect(table.rows.map((row) => row[0]).sort()).toEqual([...runtimes].sort());
        }
        expect(written.tables?.length).toBe(2);
      }
      const markdown = readFileSync(path.join(resultsDir, "..", "RESULTS.md"), "utf8");
      expect(markdown).toContain(`## ${name}: ${written.benchmark}`);
    });
  }

  it("profile attributes the CPU of an instrumented request to every part", async () => {
    const result = await run(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(REPO, "bench", "profile.ts"), "--smoke"],
      { cwd: REPO, timeoutMs: 240_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const rows = new Map(
      result.stdout
        .split("\n")
        .map((line) => /^\| (.+?) \| ([\d.]+) \| ([\d.]+)% \|$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1], Number(match[2])]),
    );
    for (const category of CATEGORIES) expect(rows.has(category), category).toBe(true);
    expect(rows.get("all")).toBeGreaterThan(0);
    // Tracing's own parts got samples: the profile was attributed through the source map.
    expect(rows.get("instrumentation wrapping")).toBeGreaterThan(0);
    expect(rows.get("span processing (SDK)")).toBeGreaterThan(0);
  });
});
