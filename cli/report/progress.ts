import { formatDuration } from "./duration";
import type { FetchProgress } from "./jaeger-client";

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Quick queries stay silent; only one that takes longer than this reports how far it got. */
const QUIET_MS = 1_000;

/**
 * Progress of a long Jaeger read on stderr (stdout stays the report): redrawn in place on a
 * terminal, a line every few seconds in a log (the CronJob's).
 */
export function progressReporter(
  stream: ProgressStream,
  clock: () => number = Date.now,
): { update(p: FetchProgress): void; done(): void } {
  const startedAt = clock();
  const interactive = stream.isTTY === true;
  const intervalMs = interactive ? 200 : 5_000;
  let lastAt = startedAt;
  let shown = false;
  return {
    update(p) {
      const now = clock();
      if (now - startedAt < QUIET_MS || now - lastAt < intervalMs) return;
      lastAt = now;
      shown = true;
      const line =
        `reading Jaeger: ${p.requests} searches, ${p.traces} traces, ${p.pendingWindows} windows to go ` +
        `(${formatDuration(now - startedAt)}; last service ${p.service})`;
      stream.write(interactive ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    done() {
      if (shown && interactive) stream.write("\r\x1b[2K");
    },
  };
}
