/**
 * What each `order-tracing` command module exports as `command` (cli/main.ts dispatches to it): its
 * usage text, and `run(args)` resolving to the exit code. In a module of its own so that command
 * modules never import cli/main.ts, which imports them.
 */
export interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
}
