import { readFileSync } from "node:fs";
import * as path from "node:path";

/** tools/versions.env: the one place tool versions are pinned (builds, tests and image tags). */
const VERSIONS_FILE = path.resolve(__dirname, "..", "tools", "versions.env");

/** The pinned version of a tool, e.g. toolVersion("OAUTH2_PROXY_VERSION") → "7.15.6". */
export function toolVersion(name: string): string {
  const match = new RegExp(`^${name}=(\\S+)$`, "m").exec(readFileSync(VERSIONS_FILE, "utf8"));
  if (!match) throw new Error(`${name} is not pinned in ${VERSIONS_FILE}`);
  return match[1];
}
