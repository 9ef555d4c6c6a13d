import { existsSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyProject, pulumi, run, type ProjectCopy } from "./support/project";

// The real engine, language host, kubernetes provider and policy pack, on a copy of the project.
describe("pulumi engine on the dev stack", () => {
  let project: ProjectCopy;

  beforeAll(async () => {
    project = copyProject();
    const init = await pulumi(project, ["stack", "init", "dev", "--non-interactive"]);
    expect(init.code, init.stderr).toBe(0);
  });

  afterAll(() => project?.remove());

  it("previews the dev stack with the policy pack, and fails if the engine, host, provider or pack fails", async () => {
    const preview = await pulumi(project, [
      "preview",
      "--stack",
      "dev",
      "--policy-pack",
      "policies",
      "--non-interactive",
    ]);
    const output = preview.stdout + preview.stderr;
    expect(preview.code, output).toBe(0);
    expect(output).toMatch(/Policies:[\s\S]*order-tracing@v/);
    expect(output).toMatch(/\+ \d+ to create/);
    expect(output).not.toMatch(/error:/i);
  });

  it("`npm run up` renders every manifest, and a re-run restores manifests removed in between", async () => {
    const renderDir = path.join(project.dir, "rendered", "dev", "1-manifest");
    const first = await run("bash", ["scripts/up.sh", "dev"], { cwd: project.dir, env: project.env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const rendered = readdirSync(renderDir).sort();
    expect(rendered.length).toBeGreaterThan(0);
    expect(first.stdout).toContain(`${rendered.length} manifests rendered to`);

    // pulumi-kubernetes issue 4121: an unchanged resource is not rendered again on a later run.
    rmSync(path.join(project.dir, "rendered"), { recursive: true });
    const again = await run("bash", ["scripts/up.sh", "dev"], { cwd: project.dir, env: project.env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(existsSync(renderDir)).toBe(true);
    expect(readdirSync(renderDir).sort()).toEqual(rendered);

    const unchanged = await run("bash", ["scripts/up.sh", "dev"], { cwd: project.dir, env: project.env });
    expect(unchanged.code, unchanged.stdout + unchanged.stderr).toBe(0);
    expect(unchanged.stdout).not.toContain("missing from the render folder");
    expect(readdirSync(renderDir).sort()).toEqual(rendered);
  });
});
