import { setTimeout as delay } from "node:timers/promises";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pollUntil } from "../test/support/poll";
import { freePort, freePorts, isAlive, LOOPBACK, startProcess, waitForHttp, waitForPort } from "./process";

const logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-process-test-"));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

// Generous: these waits end as soon as the check holds, and under CI's parallel load a child
// (ts-node above all) can take seconds to start.
const WAIT_MS = 20_000;
const waitUntil = (check: () => boolean) => pollUntil(check, WAIT_MS, 50);

/** The pid a child wrote to a file, once it is there. */
async function pidWrittenTo(file: string): Promise<number> {
  const read = () => {
    try {
      return readFileSync(file, "utf8").trim();
    } catch {
      return "";
    }
  };
  await waitUntil(() => read() !== "");
  return Number(read());
}

describe("local process helpers", () => {
  it("hands out distinct free loopback ports", async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], LOOPBACK, resolve));
    await waitForPort(ports[0], { timeoutMs: 2_000 });
    server.close();
  });

  it("never hands out the same port twice, though the kernel offers ports again", async () => {
    // The kernel picks a bind to port 0 at random: of 2,000 plain picks here, 289 repeated an
    // earlier one. A repeat is a port that its first taker may be about to bind.
    const ports = await freePorts(2_000);
    expect(new Set(ports).size).toBe(ports.length);
    const more = await Promise.all([freePort(), freePort(), freePort()]);
    expect(more.filter((port) => ports.includes(port))).toEqual([]);
  });

  it(
    "logs to a file and stops the whole process group, grandchildren included",
    async () => {
      const pidFile = path.join(logDir, "grandchild.pid");
      const parent = startProcess({
        name: "group",
        command: "bash",
        args: ["-c", `echo started; sleep 300 & echo $! > ${pidFile}; wait`],
        logDir,
      });
      const grandchild = await pidWrittenTo(pidFile);
      expect(isAlive(grandchild)).toBe(true);
      await parent.stop();
      await waitUntil(() => !isAlive(grandchild));
      expect(isAlive(grandchild)).toBe(false);
      expect(parent.running()).toBe(false);
      expect(readFileSync(parent.logFile, "utf8")).toContain("started");
    },
    2 * WAIT_MS,
  );

  it(
    "takes its children along when the process that started them is ended by a signal",
    async () => {
      const pidFile = path.join(logDir, "orphan-candidate.pid");
      const script = path.join(logDir, "starter.ts");
      writeFileSync(
        script,
        `import { startProcess } from ${JSON.stringify(path.join(__dirname, "process"))};\n` +
          `startProcess({ name: "sleeper", command: "bash", args: ["-c", "echo $$ > ${pidFile}; exec sleep 300"], logDir: ${JSON.stringify(logDir)} });\n` +
          "setInterval(() => undefined, 1000);\n",
      );
      const starter = startProcess({
        name: "starter",
        command: process.execPath,
        args: ["-r", "ts-node/register/transpile-only", script],
        cwd: path.resolve(__dirname, ".."),
        logDir,
      });
      const sleeper = await pidWrittenTo(pidFile);
      expect(isAlive(sleeper)).toBe(true);
      process.kill(starter.pid, "SIGTERM");
      expect((await starter.exited).signal).toBe("SIGTERM");
      await waitUntil(() => !isAlive(sleeper));
      expect(isAlive(sleeper)).toBe(false);
    },
    2 * WAIT_MS,
  );

  it("kills a child that ignores SIGTERM once the grace period is over", async () => {
    const stubborn = startProcess({
      name: "stubborn",
      command: "bash",
      args: ["-c", "trap '' TERM; sleep 300 & wait; sleep 300"],
      logDir,
    });
    await delay(200);
    const status = await stubborn.stop(500);
    expect(status.signal).toBe("SIGKILL");
  });

  it("fails a readiness wait at once, naming the log, when the process exits", async () => {
    const [port] = await freePorts(1);
    const failing = startProcess({
      name: "failing",
      command: "bash",
      args: ["-c", "echo cannot start >&2; exit 3"],
      logDir,
    });
    await expect(waitForHttp(`http://${LOOPBACK}:${port}/`, { process: failing, timeoutMs: 20_000 })).rejects.toThrow(
      /failing exited while waiting for .*failing\.log\n--- failing's last log lines ---\ncannot start$/,
    );
    expect((await failing.exited).code).toBe(3);
  });
});
