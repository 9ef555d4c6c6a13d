// Measuring what tests and benchmarks run: percentiles, pauses, a process's CPU time and memory
// (from /proc). Shared by test/ and bench/ (bench imports test/support,
// never the other way round).
import { setTimeout as delay } from "node:timers/promises";
import { readFileSync } from "node:fs";

export const median = (values: number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The value at `share` (0..1) of the sorted values: the nearest rank below, NaN for none. */
export function percentile(values: number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

/** Rounds to `digits` decimals: result files hold figures, not float noise. */
export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** A pause between phases (node:timers/promises). */
export const sleep = (ms: number): Promise<void> => delay(ms);

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return ticks / CLOCK_TICKS;
}

/** Linux's USER_HZ: 100 on every mainstream kernel build. */
const CLOCK_TICKS = 100;

/** Memory fields of /proc/<pid>/status (`VmRSS`, `VmHWM`, `RssAnon`…) of a running process, in MiB. */
export function procStatusMiB<Field extends string>(pid: number, fields: readonly Field[]): Record<Field, number> {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return Object.fromEntries(fields.map((field) => [field, kib(field) / 1024])) as Record<Field, number>;
}

/** Peak resident memory (VmHWM) of a running process, in MiB. */
export function peakRssMiB(pid: number): number {
  return round(procStatusMiB(pid, ["VmHWM"]).VmHWM);
}
