// Entry of the report image (order-report, images/definitions.ts): `order-tracing report …` and nothing else of
// the command line, so the image needs nothing but Node.js. It takes the same arguments as the
// CLI, so the CronJob's arguments work with either, and like the CLI it exits only once its output
// is flushed (output.ts): the CronJob's log is a pipe.
import { command } from "./index";
import { exitWhenFlushed } from "./output";

async function standalone(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name !== "report") {
    console.error(`this image runs only \`order-tracing report\`\n\n${command.usage}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    console.error(`order-tracing: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

void standalone(process.argv.slice(2)).then((code) => exitWhenFlushed(code, "order-tracing report"));
