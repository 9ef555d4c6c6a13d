import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { identify, readState, removeState, stillRunning, writeState, type SandboxState } from "./state";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("sandbox state", () => {
  it("recognises a running process by pid and start time, and not a reused pid", () => {
    const me = identify("test", process.pid);
    expect(me.startTime).toMatch(/^\d+$/);
    expect(stillRunning(me)).toBe(true);
    expect(stillRunning({ ...me, startTime: String(Number(me.startTime) + 1) })).toBe(false);
  });

  it("round-trips through the state file and is gone after removal", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sandbox-state-"));
    dirs.push(dir);
    const state: SandboxState = {
      version: 1,
      status: "ready",
      supervisor: identify("supervisor", process.pid),
      processes: [],
      logDir: path.join(dir, "logs"),
      startedAt: new Date(0).toISOString(),
    };
    writeState(dir, state);
    expect(readState(dir)).toEqual(state);
    removeState(dir);
    expect(readState(dir)).toBeUndefined();
  });
});
