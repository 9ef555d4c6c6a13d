/**
 * The sandbox's state file: what `local up` started, so `local down` stops exactly those processes
 * and nothing else, and `local scenario` finds the endpoints and the supervisor's control address.
 *
 * A process is identified by its pid and its start time (field 22 of /proc/<pid>/stat), so a pid
 * that the kernel has since given to another program is never signalled.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { MesVariant, SandboxEndpoints } from "./endpoints";

export interface ProcessIdentity {
  name: string;
  pid: number;
  /** Start time in clock ticks since boot; absent where /proc cannot be read. */
  startTime?: string;
}

export interface SandboxState {
  version: 1;
  status: "starting" | "ready" | "failed";
  /** Which MES runs (absent in state files of older sandboxes: the Node.js one). */
  mes?: MesVariant;
  /** Why the start failed (status `failed`). */
  error?: string;
  supervisor: ProcessIdentity;
  /** `http://127.0.0.1:<port>` of the supervisor's control API (status `ready`). */
  control?: string;
  endpoints?: SandboxEndpoints;
  /** Every process group leader the supervisor started and still runs. */
  processes: ProcessIdentity[];
  logDir: string;
  startedAt: string;
}

export const STATE_FILE = "state.json";

export function statePath(dir: string): string {
  return path.join(dir, STATE_FILE);
}

export function readState(dir: string): SandboxState | undefined {
  const file = statePath(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as SandboxState;
}

/** Writes the state atomically (a reader never sees half a file). */
export function writeState(dir: string, state: SandboxState): void {
  mkdirSync(dir, { recursive: true });
  const file = statePath(dir);
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, file);
}

export function removeState(dir: string): void {
  rmSync(statePath(dir), { force: true });
}

/** The identity of a running process, read now. */
export function identify(name: string, pid: number): ProcessIdentity {
  return { name, pid, startTime: startTimeOf(pid) };
}

/** Whether the process recorded as `identity` is still the one running under its pid. */
export function stillRunning(identity: ProcessIdentity): boolean {
  const now = startTimeOf(identity.pid);
  if (now === undefined) return false;
  return identity.startTime === undefined || identity.startTime === now;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}
