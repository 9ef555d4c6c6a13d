import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { toolVersion } from "../../infra/tool-versions";

const REPO = path.resolve(__dirname, "..", "..");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { pull_request: { paths: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

// The CI workflow that runs the pack on pull requests (no GitHub runner here, so its contract is
// checked as data: what it triggers on, what it runs, and that it uses the pinned CLI).
describe(".github/workflows/preview.yml", () => {
  const workflow = yaml.load(readFileSync(path.join(REPO, ".github/workflows/preview.yml"), "utf8")) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  it("runs on pull requests that touch the infrastructure", () => {
    for (const folder of [
      "infra/**",
      "contract/**",
      "policies/**",
      "Pulumi*.yaml",
      "collector/**",
      "instrumentation/**",
      "tools/**",
    ]) {
      expect(workflow.on.pull_request.paths).toContain(folder);
    }
  });

  it("sets up as README's first command does, then runs every test before the preview", () => {
    const runs = steps.map((s) => s.run ?? s.uses ?? "");
    const setup = runs.indexOf("bash scripts/setup.sh");
    const tests = runs.indexOf("npm test");
    const preview = runs.findIndex((r) => r.startsWith("pulumi/actions@"));
    expect(setup).toBeGreaterThan(-1);
    expect(tests).toBeGreaterThan(setup);
    expect(preview).toBeGreaterThan(tests);
  });

  it("previews the dev stack with the pack and comments on the pull request, with the pinned CLI", () => {
    const preview = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(preview?.with).toMatchObject({
      command: "preview",
      "stack-name": "dev",
      policyPacks: "policies",
      "comment-on-pr": true,
      // pulumi/actions downloads a CLI unless the one on PATH satisfies this version.
      "pulumi-version": toolVersion("PULUMI_VERSION"),
    });
    expect(steps.some((s) => s.run?.includes(".tools/bin") && s.run.includes("GITHUB_PATH"))).toBe(true);
    expect(workflow.permissions["pull-requests"]).toBe("write");
  });
});
