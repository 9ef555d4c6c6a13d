import { setTimeout as delay } from "node:timers/promises";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { exitWhenFlushed, type OutputStream, printOut } from "./output";

/** A stream whose writes complete (or fail) when the test says, like a pipe whose reader is slow. */
class SlowStream implements OutputStream {
  written = "";
  private pending: ((error?: Error | null) => void)[] = [];
  private errorListeners: ((error: Error) => void)[] = [];
  write(chunk: string, callback?: (error?: Error | null) => void): boolean {
    this.written += chunk;
    if (callback) this.pending.push(callback);
    return false;
  }
  on(_event: "error", listener: (error: Error) => void): unknown {
    this.errorListeners.push(listener);
    return this;
  }
  drain(error?: Error): void {
    if (error) for (const listener of this.errorListeners) listener(error);
    for (const callback of this.pending.splice(0)) callback(error ?? null);
  }
}

const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE" });

describe("exitWhenFlushed", () => {
  it("exits only once stdout and stderr have taken everything written", async () => {
    const stdout = new SlowStream();
    const stderr = new SlowStream();
    printOut("a large report", stdout);
    let exitCode: number | undefined;
    const exited = exitWhenFlushed(0, "order-tracing", { stdout, stderr }, ((code: number) => {
      exitCode = code;
    }) as (code: number) => never);
    await delay(20);
    expect(exitCode).toBeUndefined();
    stdout.drain();
    await delay(0);
    expect(exitCode).toBeUndefined();
    stderr.drain();
    await exited;
    expect(exitCode).toBe(0);
    expect(stdout.written).toBe("a large report\n");
  });

  it("turns an error writing stdout into exit code 1 and says why on stderr", async () => {
    const stdout = new SlowStream();
    const stderr = new SlowStream();
    printOut("{}", stdout);
    let exitCode: number | undefined;
    const exited = exitWhenFlushed(0, "order-tracing report", { stdout, stderr }, ((code: number) => {
      exitCode = code;
    }) as (code: number) => never);
    stdout.drain(epipe());
    await delay(0);
    stderr.drain();
    await exited;
    expect(exitCode).toBe(1);
    expect(stderr.written).toBe(
      "order-tracing report: cannot write the output: the reader of the output went away before it had read all of it (EPIPE)\n",
    );
  });

  it("keeps a failing command's own exit code", async () => {
    const stdout = new SlowStream();
    const stderr = new SlowStream();
    let exitCode: number | undefined;
    const exited = exitWhenFlushed(2, "order-tracing", { stdout, stderr }, ((code: number) => {
      exitCode = code;
    }) as (code: number) => never);
    stdout.drain(epipe());
    await delay(0);
    stderr.drain();
    await exited;
    expect(exitCode).toBe(2);
  });

  it("records a synchronous write error (a full disk) that console.log would swallow", async () => {
    const stdout: OutputStream = {
      write: () => {
        throw Object.assign(new Error("no space"), { code: "ENOSPC" });
      },
      on: () => undefined,
    };
    const stderr = new SlowStream();
    printOut("report", stdout);
    let exitCode: number | undefined;
    const exited = exitWhenFlushed(0, "order-tracing", { stdout, stderr }, ((code: number) => {
      exitCode = code;
    }) as (code: number) => never);
    await delay(0);
    stderr.drain();
    await exited;
    expect(exitCode).toBe(1);
    expect(stderr.written).toContain("no space left where the output goes (ENOSPC)");
  });
});

/** A real Node.js process that prints `bytes` through printOut and exits through exitWhenFlushed. */
function printer(bytes: number) {
  const script = `
    const { printOut, exitWhenFlushed } = require(${JSON.stringify(path.join(__dirname, "output.ts"))});
    printOut("x".repeat(${bytes}));
    exitWhenFlushed(0);`;
  return spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: path.join(__dirname, "..", ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe("a process that prints through output.ts", () => {
  it("hands a pipe every byte, even when the reader starts late", async () => {
    const child = printer(1_000_000);
    child.stdout.pause();
    // The process cannot have exited before its 1 MB passed the 64 KiB pipe: read only after a while.
    await delay(1_500);
    let received = 0;
    child.stdout.on("data", (chunk: Buffer) => (received += chunk.length));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(received).toBe(1_000_001);
  }, 30_000);

  it("exits non-zero when the reader closes the pipe before the end", async () => {
    const child = printer(1_000_000);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("cannot write the output: the reader of the output went away");
  }, 30_000);
});
