import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePorts, LOOPBACK, ManagedProcess, startProcess, waitForPort } from "./process";

/**
 * A private RabbitMQ broker on loopback: Debian's `rabbitmq-server` (installed by
 * scripts/install-system-deps.sh) with its own node name, ports, epmd, cookie, data and logs in
 * a folder of its own, so it never meets the system broker or another test's broker.
 */

/** The server script itself; /usr/sbin/rabbitmq-server would switch to the `rabbitmq` user. */
export const RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const EPMD = "epmd";
/** The default user RabbitMQ creates on a fresh node; it may only connect over loopback. */
const DEFAULT_CREDENTIALS = "guest:guest";
const BOOT_TIMEOUT_MS = 120_000;

export interface RabbitMqOptions {
  /** Folder for data, config and cookie; a new temporary folder when omitted. */
  workDir?: string;
  /** Folder for the broker's and epmd's log files; `<workDir>/logs` when omitted. */
  logDir?: string;
  /** Keep broker and epmd running after this process exits (the sandbox's `local up`). */
  outliveParent?: boolean;
}

export interface RabbitMq {
  /** `amqp://guest:guest@127.0.0.1:<port>` */
  url: string;
  amqpPort: number;
  /** Pids of the process-group leaders (broker, epmd), for a later `stopPid`. */
  pids(): number[];
  /** Stops the broker (keeping its data), as a broker restart or crash would. */
  stopBroker(): Promise<void>;
  /** Starts the broker again on the same port and data (after `stopBroker`). */
  startBroker(): Promise<void>;
  /** Stops broker and epmd and removes the work folder if we created it. */
  stop(): Promise<void>;
}

export function rabbitMqInstalled(): boolean {
  return existsSync(RABBITMQ_SERVER);
}

/** Starts a private broker and resolves once it accepts AMQP connections. */
export async function startRabbitMq(options: RabbitMqOptions = {}): Promise<RabbitMq> {
  if (!rabbitMqInstalled()) {
    throw new Error(
      `${RABBITMQ_SERVER} is missing: run scripts/install-system-deps.sh (Debian package rabbitmq-server)`,
    );
  }
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(path.join(tmpdir(), "order-tracing-rabbitmq-"));
  const logDir = options.logDir ?? path.join(workDir, "logs");
  mkdirSync(workDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const [amqpPort, distPort, epmdPort] = await freePorts(3);

  const configFile = path.join(workDir, "rabbitmq.conf");
  writeFileSync(
    configFile,
    [
      `listeners.tcp.default = ${LOOPBACK}:${amqpPort}`,
      // A sandbox on a small disk must still accept messages.
      "disk_free_limit.absolute = 50MB",
      "",
    ].join("\n"),
  );
  const enabledPlugins = path.join(workDir, "enabled_plugins");
  writeFileSync(enabledPlugins, "[].\n");
  const envFile = path.join(workDir, "rabbitmq-env.conf");
  writeFileSync(envFile, "");

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: workDir, // the Erlang cookie lives here, not in the user's home
    ERL_EPMD_ADDRESS: LOOPBACK,
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: `rabbit-${amqpPort}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: LOOPBACK,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: envFile,
    RABBITMQ_CONFIG_FILE: configFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: enabledPlugins,
    RABBITMQ_MNESIA_BASE: path.join(workDir, "mnesia"),
    RABBITMQ_LOG_BASE: logDir,
    RABBITMQ_LOGS: "-",
    RABBITMQ_PID_FILE: path.join(workDir, "rabbitmq.pid"),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
  };

  // Our own epmd in the foreground, so it belongs to us and stops with us (a broker-started
  // epmd daemonizes and would outlive the test).
  const epmd = startProcess({
    name: "epmd",
    command: EPMD,
    args: ["-address", LOOPBACK, "-port", String(epmdPort)],
    env,
    logDir,
    outliveParent: options.outliveParent,
  });
  await waitForPort(epmdPort, { process: epmd, timeoutMs: 10_000 });

  let broker: ManagedProcess | undefined;
  const startBroker = async (): Promise<void> => {
    if (broker?.running()) return; // one broker per port and data folder
    broker = startProcess({
      name: "rabbitmq",
      command: RABBITMQ_SERVER,
      env,
      cwd: workDir,
      logDir,
      outliveParent: options.outliveParent,
    });
    await waitForPort(amqpPort, { process: broker, timeoutMs: BOOT_TIMEOUT_MS });
  };
  const stopBroker = async (): Promise<void> => {
    await broker?.stop(30_000);
    broker = undefined;
  };

  try {
    await startBroker();
  } catch (error) {
    await stopBroker();
    await epmd.stop();
    throw error;
  }

  return {
    url: `amqp://${DEFAULT_CREDENTIALS}@${LOOPBACK}:${amqpPort}`,
    amqpPort,
    pids: () => [epmd.pid, ...(broker ? [broker.pid] : [])],
    stopBroker,
    startBroker,
    stop: async () => {
      await stopBroker();
      await epmd.stop();
      if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
