import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { buildJaegerConfig, renderJaegerConfig } from "../../../infra/jaeger/config";
import { localJaegerSettings } from "../../../infra/jaeger/settings";
import { freePorts, LOOPBACK, type ManagedProcess, startProcess, waitForHttp } from "../../../sandbox/process";

/** Longer than the windows the tests and the report benchmark read (24 h at most). */
const RETENTION_HOURS = 48;

/** The Jaeger v2 binary that tools/build.sh builds (`bash tools/build.sh jaeger`). */
export const JAEGER_BINARY = path.resolve(__dirname, "..", "..", "..", ".tools", "bin", "jaeger");

export interface LocalJaeger {
  /** Jaeger query HTTP (UI, api/v3, legacy API). */
  queryUrl: string;
  /** OTLP/HTTP traces endpoint (`/v1/traces`). */
  otlpHttpTracesUrl: string;
  process: ManagedProcess;
  /** Posts an OTLP/HTTP JSON export request. */
  sendOtlpJson(request: unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Jaeger v2 on loopback with the config infra/ generates for a local run (Badger in a
 * temporary directory, as the sandbox stores, ports picked at start) and waits until its query API
 * answers.
 *
 * Not memory storage: Jaeger 1.76's memory store hands the query service its stored traces
 * themselves, not copies, and the query-time adjusters sort and rewrite them in place; concurrent
 * searches (the report runs four) then race on the same attributes, and one CI run read a trace
 * whose resource said service.name "node-crm", its host.name value. Badger decodes every read
 * afresh.
 */
export async function startLocalJaeger(options: { logDir?: string } = {}): Promise<LocalJaeger> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-jaeger-"));
  const [otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc] = await freePorts(6);
  const configFile = path.join(dir, "jaeger.yaml");
  const badgerDirectory = path.join(dir, "badger");
  mkdirSync(badgerDirectory);
  const settings = localJaegerSettings(
    { otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc },
    { kind: "badger", directory: badgerDirectory, retentionHours: RETENTION_HOURS },
  );
  writeFileSync(configFile, renderJaegerConfig(buildJaegerConfig(settings)));
  const process = startProcess({
    name: "jaeger",
    command: JAEGER_BINARY,
    args: ["--config", `file:${configFile}`],
    logDir: options.logDir ?? dir,
  });
  const queryUrl = `http://${LOOPBACK}:${queryHttp}`;
  const otlpHttpTracesUrl = `http://${LOOPBACK}:${otlpHttp}/v1/traces`;
  try {
    await waitForHttp(`${queryUrl}/api/v3/services`, { process, timeoutMs: 60_000 });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return {
    queryUrl,
    otlpHttpTracesUrl,
    process,
    async sendOtlpJson(request) {
      const response = await fetch(otlpHttpTracesUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      });
      if (!response.ok)
        throw new Error(`OTLP export to Jaeger failed: HTTP ${response.status} ${await response.text()}`);
    },
    async stop() {
      await process.stop();
      // The config and the data; the logs too, unless the caller keeps them in its logDir.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
