/**
 * The bundle's entry for CommonJS apps: `node --require <mount>/register.js app.js`
 * (NODE_OPTIONS="--require <mount>/register.js" in the injected container).
 * Whatever goes wrong here, the application starts: one warning, no exception.
 */
import { startInstrumentation } from "./sdk";
import { describe, warnOnce } from "./warn";

try {
  startInstrumentation();
} catch (error) {
  warnOnce("start", `instrumentation disabled, the service runs untraced: ${describe(error)}`);
}
