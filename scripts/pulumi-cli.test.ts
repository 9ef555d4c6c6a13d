import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toolVersion } from "../infra/tool-versions";

const SCRIPT = path.join(__dirname, "pulumi-cli.sh");
const folders: string[] = [];

/** A folder holding a stand-in `pulumi` that reports VERSION, as `pulumi version` prints it. */
function cliReporting(version: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-pulumi-cli-"));
  folders.push(dir);
  writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\n[ "$1" = version ] && echo "${version}"\n`);
  chmodSync(path.join(dir, "pulumi"), 0o755);
  return dir;
}

/** `scripts/pulumi-cli.sh choose` with PATH = the given folders, then the system's basics. */
function choose(pathDirs: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync("bash", [SCRIPT, "choose"], {
    env: { PATH: [...pathDirs, "/usr/bin", "/bin"].join(":"), ...env },
    encoding: "utf8",
  }).trim();
}

describe("scripts/pulumi-cli.sh: which pulumi CLI `npm run up` runs", () => {
  afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const min = toolVersion("PULUMI_CLI_MIN_VERSION");
  const below = toolVersion("PULUMI_CLI_BELOW_VERSION");

  it("pins the supported range from the SDK's version up to the next major", () => {
    expect(min).toBe(toolVersion("PULUMI_VERSION"));
    expect(below).toBe(`${Number(min.split(".")[0]) + 1}.0.0`);
  });

  it.each([min, "3.248.1", "3.300.0", "3.999.99"])("uses a CLI on PATH reporting v%s", (version) => {
    const dir = cliReporting(`v${version}`);
    expect(choose([dir])).toBe(`path ${path.join(dir, "pulumi")} ${version}`);
  });

  it.each(["3.100.0", "3.247.9", below, "4.1.0"])("builds the pinned CLI instead of v%s", (version) => {
    const dir = cliReporting(`v${version}`);
    expect(choose([dir])).toBe(
      `build ${path.join(dir, "pulumi")} is v${version}, outside the supported range >=${min} <${below}`,
    );
  });

  it("builds when no CLI is on PATH, or the one there reports no version", () => {
    expect(choose([])).toBe("build no pulumi CLI on PATH");
    const dir = cliReporting("not a version");
    expect(choose([dir])).toBe(`build ${path.join(dir, "pulumi")} did not report a version`);
  });

  it("never takes the project's own .tools/bin for a CLI on PATH", () => {
    const own = path.resolve(__dirname, "..", ".tools", "bin");
    expect(choose([own])).toBe("build no pulumi CLI on PATH");
  });

  it("builds when ORDER_TRACING_BUILD_PULUMI=1, whatever is on PATH", () => {
    expect(choose([cliReporting(`v${min}`)], { ORDER_TRACING_BUILD_PULUMI: "1" })).toBe(
      "build ORDER_TRACING_BUILD_PULUMI=1",
    );
  });
});
