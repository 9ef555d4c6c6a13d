import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePorts, LOOPBACK, startProcess, waitForHttp, type ManagedProcess } from "../../sandbox/process";
import { REPO } from "./project";

/** The unprivileged user OpenSearch runs as when the tests run as root (it refuses root). */
const NOBODY = { uid: 65534, gid: 65534 };

export interface RunningOpenSearch {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** The OpenSearch home that tools/opensearch.sh provides (fetched and unpacked once per machine). */
export function openSearchHome(): string {
  const output = execFileSync("bash", [path.join(REPO, "tools", "opensearch.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 600_000,
  });
  return output.trim().split("\n").pop()!;
}

/** A copy of a folder made of hard links where the file system allows it (instant), else a real copy. */
function linkedCopy(from: string, to: string): string {
  try {
    execFileSync("cp", ["-al", from, to]);
  } catch {
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true });
  }
  return to;
}

/** A Java 17+ home for OpenSearch: JAVA_HOME, else the `java` on PATH. */
function javaHome(): string {
  if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
  const java = realpathSync(execFileSync("bash", ["-c", "command -v java"], { encoding: "utf8" }).trim());
  return path.dirname(path.dirname(java));
}

/**
 * Starts a single-node OpenSearch on loopback ports with a small heap, in a throw-away folder, and
 * waits until it answers. Security is off (the integ-test distribution carries no security plugin).
 */
export async function startOpenSearch(): Promise<RunningOpenSearch> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-opensearch-"));
  const asRoot = process.getuid?.() === 0;
  // As root, the unprivileged user cannot reach the tools cache under /root: run a linked copy.
  const home = asRoot ? linkedCopy(openSearchHome(), path.join(dir, "home")) : openSearchHome();
  const conf = path.join(dir, "config");
  const data = path.join(dir, "data");
  const logs = path.join(dir, "logs");
  cpSync(path.join(home, "config"), conf, { recursive: true });
  mkdirSync(data);
  mkdirSync(logs);
  // A small fixed heap, and the JVM's own files in this folder instead of the (read-only) home.
  const jvmOptions = readFileSync(path.join(conf, "jvm.options"), "utf8")
    .split("\n")
    .filter((line) => !/Xlog:gc|Xloggc|^-Xm[sx]/.test(line))
    .map((line) =>
      line.replace("HeapDumpPath=data", `HeapDumpPath=${logs}`).replace("ErrorFile=logs", `ErrorFile=${logs}`),
    );
  writeFileSync(path.join(conf, "jvm.options"), [...jvmOptions, "-Xms512m", "-Xmx512m", ""].join("\n"));

  const [httpPort, transportPort] = await freePorts(2);
  if (asRoot) {
    chmodSync(dir, 0o755);
    for (const owned of [dir, conf, data, logs]) chownSync(owned, NOBODY.uid, NOBODY.gid);
    execFileSync("chown", ["-R", `${NOBODY.uid}:${NOBODY.gid}`, conf]);
  }
  const settings = [
    `http.host=${LOOPBACK}`,
    `transport.host=${LOOPBACK}`,
    `http.port=${httpPort}`,
    `transport.port=${transportPort}`,
    "discovery.type=single-node",
    `path.data=${data}`,
    `path.logs=${logs}`,
    // The host's disk fill level is not what these tests are about: never block allocation on it.
    "cluster.routing.allocation.disk.threshold_enabled=false",
  ].flatMap((setting) => ["-E", setting]);
  const command = path.join(home, "bin", "opensearch");
  const opensearch = startProcess({
    name: "opensearch",
    command: asRoot ? "setpriv" : command,
    args: asRoot
      ? [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", command, ...settings]
      : settings,
    env: { ...process.env, OPENSEARCH_PATH_CONF: conf, OPENSEARCH_JAVA_HOME: javaHome(), OPENSEARCH_JAVA_OPTS: "" },
    logDir: dir,
  });
  const url = `http://${LOOPBACK}:${httpPort}`;
  const stop = async () => {
    await opensearch.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
      process: opensearch,
      timeoutMs: 300_000,
    });
  } catch (error) {
    const log = readFileSync(opensearch.logFile, "utf8").split("\n").slice(-30).join("\n");
    await stop();
    throw new Error(`${String(error)}\n${log}`);
  }
  return { url, process: opensearch, stop };
}
