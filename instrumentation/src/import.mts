/**
 * The bundle's entry for ES-module apps: `node --import <mount>/import.mjs app.mjs`.
 * It registers import-in-the-middle's loader hooks (so `import` of http, express, amqplib, …
 * can be instrumented), then loads the same SDK set-up as register.js.
 */
import { createRequire, register } from "node:module";

try {
  register("./hook.mjs", import.meta.url);
} catch (error) {
  process.stderr.write(
    `[order-tracing] ESM hooks not registered, only CommonJS modules are traced: ${String(error)}\n`,
  );
}
createRequire(import.meta.url)("./register.js");
