/**
 * `order-tracing local up [--json] | down | scenario <name> [--json]` (../shared/DESIGN.md,
 * "Command line"): the local sandbox of the whole order path and its trace pipeline.
 */
import { setTimeout as delay } from "node:timers/promises";
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { formatTable } from "../table";
import type { Command } from "../command";
import { logTail, stopPid } from "../../sandbox/process";
import { printOut } from "../report/output";
import { controlClient } from "./control";
import { MES_VARIANTS, endpointsJson, isMesVariant, type MesVariant, type SandboxEndpoints } from "./endpoints";
import { DEFAULT_SANDBOX_DIR, REPO, checkPrerequisites } from "./paths";
import { SCENARIOS, isScenario, runScenario, tracesLink, type ScenarioResult } from "./scenarios";
import { readState, removeState, stillRunning, type SandboxState } from "./state";
import { supervise } from "./supervisor";

const USAGE = `usage:
  order-tracing local up [--json] [--mes nodejs|jvm] [--dir DIR]
                                                   start the sandbox (RabbitMQ, S3, collector, Jaeger, Shop, CRM, MES);
                                                   --mes jvm runs the JVM MES with the OpenTelemetry Java agent
  order-tracing local scenario <name> [--json] [--dir DIR]
                                                   drive orders through it: ${SCENARIOS.join(", ")}
  order-tracing local down [--dir DIR]             stop everything \`up\` started

DIR defaults to $ORDER_TRACING_SANDBOX_DIR or .sandbox/ in the repository; it holds the state file,
the generated configs and every log (DIR/logs).`;

/** RabbitMQ alone takes tens of seconds to boot on 2 busy cores. */
const UP_TIMEOUT_MS = 300_000;
const DOWN_GRACE_MS = 120_000;
const POLL_MS = 250;

interface Options {
  json: boolean;
  mes: MesVariant;
  dir: string;
  positional: string[];
}

/** The options after the action, by node:util parseArgs; a problem as a message for the usage. */
function parse(args: string[]): Options | string {
  let parsed: { values: { json?: boolean; mes?: string; dir?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { json: { type: "boolean" }, mes: { type: "string" }, dir: { type: "string" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { values, positionals } = parsed;
  if (values.dir === "") return "--dir needs a folder";
  const mes = values.mes ?? "nodejs";
  if (!isMesVariant(mes)) return `--mes must be one of ${MES_VARIANTS.join(", ")}`;
  return {
    json: values.json ?? false,
    mes,
    dir: path.resolve(values.dir ?? (process.env.ORDER_TRACING_SANDBOX_DIR || DEFAULT_SANDBOX_DIR)),
    positional: positionals,
  };
}

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const [action, ...rest] = args;
    const options = parse(rest);
    if (typeof options === "string") {
      console.error(`order-tracing local: ${options}\n\n${USAGE}`);
      return 2;
    }
    switch (action) {
      case "up":
        return up(options);
      case "down":
        return down(options);
      case "scenario":
        return scenario(options);
      case "supervise": // internal: the process `up` leaves running
        return supervise(options.dir, options.mes);
      default:
        console.error(action ? `order-tracing local: unknown action "${action}"\n\n${USAGE}` : USAGE);
        return action === "--help" || action === "-h" ? 0 : 2;
    }
  },
};

function running(state: SandboxState | undefined): state is SandboxState {
  return state !== undefined && stillRunning(state.supervisor);
}

async function up(options: Options): Promise<number> {
  const existing = readState(options.dir);
  if (running(existing) && existing.status === "ready" && existing.endpoints) {
    const runningMes = existing.mes ?? "nodejs";
    if (runningMes !== options.mes) {
      console.error(
        `the sandbox in ${options.dir} runs the ${runningMes} MES; stop it first (order-tracing local down)`,
      );
      return 1;
    }
    if (!options.json) console.error(`the sandbox in ${options.dir} is already running`);
    print(existing.endpoints, existing.logDir, options.json);
    return 0;
  }
  if (running(existing)) {
    console.error(`a sandbox in ${options.dir} is still starting (supervisor pid ${existing.supervisor.pid})`);
    return 1;
  }
  // Leftovers of a sandbox whose supervisor died: stop them before starting anew.
  if (existing) await stopRecorded(existing);
  checkPrerequisites(options.mes);

  rmSync(options.dir, { recursive: true, force: true });
  const logDir = path.join(options.dir, "logs");
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "sandbox.log");
  const log = openSync(logFile, "a");
  const supervisor = spawn(
    process.execPath,
    [path.join(REPO, "bin", "order-tracing.js"), "local", "supervise", "--dir", options.dir, "--mes", options.mes],
    { cwd: REPO, detached: true, stdio: ["ignore", log, log], env: process.env },
  );
  closeSync(log);
  supervisor.unref();
  if (!options.json) console.error(`starting the sandbox in ${options.dir} (logs: ${logDir})`);

  const deadline = Date.now() + UP_TIMEOUT_MS;
  for (;;) {
    const state = readState(options.dir);
    if (state?.status === "ready" && state.endpoints) {
      print(state.endpoints, state.logDir, options.json);
      return 0;
    }
    const exited = supervisor.exitCode !== null || supervisor.signalCode !== null;
    if (state?.status === "failed" || exited || Date.now() > deadline) {
      const why = state?.error ?? (exited ? "the supervisor exited" : `not ready after ${UP_TIMEOUT_MS / 1000} s`);
      console.error(`order-tracing local up: ${why}\n--- ${logFile} (last lines) ---\n${logTail(logFile, 30)}`);
      if (supervisor.pid !== undefined) await stopPid(supervisor.pid, DOWN_GRACE_MS);
      if (state) await stopRecorded(state);
      removeState(options.dir);
      return 1;
    }
    await delay(POLL_MS);
  }
}

async function down(options: Options): Promise<number> {
  const state = readState(options.dir);
  if (!state) {
    console.error(`no sandbox state in ${options.dir}: nothing to stop`);
    return 0;
  }
  const stopped = await stopRecorded(state);
  removeState(options.dir);
  console.error(`sandbox stopped (${stopped} processes were running); logs kept in ${state.logDir}`);
  return 0;
}

/**
 * Stops the supervisor (which stops its children gracefully), then any recorded process that is
 * still the same process: never a pid the kernel has reused for something else. Returns how many
 * of them were running.
 */
async function stopRecorded(state: SandboxState): Promise<number> {
  const running = [state.supervisor, ...state.processes].filter(stillRunning).length;
  if (stillRunning(state.supervisor)) {
    process.kill(state.supervisor.pid, "SIGTERM");
    const deadline = Date.now() + DOWN_GRACE_MS;
    while (stillRunning(state.supervisor) && Date.now() < deadline) await delay(POLL_MS);
    if (stillRunning(state.supervisor)) process.kill(state.supervisor.pid, "SIGKILL");
  }
  for (const identity of state.processes) {
    if (stillRunning(identity)) await stopPid(identity.pid);
  }
  return running;
}

async function scenario(options: Options): Promise<number> {
  const [name, ...extra] = options.positional;
  if (!name || !isScenario(name) || extra.length > 0) {
    console.error(`order-tracing local scenario: expected one of ${SCENARIOS.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const state = readState(options.dir);
  if (!running(state) || state.status !== "ready" || !state.endpoints || !state.control) {
    console.error(`no sandbox is running in ${options.dir}; start it with \`order-tracing local up\``);
    return 1;
  }
  const endpoints = state.endpoints;
  const result = await runScenario(name, {
    endpoints,
    control: controlClient(state.control),
    progress: (line) => console.error(`  ${line}`),
  });
  if (options.json) {
    printOut(
      JSON.stringify({
        ...result,
        orders: result.orders.map((order) => ({ ...order, traces: tracesLink(endpoints.jaegerQuery, order.orderId) })),
      }),
    );
  } else {
    printOut(scenarioTable(result, endpoints));
  }
  return result.ok ? 0 : 1;
}

function scenarioTable(result: ScenarioResult, endpoints: SandboxEndpoints): string {
  const lines = formatTable(
    ["ORDER", "MATERIAL", "STATUS", "EXPECTED", "WHAT HAPPENED"],
    result.orders.map((order) => [order.orderId, order.material, order.status, order.expected, order.note]),
  );
  return [
    `scenario ${result.scenario}: ${result.description}`,
    ...lines,
    "",
    "traces (Jaeger query API):",
    ...result.orders.map((order) => `  ${order.orderId}  ${tracesLink(endpoints.jaegerQuery, order.orderId)}`),
    result.ok ? "every order ended where the scenario expects" : "NOT every order ended where the scenario expects",
  ].join("\n");
}

function print(endpoints: SandboxEndpoints, logDir: string, json: boolean): void {
  if (json) {
    printOut(endpointsJson(endpoints));
    return;
  }
  printOut(
    [
      "the sandbox is running:",
      `  Shop API       ${endpoints.shop}`,
      `  CRM API        ${endpoints.crm}`,
      `  MES API        ${endpoints.mes}`,
      `  Jaeger query   ${endpoints.jaegerQuery}`,
      `  OTLP gRPC      ${endpoints.otlpGrpc}`,
      `  S3             ${endpoints.s3.endpoint} (bucket ${endpoints.s3.bucket})`,
      `  RabbitMQ       ${endpoints.amqp}`,
      `  logs           ${logDir}`,
      "next: order-tracing local scenario happy   ·   order-tracing local down",
    ].join("\n"),
  );
}
