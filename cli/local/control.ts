/**
 * The supervisor's control API on loopback: how `local scenario` (another process) stops and
 * starts a service or restarts (or stops, then starts) the broker of the sandbox that `local up` started.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "../../sandbox/process";
import { isSandboxService } from "./endpoints";
import type { SandboxControl } from "./sandbox";

const ROUTE = /^\/(?:services\/(shop|crm|mes)\/(stop|start)|broker\/(restart|stop|start))$/;

type BrokerAction = "restart" | "stop" | "start";
const BROKER_ACTIONS: Record<BrokerAction, (control: SandboxControl) => Promise<void>> = {
  restart: (control) => control.restartBroker(),
  stop: (control) => control.stopBroker(),
  start: (control) => control.startBroker(),
};

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the control API; `onChange` runs after every change (the supervisor rewrites its state). */
export function serveControl(control: SandboxControl, onChange: () => void): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const match = req.method === "POST" ? ROUTE.exec(req.url ?? "") : null;
    if (!match) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"unknown control request"}');
      return;
    }
    const [, service, serviceAction, brokerAction] = match;
    const run =
      service && isSandboxService(service)
        ? serviceAction === "stop"
          ? control.stopService(service)
          : control.startService(service)
        : BROKER_ACTIONS[brokerAction as BrokerAction](control);
    run.then(
      () => {
        onChange();
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      },
      (error: unknown) => {
        onChange();
        const message = error instanceof Error ? error.message : String(error);
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: message }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${LOOPBACK}:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The control API seen from another process. */
export function controlClient(url: string): SandboxControl {
  const post = async (route: string): Promise<void> => {
    const response = await fetch(`${url}${route}`, { method: "POST", signal: AbortSignal.timeout(300_000) });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      throw new Error(`sandbox control ${route} failed: ${body.error ?? `HTTP ${response.status}`}`);
    }
  };
  return {
    stopService: (name) => post(`/services/${name}/stop`),
    startService: (name) => post(`/services/${name}/start`),
    restartBroker: () => post("/broker/restart"),
    stopBroker: () => post("/broker/stop"),
    startBroker: () => post("/broker/start"),
  };
}
