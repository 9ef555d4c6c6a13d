import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO, TOOLS_BIN } from "../../cli/local/paths";
import { startProcess, waitForHttp, type ManagedProcess, type StartOptions } from "../../sandbox/process";

/** The repository root and where tools/build.sh links the Go-built tools (cli/local/paths.ts). */
export { REPO, TOOLS_BIN };

/** The Go-built tools the tests and benchmarks run. */
export type ToolName = "jaeger" | "jaeger-es-index-cleaner" | "otelcol-ordertracing" | "telemetrygen";

/** A Go tool that tools/build.sh builds into .tools/bin; built (or reused from its cache) when missing. */
export function toolBinary(tool: ToolName): string {
  const binary = path.join(TOOLS_BIN, tool);
  if (!existsSync(binary)) {
    execFileSync("bash", [path.join(REPO, "tools", "build.sh"), tool], { stdio: "inherit", timeout: 3_600_000 });
  }
  return binary;
}

/** What a copy of the project needs to run pulumi: sources, stack files, and links to installed deps. */
const PROJECT_ENTRIES = [
  "Pulumi.yaml",
  "Pulumi.dev.yaml",
  "Pulumi.prod.yaml",
  "package.json",
  "tsconfig.json",
  "infra",
  "contract",
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

/** Where a started process may run: a taskset CPU list (bench/support/cpu.ts), or anywhere. */
export interface Placement {
  cpus?: string;
}

/**
 * The command and arguments that start `command` on `cpus` (taskset execs it, so the pid is the
 * program's), or as it is. Pinned from the start, a Go program sizes GOMAXPROCS to its CPUs, as it
 * does in a pod under a CPU limit.
 */
export function placed(command: string, args: string[], { cpus }: Placement): { command: string; args: string[] } {
  return cpus === undefined ? { command, args } : { command: "taskset", args: ["-c", cpus, command, ...args] };
}

/** A process a test or benchmark started, and how to stop it (and remove what it left). */
export interface StartedProcess {
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts a long-running tool and waits until `readyUrl` answers 2xx; stops it (and runs `cleanup`)
 * if it never does. The one starter behind the Jaeger and collector helpers of tests and benchmarks.
 */
export async function startUntilReady(
  options: StartOptions & { readyUrl: string; timeoutMs: number; cleanup?: () => void },
): Promise<StartedProcess> {
  const started = startProcess(options);
  const stop = async (): Promise<void> => {
    await started.stop();
    options.cleanup?.();
  };
  try {
    await waitForHttp(options.readyUrl, { process: started, timeoutMs: options.timeoutMs });
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: started, stop };
}
