import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** The repository root. */
export const REPO = path.resolve(__dirname, "..", "..");

/** What a copy of the project needs to run pulumi: sources, stack files, and links to installed deps. */
const PROJECT_ENTRIES = [
  "Pulumi.yaml",
  "Pulumi.dev.yaml",
  "Pulumi.prod.yaml",
  "package.json",
  "tsconfig.json",
  "infra",
  "collector",
  "policies",
  "scripts",
  "tools",
];
/**
 * Linked, not copied: installed packages, built tools, and the packages `scripts/setup.sh` builds in
 * place (infra/ also reads the instrumentation bundle's contract from instrumentation/src/env.ts).
 */
const LINKED_ENTRIES = ["node_modules", ".tools", "instrumentation", "examples", "sandbox", "cli", "bin"];

export interface ProjectCopy {
  dir: string;
  /** Environment that keeps pulumi's backend and home inside the copy. */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

/**
 * A throw-away copy of the project with its own file backend, so tests run the real engine
 * without touching the developer's state or rendered manifests.
 */
export function copyProject(): ProjectCopy {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-project-"));
  for (const entry of PROJECT_ENTRIES) cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true });
  for (const entry of LINKED_ENTRIES) symlinkSync(path.join(REPO, entry), path.join(dir, entry));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".pulumi-state", "backend")}`,
    PULUMI_HOME: path.join(dir, ".pulumi-state", "home"),
  };
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit code and output (never throws on exit code). */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the pinned pulumi CLI (scripts/pulumi.sh) in a project copy. */
export function pulumi(project: ProjectCopy, args: string[], timeoutMs?: number): Promise<CommandResult> {
  return run("bash", [path.join(project.dir, "scripts", "pulumi.sh"), ...args], {
    cwd: project.dir,
    env: project.env,
    timeoutMs,
  });
}
