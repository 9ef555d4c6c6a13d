/**
 * Reading a stack file (`Pulumi.<stack>.yaml`) without the Pulumi engine, for the local sandbox,
 * the benchmarks and the tests: its config as the language host would hand it over, or parsed and
 * validated as `pulumi up` would. Values stored as Pulumi secrets count as present secrets; nothing
 * here needs their plain text.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CONFIG_NAMESPACE } from "./errors";
import { parseStackConfig, type StackConfig } from "./index";

/** The `config:` section of `<repo>/Pulumi.<stack>.yaml`, every namespace, keys as written. */
export function stackFileConfig(repo: string, stack: string): Record<string, unknown> {
  const file = path.join(repo, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new Error(`${file} is missing`);
  const document = (yaml.load(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return document.config ?? {};
}

/** Whether a stack file's value is stored as a Pulumi secret (`{ secure: … }`). */
export function isSecureValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

export interface StackFile {
  /** The `order-tracing:*` values, keyed without the namespace. */
  raw: Record<string, unknown>;
  /** The keys whose values are stored as secrets. */
  secretKeys: Set<string>;
}

/** The `order-tracing:*` config of a stack file and which of its keys are secrets. */
export function readStackFile(repo: string, stack: string): StackFile {
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(stackFileConfig(repo, stack))) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    raw[name] = value;
    if (isSecureValue(value)) secretKeys.add(name);
  }
  return { raw, secretKeys };
}

/** A stack file's config, parsed and validated as `pulumi up` would. */
export function readStackConfig(repo: string, stack: string): StackConfig {
  const { raw, secretKeys } = readStackFile(repo, stack);
  return parseStackConfig(stack, raw, secretKeys);
}
