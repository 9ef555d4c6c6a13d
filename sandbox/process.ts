import { setTimeout as delay } from "node:timers/promises";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";

/**
 * Local processes for tests and the sandbox: free loopback ports, children with their output in
 * log files, readiness waits, and a stop that never leaves an orphan behind.
 *
 * Every child is started as the leader of its own process group, so stopping it signals the whole
 * group (a shell script and what it started, RabbitMQ's Erlang VM, …). Children started for a
 * test are also killed when the Node.js process that started them exits, whatever the reason.
 */

/** Everything we start listens here, never on a public interface. */
export const LOOPBACK = "127.0.0.1";

const DEFAULT_STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;

/**
 * Ports this process has handed out. A handed-out port is free only until its user binds it, and
 * the kernel may offer it again meanwhile: the sandbox picks Jaeger's ports, then starts Jaeger,
 * RabbitMQ and the S3 server at once, and a second pick of the same port can make Jaeger exit on
 * "address already in use" (the likely cause of a CI failure whose log was gone). Never handing a
 * port out twice closes that race within a process.
 */
const handedOut = new Set<number>();

/** A loopback port that the kernel picked as free, released at once. */
function kernelFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the port the kernel assigned"));
      });
    });
  });
}

/** A port that is free on 127.0.0.1 right now and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) ports.push(await freePort());
  return ports;
}

export interface StartOptions {
  /** Short name: the log file is `<logDir>/<name>.log`. */
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Folder for the log file (created if missing). */
  logDir: string;
  /**
   * Keep the child running after this Node.js process exits (the sandbox's `local up`, which
   * records the pid and stops it later with `stopPid`). Default: the child dies with us.
   */
  outliveParent?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Settles when the child exits. */
  exited: Promise<ExitStatus>;
  /** Whether the child is still running. */
  running(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the child is gone. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

/** Process groups to kill if this Node.js process exits while they still run. */
const ownedGroups = new Set<number>();
let exitHandlerInstalled = false;

const TERMINATING_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

function killOwnedGroups(): void {
  for (const pgid of ownedGroups) signalGroup(pgid, "SIGKILL");
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on("exit", killOwnedGroups);
  // A signal ends this process without "exit" handlers: take the children along, then let the
  // signal do what it would have done (unless someone else handles it).
  for (const signal of TERMINATING_SIGNALS) {
    const onSignal = (): void => {
      killOwnedGroups();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Signals a whole process group; false when it no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process (or group leader) with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Starts a child in its own process group with stdout and stderr appended to its log file. */
export function startProcess(options: StartOptions): ManagedProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const logFd = openSync(logFile, "a");
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) {
    throw new Error(`could not start ${options.name} (${options.command}); see ${logFile}`);
  }
  const pid = child.pid;
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on("exit", (code, signal) => {
      status = { code, signal };
      ownedGroups.delete(pid);
      resolve(status);
    });
    child.on("error", () => {
      status = status ?? { code: null, signal: null };
      ownedGroups.delete(pid);
      resolve(status);
    });
  });
  if (options.outliveParent) {
    child.unref();
  } else {
    installExitHandler();
    ownedGroups.add(pid);
  }
  const stop = async (graceMs = DEFAULT_STOP_GRACE_MS): Promise<ExitStatus> => {
    if (status) {
      // The leader is gone; make sure nothing it started in its group lingers.
      signalGroup(pid, "SIGKILL");
      return status;
    }
    signalGroup(pid, "SIGTERM");
    const timer = delay(graceMs).then(() => "timeout" as const);
    if ((await Promise.race([exited, timer])) === "timeout") signalGroup(pid, "SIGKILL");
    const result = await exited;
    signalGroup(pid, "SIGKILL");
    return result;
  };
  return { name: options.name, pid, logFile, exited, running: () => status === undefined, stop };
}

/**
 * Stops a process group by the pid of its leader (for processes started with `outliveParent`
 * by an earlier command): SIGTERM, then SIGKILL after `graceMs`.
 */
export async function stopPid(pid: number, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(POLL_INTERVAL_MS);
  signalGroup(pid, "SIGKILL");
  while (isAlive(pid)) await delay(POLL_INTERVAL_MS);
}

/** The last `lines` lines of a log file, for an error message that stands on its own. */
export function logTail(file: string, lines: number): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Log lines an "exited while waiting" error carries: a test's clean-up may remove the log itself. */
const EXIT_LOG_LINES = 15;

export interface WaitOptions {
  timeoutMs?: number;
  /** Fail early, naming its log file, when this process exits while we wait. */
  process?: ManagedProcess;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (options.process && !options.process.running()) {
      const { name, logFile } = options.process;
      throw new Error(
        `${name} exited while waiting for ${what}; see ${logFile}\n--- ${name}'s last log lines ---\n${logTail(logFile, EXIT_LOG_LINES)}`,
      );
    }
    if (Date.now() > deadline) {
      const log = options.process ? `; see ${options.process.logFile}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${log}`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Waits until something accepts TCP connections on `host:port`. */
export function waitForPort(port: number, options: WaitOptions & { host?: string } = {}): Promise<void> {
  const host = options.host ?? LOOPBACK;
  return waitUntil(`${host}:${port}`, () => canConnect(port, host), options);
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.once("timeout", () => request.destroy());
    request.once("error", () => resolve(undefined));
  });
}

/** Waits until a GET of `url` answers with a status that `ready` accepts (default: 2xx). */
export function waitForHttp(
  url: string,
  options: WaitOptions & { ready?: (status: number) => boolean } = {},
): Promise<void> {
  const ready = options.ready ?? ((status: number) => status >= 200 && status < 300);
  return waitUntil(
    url,
    async () => {
      const status = await httpStatus(url);
      return status !== undefined && ready(status);
    },
    options,
  );
}
