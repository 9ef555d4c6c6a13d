import { parseQuantity } from "../../infra/config/validators";
import type { KubeObject } from "../support/kube-api";

/** A Kubernetes object the stack declared: its URN, Pulumi type and inputs (the object it applied). */
export interface DeclaredObject {
  urn: string;
  type: string;
  object: KubeObject;
  /** A `…Patch` resource: our fields of an object someone else owns. */
  isPatch: boolean;
}

interface StackExport {
  deployment: { resources?: { urn: string; type: string; custom?: boolean; inputs?: Record<string, unknown> }[] };
}

/** Pulumi's marker of a secret value in a state file (`pulumi stack export --show-secrets`). */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

/** The Kubernetes objects of a stack, from `pulumi stack export --show-secrets`, secrets decoded. */
export function declaredObjects(exported: StackExport): DeclaredObject[] {
  return (exported.deployment.resources ?? [])
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs?.kind !== undefined)
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      object: revealSecrets(r.inputs) as KubeObject,
      isPatch: r.type.endsWith("Patch"),
    }));
}

function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (SECRET_SIGNATURE_KEY in record && typeof record.plaintext === "string") {
    return revealSecrets(JSON.parse(record.plaintext));
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealSecrets(v)]));
}

/**
 * Where the stored object differs from what was declared: every declared field must be stored with
 * its value (the API server may add defaults around it). Quantities compare by value ("0.5" is
 * stored as "500m"), a Secret's `stringData` is stored as base64 `data`. Returns the differing paths.
 */
export function notStoredAsDeclared(declared: KubeObject, stored: KubeObject): string[] {
  const differences: string[] = [];
  compare(secretAsStored(declared), stored, "", differences);
  return differences;
}

function secretAsStored(object: KubeObject): KubeObject {
  if (object.kind !== "Secret" || object.stringData === undefined) return object;
  const { stringData, ...rest } = object;
  const encoded = Object.fromEntries(
    Object.entries(stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
  );
  return { ...rest, data: { ...(rest.data as Record<string, string> | undefined), ...encoded } } as KubeObject;
}

function compare(declared: unknown, stored: unknown, path: string, into: string[]): void {
  // null unsets a field; an empty list or map is not stored at all.
  if (stored === undefined && (declared === null || isEmpty(declared))) return;
  if (Array.isArray(declared)) {
    if (!Array.isArray(stored) || stored.length !== declared.length) {
      into.push(`${path}: declared ${declared.length} items, stored ${describe(stored)}`);
      return;
    }
    declared.forEach((item, i) => compare(item, stored[i], `${path}[${i}]`, into));
    return;
  }
  if (declared !== null && typeof declared === "object") {
    if (stored === null || typeof stored !== "object" || Array.isArray(stored)) {
      into.push(`${path}: declared an object, stored ${describe(stored)}`);
      return;
    }
    for (const [key, value] of Object.entries(declared)) {
      compare(value, (stored as Record<string, unknown>)[key], `${path}.${key}`, into);
    }
    return;
  }
  if (declared === stored || sameQuantity(declared, stored)) return;
  into.push(`${path}: declared ${JSON.stringify(declared)}, stored ${describe(stored)}`);
}

function isEmpty(value: unknown): boolean {
  return value !== null && typeof value === "object" && Object.keys(value).length === 0;
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const [x, y] = [parseQuantity(a), parseQuantity(b)];
  return x !== undefined && x === y;
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
