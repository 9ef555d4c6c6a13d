#!/usr/bin/env node
// The `order-tracing` command line (see README "Command line"). The sources are TypeScript; they run
// through ts-node without type checking (the type check is part of `npm test`).
require("ts-node").register({
  transpileOnly: true,
  project: require("node:path").join(__dirname, "..", "tsconfig.json"),
});
// It exits only once its output is flushed (cli/report/output.ts).
require("../cli/main").runAndExit(process.argv.slice(2));
