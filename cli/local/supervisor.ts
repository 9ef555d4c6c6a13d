/**
 * The process `local up` leaves running: it owns every sandbox process (they die with it), keeps
 * the state file current, serves the control API, and on SIGTERM (`local down`) stops everything.
 */
import * as path from "node:path";
import { serveControl } from "./control";
import type { MesVariant } from "./endpoints";
import { startSandbox } from "./sandbox";
import { identify, writeState, type SandboxState } from "./state";

export async function supervise(dir: string, mes: MesVariant = "nodejs"): Promise<number> {
  const base: SandboxState = {
    version: 1,
    status: "starting",
    mes,
    supervisor: identify("supervisor", process.pid),
    processes: [],
    logDir: path.join(dir, "logs"),
    startedAt: new Date().toISOString(),
  };
  let stopRequested = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (): void => {
    stopRequested = true;
    wake();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  let sandbox;
  try {
    sandbox = await startSandbox({ dir, mes });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`sandbox start failed: ${message}`);
    writeState(dir, { ...base, status: "failed", error: message });
    return 1;
  }
  const running = sandbox;
  const record = (): void =>
    writeState(dir, {
      ...base,
      status: "ready",
      control: control.url,
      endpoints: running.endpoints,
      processes: running.processes(),
    });
  const control = await serveControl(running, record);
  record();
  console.log(`sandbox ready: ${JSON.stringify(running.endpoints)}`);

  if (!stopRequested) await stopped;
  console.log("stopping the sandbox");
  await control.close();
  await running.stop();
  console.log("sandbox stopped");
  return 0;
}
