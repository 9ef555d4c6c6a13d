import { afterEach, describe, expect, it } from "vitest";
import { controlClient, serveControl, type ControlServer } from "./control";
import type { SandboxControl } from "./sandbox";

/** A sandbox stand-in that records what the control API asked of it; `failing` throws instead. */
function recordingControl(calls: string[], failing?: string): SandboxControl {
  const record = (call: string) => async () => {
    if (call === failing) throw new Error("boot failed");
    calls.push(call);
  };
  return {
    stopService: (name) => record(`stopService ${name}`)(),
    startService: (name) => record(`startService ${name}`)(),
    restartBroker: record("restartBroker"),
    stopBroker: record("stopBroker"),
    startBroker: record("startBroker"),
  };
}

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("sandbox control API", () => {
  it("routes every client call to the sandbox and reports each change", async () => {
    const calls: string[] = [];
    let changes = 0;
    server = await serveControl(recordingControl(calls), () => changes++);
    const client = controlClient(server.url);
    await client.stopService("mes");
    await client.startService("mes");
    await client.restartBroker();
    await client.stopBroker();
    await client.startBroker();
    expect(calls).toEqual(["stopService mes", "startService mes", "restartBroker", "stopBroker", "startBroker"]);
    expect(changes).toBe(5);
  });

  it("passes a failure on with its reason, and refuses unknown requests", async () => {
    server = await serveControl(recordingControl([], "startBroker"), () => undefined);
    await expect(controlClient(server.url).startBroker()).rejects.toThrow("/broker/start failed: boot failed");
    const unknown = await fetch(`${server.url}/broker/pause`, { method: "POST" });
    expect(unknown.status).toBe(404);
  });
});
