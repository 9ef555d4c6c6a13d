import type { ConfigReader } from "./read";
import { cpuQuantity, memoryQuantity, parseQuantity } from "./validators";

/**
 * Small helpers shared by the section readers: unknown nested keys are refused, lists are checked
 * item by item, and container resources are read one way.
 */

/** Fails every field of each listed object that is not among its known fields (a typo, usually). */
export function refuseUnknownFields(read: ConfigReader, known: Readonly<Record<string, readonly string[]>>): void {
  for (const [section, fields] of Object.entries(known)) {
    for (const field of read.fieldsOf(section) ?? []) {
      if (!fields.includes(field)) {
        read.fail(`${section}.${field}`, `unknown key; known keys are ${fields.join(", ")} (is it a typo?)`);
      }
    }
  }
}

/** A list of strings, each checked; errors name the item as `<key>[<index>]`. */
export function checkedStringList(
  read: ConfigReader,
  key: string,
  check: (v: string) => string | undefined,
  fallback: readonly string[] = [],
): string[] {
  const items = read.list(key);
  if (items.length === 0) return hasErrorsUnder(read, key) ? [] : [...fallback];
  const values: string[] = [];
  items.forEach((item, index) => {
    const problem = typeof item === "string" ? check(item) : `expected a string, got ${JSON.stringify(item)}`;
    if (problem) read.fail(`${key}[${index}]`, problem);
    else values.push(item as string);
  });
  return values;
}

/** Whether a key (or anything under it) already has an error: avoids a second, vaguer one. */
export function hasErrorsUnder(read: ConfigReader, ...keys: string[]): boolean {
  return read.errors.some((e) =>
    keys.some((k) => e.key === k || e.key.startsWith(`${k}.`) || e.key.startsWith(`${k}[`)),
  );
}

/** A quantity as a person reads it: `10Gi` stays `10Gi`; byte counts print in GiB. */
export function gib(bytes: number): string {
  return `${Math.round((bytes / 2 ** 30) * 100) / 100}Gi`;
}

// Type aliases, not interfaces: they must fit Kubernetes' `Record<string, string>` fields.
/** CPU and memory of a container, as Kubernetes quantities (`250m`, `512Mi`). */
export type ResourceAmounts = { cpu: string; memory: string };

/** A container's requests and limits, ready for its manifest. */
export type Resources = { requests: ResourceAmounts; limits: ResourceAmounts };

/**
 * Reads `<section>.requests|limits.cpu|memory`, each checked as a quantity, and a request above
 * its limit. Parses once: the memory limit comes back in bytes beside the manifest's text, for the
 * readers' own bounds and the components' arithmetic (memory limiters, heap sizes).
 */
export function readResources(
  read: ConfigReader,
  section: string,
  defaults: Resources,
): { resources: Resources; memoryLimitBytes: number } {
  const amounts = (kind: keyof Resources): ResourceAmounts => ({
    cpu: read.string(`${section}.${kind}.cpu`, defaults[kind].cpu, cpuQuantity),
    memory: read.string(`${section}.${kind}.memory`, defaults[kind].memory, memoryQuantity),
  });
  const resources = { requests: amounts("requests"), limits: amounts("limits") };
  for (const resource of ["cpu", "memory"] as const) {
    const requestKey = `${section}.requests.${resource}`;
    // A value that failed its own check was replaced by its default: comparing it says nothing.
    if (hasErrorsUnder(read, requestKey, `${section}.limits.${resource}`)) continue;
    const [request, limit] = [resources.requests[resource], resources.limits[resource]];
    if (parseQuantity(request)! > parseQuantity(limit)!)
      read.fail(requestKey, `must not exceed limits.${resource} (${limit}), got ${request}`);
  }
  return { resources, memoryLimitBytes: parseQuantity(resources.limits.memory)! };
}
