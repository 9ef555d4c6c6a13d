/**
 * Address ranges for the allowlist rule, on the same CIDR arithmetic and private ranges the stack's
 * config check uses (infra/config/cidr.ts: pure, no Pulumi), so the pack and the config agree.
 */
import { cidrContains, parseCidr, PRIVATE_RANGES } from "../../infra/config/cidr";

export { PRIVATE_RANGES };

/**
 * Whether `block` lies entirely inside one of `allowed`. An address alone counts as /32 (or /128),
 * as ingress controllers read it; a block that is not a canonical CIDR counts as outside.
 */
export function insideAny(block: string, allowed: readonly string[]): boolean {
  const text = block.includes("/") ? block : `${block}/${block.includes(":") ? 128 : 32}`;
  const inner = parseCidr(text);
  if (typeof inner === "string") return false;
  return allowed.some((range) => {
    const outer = parseCidr(range);
    return typeof outer !== "string" && cidrContains(outer, inner);
  });
}
