// `npm run bench`: every benchmark in turn, each as its own process (so one's processes and memory
// never weigh on the next), then bench/RESULTS.md regenerated from all result files. Arguments are
// passed to each benchmark: `npm run bench:smoke` is `-- --smoke` with results in a temporary folder.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { benchOptions, writeResultsMarkdown } from "./support/results";

/** In order of what users ask first; `report` is engineer F's benchmark of `order-tracing report`. */
export const BENCHMARKS = ["overhead", "pipeline", "storage", "engine", "report"] as const;

/** What a smoke run passes to the report benchmark, which has its own options. */
const REPORT_SMOKE_ARGS = ["--samples", "1", "--no-jaeger"];

function main(): void {
  const options = benchOptions();
  const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
  const failed: string[] = [];
  for (const name of BENCHMARKS) {
    if (only && !only.includes(name)) continue;
    // The report benchmark takes no --smoke: it gets its own smoke options and the results folder.
    const args =
      name === "report"
        ? [...(options.smoke ? REPORT_SMOKE_ARGS : []), "--results-dir", options.resultsDir]
        : [...options.args.filter((_, i) => !isResultsDirArg(options.args, i)), "--results-dir", options.resultsDir];
    console.error(`\n=== bench ${name} ${args.join(" ")}`);
    const result = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(__dirname, `${name}.ts`), ...args],
      { stdio: "inherit" },
    );
    if (result.status !== 0) failed.push(name);
  }
  writeResultsMarkdown(options.resultsDir);
  if (failed.length > 0) {
    console.error(`benchmarks that failed: ${failed.join(", ")}`);
    process.exit(1);
  }
}

function isResultsDirArg(args: string[], index: number): boolean {
  return args[index] === "--results-dir" || args[index - 1] === "--results-dir";
}

main();
