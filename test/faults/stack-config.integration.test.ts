import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_NAMESPACE, ConfigError, parseStackConfig, StackConfigErrors } from "../../infra/config";
import { readStackFile, type StackFile } from "../../infra/config/stack-file";
import { copyProject, pulumi, REPO, type ProjectCopy } from "../support/project";

/**
 * Fault case 7 (issue 10): invalid stack config. Every key of both stacks, given a value of the
 * wrong shape, and a set of wrong values per key family, must fail with an error naming that key;
 * a real `pulumi preview` with a wrong value must fail before any resource is declared.
 */

/** The `order-tracing:*` config of a stack file; secrets stand in as placeholders, marked secret. */
function stackFile(stack: string): StackFile {
  const { raw, secretKeys } = readStackFile(REPO, stack);
  for (const key of secretKeys) raw[key] = "placeholder-secret-value";
  return { raw, secretKeys };
}

/** Every leaf of a config value with its key as the errors spell it (`a.b`, `a.list[0].c`). */
function leavesOf(value: unknown, key: string): string[] {
  if (Array.isArray(value)) {
    const objects = value.filter((item) => typeof item === "object" && item !== null);
    if (objects.length === 0) return [key]; // a list of scalars is one value
    return value.flatMap((item, index) => leavesOf(item, `${key}[${index}]`));
  }
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([field, inner]) => leavesOf(inner, key ? `${key}.${field}` : field));
  return [key];
}

/** A deep copy of `raw` with the value at `key` (dots and `[i]`) replaced. */
function withValue(raw: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(raw);
  const parts = key.match(/[^.[\]]+/g) ?? [];
  let at: Record<string, unknown> = copy;
  parts.slice(0, -1).forEach((part, i) => {
    const next = parts[i + 1];
    at[part] ??= /^\d+$/.test(next) ? [] : {};
    at = at[part] as Record<string, unknown>;
  });
  at[parts[parts.length - 1]] = value;
  return copy;
}

/** The errors parseStackConfig reports for a raw config (none: an empty list). */
function errorsOf(stack: string, file: StackFile, raw: Record<string, unknown>): ConfigError[] {
  try {
    parseStackConfig(stack, raw, file.secretKeys);
    return [];
  } catch (error) {
    if (error instanceof StackConfigErrors) return error.errors;
    throw error;
  }
}

/**
 * Whether an error names a key: by its own key, or (values the service's bundle parses as a whole,
 * `instrumentation.services[i].rules`) by the enclosing key with the field spelled in the problem.
 */
function names(error: ConfigError, key: string): boolean {
  if (error.key === key) return true;
  const field = key.split(".").pop() ?? key;
  return key.startsWith(`${error.key}.`) && error.problem.includes(field);
}

describe.each(["dev", "prod"])("fault: invalid stack config, %s stack", (stack) => {
  const file = stackFile(stack);

  it("is valid as committed (the baseline every wrong value below is compared with)", () => {
    expect(errorsOf(stack, file, file.raw).map((e) => e.message)).toEqual([]);
  });

  // A value of the wrong shape (an object where a scalar or a list belongs) at every leaf.
  const leaves = leavesOf(file.raw, "").filter((key) => !file.secretKeys.has(key));
  it.each(leaves)("%s: a wrong-shaped value gives an error naming the key", (key) => {
    const errors = errorsOf(stack, file, withValue(file.raw, key, { wrongShape: true }));
    expect(errors.length, `no error for ${key}`).toBeGreaterThan(0);
    expect(errors.filter((e) => names(e, key)).map((e) => e.message)).not.toEqual([]);
    for (const error of errors) expect(error.message.startsWith(`${CONFIG_NAMESPACE}:${error.key}: `)).toBe(true);
  });

  it("a typo'd top-level key and a typo'd nested key are each refused by name", () => {
    const raw = withValue(withValue(file.raw, "namespacee", "tracing"), "collector.replicaz", 2);
    expect(errorsOf(stack, file, raw).map((e) => e.key)).toEqual(
      expect.arrayContaining(["namespacee", "collector.replicaz"]),
    );
  });
});

/** Wrong values per key family (every `infra/config/*.ts` section): key, value, what the message says. */
const WRONG_VALUES: readonly [key: string, value: unknown, says: RegExp][] = [
  ["kubernetes.skipAwait", "sometimes", /expected true or false/],
  ["kubernetes.renderDirectory", 42, /expected a string/],
  ["namespace", "Tracing_NS", /DNS-1123 label/],
  ["quota.storage", "ten gigs", /./],
  ["quota.persistentVolumeClaims", -1, /expected an integer/],
  ["network.unknownField", "x", /unknown key/],
  ["storage.kind", "mongodb", /expected one of "elasticsearch", "opensearch-aws", "external"/],
  ["storage.retentionDays", 0, /expected an integer/],
  ["storage.retentionDays", 3650, /expected an integer/],
  ["storage.diskSize", "5 gigabytes", /./],
  ["storage.elasticsearch.nodes", 2.5, /expected an integer/],
  ["jaeger.replicas", 0, /expected an integer from 1 to 10/],
  ["jaeger.resources.limits.memory", "lots", /./],
  ["jaeger.basePath", "no-leading-slash", /./],
  ["jaeger.image", "jaegertracing/jaeger", /image reference with a tag/],
  ["collector.layout", "triple", /expected one of/],
  ["collector.replicas", "two", /expected an integer/],
  ["collector.sampling.keepPercent", 250, /expected a number from 0 to 100/],
  ["collector.sampling.numTraces", 10, /expected an integer of at least 100/],
  ["collector.queue.persistent", "yes", /expected true or false/],
  ["collector.resources.requests.cpu", "fast", /./],
  ["instrumentation.nodejs.image", "not an image", /./],
  ["instrumentation.services[0].language", "cobol", /expected one of/],
  ["instrumentation.services[0].deployment", "Shop_Deploy", /./],
  ["instrumentation.forceConflicts", "always", /expected true or false/],
  ["access.host", "not a host name", /./],
  ["access.officeCidrs", ["10.20.0.0/33"], /./],
  ["access.oidc.issuerUrl", "ftp://sso", /./],
  ["access.oidc.scopes", ["profile"], /must include "openid"/],
  ["access.ingress.controller", "apache", /expected one of/],
  ["access.proxyReplicas", 100, /expected an integer from 1 to 10/],
  ["report.enabled", "on", /expected true or false/],
  ["report.schedule", "every monday", /./],
  ["report.since", "yesterday", /./],
  ["report.jaegerUiUrl", "jaeger-ui", /./],
];

describe("fault: invalid stack config, wrong values per key family (dev stack)", () => {
  const file = stackFile("dev");

  it.each(WRONG_VALUES)("%s = %j gives an error naming the key", (key, value, says) => {
    const errors = errorsOf("dev", file, withValue(file.raw, key, value));
    const named = errors.filter((e) => e.key === key || e.key.startsWith(`${key}[`));
    expect(
      named.map((e) => e.message),
      errors.map((e) => e.message).join("\n"),
    ).not.toEqual([]);
    expect(named.some((e) => says.test(e.problem))).toBe(true);
  });

  it("a client secret in plain text is refused with the command that sets it as a secret", () => {
    const errors = errorsOf("dev", { raw: file.raw, secretKeys: new Set() }, file.raw);
    expect(errors.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^order-tracing:oidcClientSecret: must be a Pulumi secret.*pulumi config set --secret/),
    );
  });
});

describe("fault: invalid stack config, real pulumi preview", () => {
  let project: ProjectCopy;

  beforeAll(async () => {
    project = copyProject();
    const init = await pulumi(project, ["stack", "init", "dev", "--non-interactive"]);
    expect(init.code, init.stderr).toBe(0);
  });

  afterAll(() => project?.remove());

  it("fails before any resource is declared, naming every wrong key", async () => {
    // Set in the copy only: the repository's stack files stay untouched.
    for (const [key, value] of [
      ["jaeger.replicas", "0"],
      ["collector.sampling.keepPercent", "250"],
    ]) {
      const set = await pulumi(project, [
        "config",
        "set",
        "--stack",
        "dev",
        "--path",
        `${CONFIG_NAMESPACE}:${key}`,
        value,
      ]);
      expect(set.code, set.stderr).toBe(0);
    }
    const preview = await pulumi(project, ["preview", "--stack", "dev", "--non-interactive"]);
    const output = preview.stdout + preview.stderr;
    expect(preview.code, output).not.toBe(0);
    expect(output).toContain("order-tracing:jaeger.replicas: expected an integer from 1 to 10, got 0");
    expect(output).toContain("order-tracing:collector.sampling.keepPercent: expected a number from 0 to 100, got 250");
    // Nothing but the stack itself was registered: no provider, no component, no Kubernetes object.
    expect(output).not.toMatch(/pulumi:providers:|kubernetes:[a-z]|order-tracing:[a-z]+:[A-Z]/);
    expect(output).toMatch(/Resources:\s+\+ 1 to create\s+1 errored/);
    // The messages alone, as Pulumi prints a RunError: no "unhandled exception" wrapper, no stack
    // trace, no dump of the error object's fields; and no "using … from $PATH" plugin warning.
    expect(output).toMatch(
      /error: invalid stack config \(2 problems; see docs\/configuration\.md\):\n\s+- order-tracing:/,
    );
    expect(output).not.toContain("unhandled exception");
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(output).not.toMatch(/StackConfigErrors|ConfigError|errors: \[|problem: '/);
    expect(output).not.toContain("from $PATH");
  });
});
