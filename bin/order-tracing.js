#!/usr/bin/env node
// The `order-tracing` command line (see README "Command line"). The sources are TypeScript; they run
// through ts-node without type checking (the type check is part of `npm test`).
require("ts-node").register({
  transpileOnly: true,
  project: require("node:path").join(__dirname, "..", "tsconfig.json"),
});
require("../cli/main")
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (error) => {
      console.error(`order-tracing: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
