/**
 * The instrumentation's only voice: one line on stderr per kind of problem, never a throw into the
 * application. A kind warns again only after `clearWarning` (e.g. an export outage that ended).
 */

const PREFIX = "[order-tracing]";
const warned = new Set<string>();

export function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  notice(message);
}

/** A one-off line that is not a problem of its own (e.g. what an outage cost, once it ended). */
export function notice(message: string): void {
  try {
    process.stderr.write(`${PREFIX} ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do, and the app must not notice.
  }
}

export function clearWarning(kind: string): void {
  warned.delete(kind);
}

/** Wraps a hook so that it can never throw into the application; its first failure warns once. */
export function guard<Args extends unknown[]>(name: string, hook: (...args: Args) => void): (...args: Args) => void {
  return (...args: Args) => {
    try {
      hook(...args);
    } catch (error) {
      warnOnce(`hook:${name}`, `the ${name} hook failed and is skipped for this call: ${describe(error)}`);
    }
  };
}

/** A short description of an error, without its stack (stacks may carry request data). */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
