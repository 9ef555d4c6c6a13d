import { existsSync } from "node:fs";
import * as path from "node:path";
import type { MesVariant } from "./endpoints";

/** The repository root. */
export const REPO = path.resolve(__dirname, "..", "..");
export const TOOLS_BIN = path.join(REPO, ".tools", "bin");
/** The reference services and their compiled entry points (`npm run build` there). */
export const ORDER_SYSTEM_DIR = path.join(REPO, "examples", "order-system");
/** The instrumentation bundle as the init-container image carries it (`npm run build` in instrumentation/). */
export const BUNDLE_DIR = path.join(REPO, "instrumentation", "build", "bundle");
/** The reference MES on the JVM and the Java agent, as scripts/build-mes-jvm.sh links them. */
export const MES_JVM_DIR = path.join(ORDER_SYSTEM_DIR, "mes-jvm");
export const MES_JVM_JAR = path.join(MES_JVM_DIR, "build", "mes.jar");
/** The folder holding javaagent.jar: what the Java agent's init container copies into its volume. */
export const JAVA_AGENT_DIR = path.join(MES_JVM_DIR, "build", "agent");
/** Where `local up` keeps its state, configs, data and logs unless `--dir` says otherwise. */
export const DEFAULT_SANDBOX_DIR = path.join(REPO, ".sandbox");

/** Fails with the command that fixes it when something the sandbox runs has not been built. */
export function checkPrerequisites(mes: MesVariant = "nodejs"): void {
  const missing: string[] = [];
  for (const tool of ["jaeger", "otelcol-ordertracing", "gofakes3"]) {
    if (!existsSync(path.join(TOOLS_BIN, tool))) missing.push(`${tool}: bash tools/build.sh ${tool}`);
  }
  if (!existsSync(path.join(BUNDLE_DIR, "register.js"))) {
    missing.push("the instrumentation bundle: (cd instrumentation && npm ci && npm run build)");
  }
  if (!existsSync(path.join(ORDER_SYSTEM_DIR, "dist", "shop.js"))) {
    missing.push("the order system: (cd examples/order-system && npm ci && npm run build)");
  }
  if (mes === "jvm" && !(existsSync(MES_JVM_JAR) && existsSync(path.join(JAVA_AGENT_DIR, "javaagent.jar")))) {
    missing.push("the JVM MES and the Java agent: bash scripts/build-mes-jvm.sh");
  }
  if (missing.length > 0) {
    throw new Error(`the sandbox needs:\n  ${missing.join("\n  ")}\n(bash scripts/setup.sh does all of it)`);
  }
}
