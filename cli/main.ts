// Entry of the `order-tracing` command line: dispatches to one module per command.
// Each command module exports `run(args): Promise<number>` (the exit code) and `usage`.
import { exitWhenFlushed, printOut } from "./report/output";

export interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
}

/** One command: what `order-tracing --help` says it does, and its module, loaded on use. */
interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

/**
 * Every command, loaded lazily so one command's dependencies never slow another. Add a command as
 * `name: { summary: "…", load: async () => (await import("./name")).command },` with its module in
 * cli/<name>/; `order-tracing <name> --help` prints that module's own usage.
 */
const COMMANDS: Record<string, CommandEntry> = {
  report: {
    summary: "from Jaeger's query API: where orders are stuck, for how long, and why (docs/report.md)",
    load: async () => (await import("./report")).command,
  },
  local: {
    summary: "the order path and its trace pipeline on loopback, and the failure scenarios (docs/sandbox.md)",
    load: async () => (await import("./local")).command,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    "usage: order-tracing <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
    "",
    "`order-tracing <command> --help` shows a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h") {
    printOut(usage());
    return name ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    console.error(`order-tracing: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (args[0] === "--help" || args[0] === "-h") {
    printOut(command.usage);
    return 0;
  }
  return command.run(args);
}

/**
 * Runs the command line and ends the process with its exit code once stdout and stderr have taken
 * all output (cli/report/output.ts says why): bin/order-tracing.js calls this.
 */
export async function runAndExit(argv: string[]): Promise<never> {
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    console.error(`order-tracing: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  }
  return exitWhenFlushed(code);
}
