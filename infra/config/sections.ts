import type { ConfigReader } from "./read";

/**
 * Small helpers shared by the section readers of the storage side (quota, network, storage,
 * jaeger): unknown nested keys are refused, and lists are checked item by item.
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
