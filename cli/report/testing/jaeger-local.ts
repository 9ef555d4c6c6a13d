import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { postOtlpJson } from "../../../test/support/jaeger";
import { startJaeger, type BenchJaeger } from "../../../test/support/services";

export interface LocalJaeger extends BenchJaeger {
  /** Posts an OTLP/HTTP JSON export request. */
  sendOtlpJson(request: unknown): Promise<void>;
}

/**
 * Starts Jaeger v2 on loopback with the config infra/ generates for a local run (Badger in a
 * temporary directory, as the sandbox stores, ports picked at start) and waits until its query API
 * answers. Stopping it removes the directory; the logs stay only when the caller names a logDir.
 *
 * Not memory storage: Jaeger 1.76's memory store hands the query service its stored traces
 * themselves, not copies, and the query-time adjusters sort and rewrite them in place; concurrent
 * searches (the report runs four) then race on the same attributes, and one CI run read a trace
 * whose resource said service.name "node-crm", its host.name value. Badger decodes every read
 * afresh.
 */
export async function startLocalJaeger(options: { logDir?: string } = {}): Promise<LocalJaeger> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-jaeger-"));
  const badgerDirectory = path.join(dir, "badger");
  mkdirSync(badgerDirectory);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  let jaeger: BenchJaeger;
  try {
    jaeger = await startJaeger({ kind: "badger", directory: badgerDirectory }, options.logDir ?? dir);
  } catch (error) {
    removeDir();
    throw error;
  }
  return {
    ...jaeger,
    sendOtlpJson: (request) => postOtlpJson(jaeger.otlpHttpTracesUrl, request),
    async stop() {
      await jaeger.stop();
      removeDir();
    },
  };
}
