// Entry of the report image (order-report, images/definitions.ts): `order-tracing report …` and nothing else of
// the command line, so the image needs nothing but Node.js. It takes the same arguments as the
// CLI, so the CronJob's arguments work with either.
import { command } from "./index";

const [name, ...args] = process.argv.slice(2);
if (name !== "report") {
  console.error(`this image runs only \`order-tracing report\`\n\n${command.usage}`);
  process.exit(2);
}
command.run(args).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`order-tracing: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
