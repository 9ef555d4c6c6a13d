// Engine time: wall time of `pulumi preview` of the dev stack (the pinned CLI, language host and
// kubernetes provider, local file backend), with and without the policy pack, on a throw-away copy of
// the project (test/support/project.ts) so no state of the developer's is touched. The first preview
// of a copy also starts cold caches: it is recorded, and the medians leave it out.
// Writes bench/results/engine.json. Run: npm run bench:engine [-- --smoke] [-- --results-dir DIR]
import { copyProject, pulumi } from "../test/support/project";
import { median, round } from "../test/support/measure";
import { benchOptions, commandOf, machineAtStart, pinnedVersions, writeResult, type Headline } from "./support/results";

const options = benchOptions();
const SAMPLES = options.smoke ? 1 : 3;
const VARIANTS = {
  preview: ["preview", "--stack", "dev", "--non-interactive"],
  "preview with the policy pack": ["preview", "--stack", "dev", "--policy-pack", "policies", "--non-interactive"],
} as const;
type Variant = keyof typeof VARIANTS;
/** Smoke runs the plain preview only: the pack's preview doubles the time and CI previews with it anyway. */
const MEASURED: Variant[] = options.smoke ? ["preview"] : ["preview", "preview with the policy pack"];

interface Sample {
  variant: Variant;
  run: number;
  seconds: number;
}

async function main(): Promise<void> {
  const machine = machineAtStart();
  const project = copyProject();
  const samples: Sample[] = [];
  try {
    const init = await pulumi(project, ["stack", "init", "dev", "--non-interactive"]);
    if (init.code !== 0) throw new Error(`pulumi stack init failed:\n${init.stdout}${init.stderr}`);
    // Warm-up (not a sample unless smoke): plugin and module caches, the TypeScript compile.
    for (let run = options.smoke ? 0 : -1; run < SAMPLES; run++) {
      for (const variant of MEASURED) {
        const started = process.hrtime.bigint();
        const result = await pulumi(project, [...VARIANTS[variant]]);
        const seconds = round(Number(process.hrtime.bigint() - started) / 1e9, 2);
        if (result.code !== 0) throw new Error(`pulumi ${variant} failed:\n${result.stdout}${result.stderr}`);
        console.error(`${variant}${run < 0 ? " (warm-up)" : ""}: ${seconds} s`);
        if (run >= 0) samples.push({ variant, run, seconds });
      }
    }
  } finally {
    project.remove();
  }
  const medians = Object.fromEntries(
    MEASURED.map((variant) => [variant, median(samples.filter((s) => s.variant === variant).map((s) => s.seconds))]),
  );
  const headline: Headline[] = Object.entries(medians).map(([variant, seconds]) => [
    `pulumi ${variant} (dev stack), wall time`,
    `${seconds} s (median of ${SAMPLES})`,
  ]);

  writeResult("engine", options, {
    benchmark: "Engine time: pulumi preview of the dev stack",
    date: new Date().toISOString(),
    machine,
    versions: pinnedVersions("PULUMI_VERSION"),
    command: commandOf("bench:engine", options),
    samples,
    medians,
    headline,
    notes: [
      "scripts/pulumi.sh on a copy of the project (local file backend, render mode: no cluster), `stack init dev` once",
      options.smoke ? "smoke: one plain preview, no warm-up" : "one warm-up preview of each kind is not counted",
      "`order-tracing report` over 10,000 orders is the report benchmark (bench/report.ts, report.json)",
    ],
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
