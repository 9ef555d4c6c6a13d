/**
 * `--stack NAME`: records pushed image references in a stack's config with `pulumi config set`
 * (scripts/pulumi.sh: the pinned CLI, the local backend), each under the key its definition names.
 */
import * as path from "node:path";
import { CONFIG_NAMESPACE } from "../infra/config/errors";
import type { BuiltImage } from "./build";
import { REPO, runCommand } from "./inputs";

export async function recordInStack(
  stack: string,
  images: readonly Pick<BuiltImage, "configKey" | "reference">[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const cwd = options.cwd ?? REPO;
  const pulumi = (...args: string[]) =>
    runCommand("bash", [path.join(cwd, "scripts", "pulumi.sh"), ...args], { cwd, env: options.env });
  for (const image of images) {
    await pulumi(
      "config",
      "set",
      "--stack",
      stack,
      "--path",
      `${CONFIG_NAMESPACE}:${image.configKey}`,
      image.reference,
    );
  }
}
