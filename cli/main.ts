// Entry of the `order-tracing` command line: dispatches to one module per command.
// Each command module exports `run(args): Promise<number>` (the exit code) and `usage`.

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
    console.log(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`order-tracing: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await load()).run(args);
}
