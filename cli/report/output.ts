/**
 * Complete output for every `order-tracing` command, whatever stdout is (a pipe, a file, a
 * terminal, a pod's log).
 *
 * Why: on Linux, Node writes to a pipe at once only while the pipe has room (64 KiB); the rest is
 * queued and written as the reader takes it. A command that calls `process.exit` right after a
 * large write therefore cuts its output at 65,536 bytes and still exits 0. So the entry points
 * (bin/order-tracing.js, the report image's standalone.ts) exit only through `exitWhenFlushed`,
 * and commands print their result through `printOut`, which records a write error instead of
 * losing it (console.log swallows a failed synchronous write, such as a full disk).
 *
 * It lives in cli/report/ because the report image compiles this folder alone; cli/main.ts and
 * cli/local/ use it from here.
 */

/** The part of a writable stream this module uses (process.stdout and stderr, or a stand-in in tests). */
export interface OutputStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** The first error each stream reported while the command ran. */
const writeErrors = new Map<OutputStream, Error>();
const watched = new Set<OutputStream>();

/**
 * Keeps a stream's asynchronous write errors (EPIPE when the reader goes away) as data, so they
 * become the exit code instead of an uncaught exception with a stack trace.
 */
function watch(stream: OutputStream): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on("error", (error) => {
    if (!writeErrors.has(stream)) writeErrors.set(stream, error);
  });
}

/** Writes `text` and a newline to stdout (or `stream`), keeping any error for the exit code. */
export function printOut(text: string, stream: OutputStream = process.stdout): void {
  watch(stream);
  const record = (error?: Error | null) => {
    if (error && !writeErrors.has(stream)) writeErrors.set(stream, error);
  };
  try {
    stream.write(`${text}\n`, record);
  } catch (error) {
    // A synchronous write (a file, a terminal) throws its error here.
    record(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Resolves once everything written to `stream` so far has been handed to the operating system:
 * writes complete in order, so an empty write's callback runs after every earlier write's.
 * Rejects with the stream's write error.
 */
export function flushed(stream: OutputStream): Promise<void> {
  watch(stream);
  return new Promise((resolve, reject) => {
    const settle = (error?: Error | null) => {
      const failure = writeErrors.get(stream) ?? error ?? undefined;
      if (failure) reject(failure);
      else resolve();
    };
    try {
      stream.write("", settle);
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Why a write failed, in words (the errno code names the case for people who know it). */
export function writeFailure(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EPIPE") return "the reader of the output went away before it had read all of it (EPIPE)";
  if (code === "ENOSPC") return "no space left where the output goes (ENOSPC)";
  return code ? `${error.message} (${code})` : error.message;
}

/**
 * Waits until stdout and stderr have taken all output, then ends the process with `code`; an
 * error writing stdout turns a success into exit code 1 (and is said on stderr, if it still
 * works). `label` prefixes that message (the command's name).
 */
export async function exitWhenFlushed(
  code: number,
  label = "order-tracing",
  streams: { stdout: OutputStream; stderr: OutputStream } = process,
  exit: (code: number) => never = (c) => process.exit(c),
): Promise<never> {
  let exitCode = code;
  try {
    await flushed(streams.stdout);
  } catch (error) {
    exitCode = exitCode || 1;
    printOut(`${label}: cannot write the output: ${writeFailure(error as Error)}`, streams.stderr);
  }
  try {
    await flushed(streams.stderr);
  } catch {
    exitCode = exitCode || 1; // nowhere left to say why
  }
  return exit(exitCode);
}
