// CPU placement for benchmarks that measure one process under load: the measured process gets a
// core of its own and everything else (load generator, stubs, collector, Jaeger) shares the rest,
// so the measured figures are that process's cost, not the scheduler's share between them. Like a
// pod with a CPU limit of 1 on a node that runs other pods.
import { execFileSync } from "node:child_process";
import * as os from "node:os";

export interface CpuLayout {
  /** taskset CPU list of the measured process, e.g. "0". */
  measured: string;
  /** taskset CPU list of everything else, e.g. "1" or "1-7". */
  others: string;
}

/** The layout on this machine, or undefined with one core (or no taskset): then nothing is pinned. */
export function cpuLayout(): CpuLayout | undefined {
  const cores = os.cpus().length;
  if (cores < 2 || !hasTaskset()) return undefined;
  return { measured: "0", others: cores === 2 ? "1" : `1-${cores - 1}` };
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a running process (and the threads it starts later) to `cpus`. */
export function pinTo(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-c", "-p", cpus, String(pid)], { stdio: "ignore" });
}
