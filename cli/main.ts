// Entry of the `order-tracing` command line: dispatches to one module per command.
// Each command module exports `run(args): Promise<number>` (the exit code) and `usage`.
import { exitWhenFlushed, printOut } from "./report/output";

export interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
}

/**
 * Every command, loaded lazily so one command's dependencies never slow another. Add a command as
 * `name: async () => (await import("./name")).command,` with its module in cli/<name>/.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  report: async () => (await import("./report")).command,
  local: async () => (await import("./local")).command,
};

function usage(): string {
  return [
    "usage: order-tracing <command> [options]",
    "",
    "commands:",
    ...Object.keys(COMMANDS).map((c) => `  ${c}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h") {
    printOut(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`order-tracing: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await load()).run(args);
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
