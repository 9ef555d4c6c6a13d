import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO, run, type CommandResult } from "./project";

const CLI = path.join(REPO, "bin", "order-tracing.js");
/** `local up` alone may wait minutes for RabbitMQ on 2 busy cores. */
const COMMAND_TIMEOUT_MS = 420_000;

export interface SandboxCli {
  /** The sandbox's own folder (state file, configs, data, `logs/`). */
  dir: string;
  /** `order-tracing local <args> --dir <dir>`, run as a person runs it. */
  local(...args: string[]): Promise<CommandResult>;
  remove(): void;
}

/** A sandbox in a fresh temporary folder, driven through the CLI (its supervisor is another process). */
export function sandboxCli(name: string): SandboxCli {
  const dir = mkdtempSync(path.join(tmpdir(), `order-tracing-${name}-`));
  return {
    dir,
    local: (...args) =>
      run(process.execPath, [CLI, "local", ...args, "--dir", dir], { cwd: REPO, timeoutMs: COMMAND_TIMEOUT_MS }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
