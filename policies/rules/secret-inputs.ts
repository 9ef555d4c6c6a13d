import { Secret, type ResourceValidationPolicy } from "@pulumi/policy";
import type { Props } from "../lib/kubernetes";

/**
 * @pulumi/policy 1.21 unwraps secrets before a validation sees the inputs (server.js analyze:
 * `deserializeProperties(props, false)`), so `secrets-stay-secret` cannot tell a Pulumi secret from
 * a plain value there. The remediation pass, which the engine runs on every resource just before
 * the analysis pass, keeps them (`deserializeProperties(props, true)`: `Secret` objects behind a
 * proxy). This policy uses that pass only to observe: it records where each resource's secrets sit
 * and changes nothing. Its level must stay `remediate` for the observation to happen.
 */
export const secretInputsObserver: ResourceValidationPolicy = {
  name: "secret-inputs-observer",
  description:
    "Records which inputs are Pulumi secrets, for secrets-stay-secret (validations cannot see secretness). Changes nothing.",
  enforcementLevel: "remediate",
  remediateResource: (args) => {
    const paths: string[][] = [];
    collectSecretPaths(rawTarget(args.props), [], paths);
    observed.set(args.urn, paths);
    return undefined;
  },
};

/** The key under which @pulumi/policy's proxies hand out the object they wrap (proxy.js getSpecialProxyTarget). */
const PROXY_TARGET = "__getSpecialProxyTarget";

const observed = new Map<string, string[][]>();

/** Whether the value at `path` of a resource's inputs is a Pulumi secret; undefined if nothing was observed. */
export function isSecretInput(urn: string, path: string[]): boolean | undefined {
  const paths = observed.get(urn);
  if (paths === undefined) return undefined;
  return paths.some((secret) => secret.length <= path.length && secret.every((key, i) => key === path[i]));
}

function rawTarget(value: unknown): unknown {
  let current = value;
  for (let depth = 0; depth < 4; depth++) {
    const inner = (current as Props | undefined)?.[PROXY_TARGET];
    if (inner === undefined || inner === current) break;
    current = inner;
  }
  return current;
}

function collectSecretPaths(value: unknown, path: string[], into: string[][]): void {
  if (value instanceof Secret) {
    into.push(path);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, inner] of Object.entries(value)) collectSecretPaths(inner, [...path, key], into);
}
