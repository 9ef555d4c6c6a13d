import type { FieldsV1, KubeObject, ManagedFieldsEntry } from "./kube-api";

/**
 * Reading `metadata.managedFields`: which field manager owns which fields of an object, as the API
 * server's server-side apply recorded it.
 */

/** The managedFields entries of one manager (Apply and Update entries, any subresource). */
export function entriesOf(object: KubeObject, manager: string): ManagedFieldsEntry[] {
  return (object.metadata.managedFields ?? []).filter((entry) => entry.manager === manager);
}

/** The managers that own fields of the object, sorted. */
export function managersOf(object: KubeObject): string[] {
  return [...new Set((object.metadata.managedFields ?? []).map((entry) => entry.manager))].sort();
}

/**
 * The leaf paths a manager owns, readable: `f:spec` → `.spec`, `k:{"name":"shop"}` → `[name=shop]`,
 * `v:"x"` → `[="x"]`, `i:0` → `[0]`, a field name with dots or slashes (a label key) → `["a.b/c"]`.
 * A path where the manager owns the whole element (the `.` marker) is listed as well as the fields
 * beneath it.
 */
export function ownedPaths(object: KubeObject, manager: string): string[] {
  return [...new Set(ownedSegments(object, manager).map((segments) => segments.join("")))].sort();
}

function ownedSegments(object: KubeObject, manager: string): string[][] {
  const paths: string[][] = [];
  for (const entry of entriesOf(object, manager)) flatten(entry.fieldsV1, [], paths);
  return paths;
}

function flatten(fields: FieldsV1, prefix: string[], into: string[][]): void {
  const keys = Object.keys(fields);
  if (keys.length === 0) into.push(prefix);
  for (const key of keys) {
    if (key === ".") into.push(prefix);
    else flatten(fields[key], [...prefix, segment(key)], into);
  }
}

function segment(key: string): string {
  const [kind, rest] = [key.slice(0, 2), key.slice(2)];
  switch (kind) {
    case "f:":
      return /[./]/.test(rest) ? `[${JSON.stringify(rest)}]` : `.${rest}`;
    case "k:": {
      const mergeKey = JSON.parse(rest) as Record<string, unknown>;
      return `[${Object.entries(mergeKey)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(",")}]`;
    }
    case "v:":
      return `[=${rest}]`;
    case "i:":
      return `[${rest}]`;
    default:
      return `.${key}`;
  }
}

const POD_SPEC = [".spec", ".template", ".spec"];

/**
 * A short summary of who owns what, for the test log and the report: per manager, the owned paths,
 * those in the pod template cut to the element they belong to (`pod.initContainers[name=x]`,
 * `pod.containers[name=shop].env[name=NODE_OPTIONS]`).
 */
export function ownershipSummary(object: KubeObject): Record<string, string[]> {
  const summary: Record<string, string[]> = {};
  for (const manager of managersOf(object)) {
    const short = ownedSegments(object, manager).map((segments) => {
      if (!POD_SPEC.every((s, i) => segments[i] === s)) return segments.join("");
      const rest = segments.slice(POD_SPEC.length);
      // containers[name=x] keep one more level (.env[name=y], .image); other lists stop at the element.
      const depth = rest[0] === ".containers" ? 4 : 2;
      return `pod${rest.slice(0, depth).join("")}`;
    });
    summary[manager] = [...new Set(short)].sort();
  }
  return summary;
}
