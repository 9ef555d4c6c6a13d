import { describe, expect, it } from "vitest";
import { stackConfig } from "../../policies/testing/stack-under-mocks";
import { CONFIG_NAMESPACE, CONFIG_REFERENCE, rawConfigOf, readStackConfig, secretKeysOf } from "./index";
import { ConfigReader } from "./read";
import { covers } from "./reference";

/** The keys the readers ask for while reading a stack's config, set or not. */
function keysRead(raw: Record<string, unknown>, secretKeys: ReadonlySet<string> = new Set()): Set<string> {
  const read = new ConfigReader(raw, secretKeys);
  readStackConfig("test", read);
  return read.keysRead;
}

function stackFileKeysRead(stack: string): Set<string> {
  const { config, secretKeys } = stackConfig(stack);
  const all = { ...config, PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
  return keysRead(rawConfigOf(CONFIG_NAMESPACE, all), secretKeysOf(CONFIG_NAMESPACE, all));
}

/** Configs that take every branch a reader has: each storage kind, each ingress, every agent. */
const BRANCHES: Record<string, unknown>[] = [
  {},
  { storage: { kind: "opensearch-aws" }, storagePassword: "x" },
  { storage: { kind: "external" }, storagePassword: "x" },
  { collector: { layout: "two-tier" } },
  { access: { ingress: { controller: "alb" } }, oidcClientSecret: "x" },
  { access: { ingress: { controller: "nginx" } }, oidcClientSecret: "x" },
  { report: { enabled: true } },
  { report: { enabled: true, serve: true }, monitoring: { stuckAlertAfter: { ACCEPTED: "1h" } } },
  {
    instrumentation: {
      services: ["nodejs", "java", "python", "dotnet"].map((language) => ({
        name: language,
        namespace: "shop",
        deployment: language,
        language,
      })),
    },
  },
];

describe("the configuration reference's key declarations (docs/configuration.md)", () => {
  const read = new Set([
    ...stackFileKeysRead("dev"),
    ...stackFileKeysRead("prod"),
    ...BRANCHES.flatMap((raw) => [...keysRead(raw)]),
  ]);
  const declared = CONFIG_REFERENCE.flatMap((doc) => doc.keys);

  it("declare every key the readers read", () => {
    // A section (`storage.elasticsearch`, read for its field names) is declared through its keys.
    const undeclared = [...read].filter((key) => !declared.some((d) => covers(d, key) || d.startsWith(`${key}.`)));
    expect(undeclared, "declare these in the reader module's *_KEYS list").toEqual([]);
  });

  it("declare only keys a reader reads", () => {
    const unread = declared.filter((d) => ![...read].some((key) => covers(d, key)));
    expect(unread, "no reader asks for these: remove them or read them").toEqual([]);
  });

  it("declare each key once", () => {
    expect(declared.filter((key, index) => declared.indexOf(key) !== index)).toEqual([]);
  });

  it("give every row a type, a default and a meaning", () => {
    for (const doc of CONFIG_REFERENCE) {
      expect(doc.keys.length, JSON.stringify(doc)).toBeGreaterThan(0);
      for (const field of [doc.type, doc.default, doc.meaning]) expect(field.trim(), doc.keys[0]).not.toBe("");
    }
  });
});
