/**
 * Runs the pack's rules the way the policy engine does, on resources written in tests or recorded
 * from a program under mocks: inputs in their wire form (secrets as secret envelopes, unknowns as
 * the engine's sentinels) go through @pulumi/policy's own deserializer and unknown-checking proxy,
 * the remediation pass (the secret observer) runs before the analysis, and stack rules see every
 * resource at the end.
 */
import {
  UnknownValueError,
  unknownCheckingProxy,
  type PolicyConfigSchema,
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { secretInputsObserver } from "../rules/secret-inputs";

/** A resource as a policy sees it in a preview: its type token and input properties (wire form). */
export interface ResourceUnderTest {
  type: string;
  props: Record<string, unknown>;
  name?: string;
}

export interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

/** The wire form of a secret value (@pulumi/pulumi runtime/rpc.ts specialSigKey, specialSecretSig). */
export function secret(value: unknown): Record<string, unknown> {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

/** The wire form of a string that is unknown during a preview (@pulumi/policy proxy.js unknownStringValue). */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The deserializer is internal to @pulumi/policy (no typings); the server calls it exactly like this.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of @pulumi/policy
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets: boolean): Record<string, unknown>;
};

/** The inputs as the engine sends them: a protobuf Struct, which has no undefined values. */
function wire(props: Record<string, unknown>): { toJavaScript(): unknown } {
  return { toJavaScript: () => JSON.parse(JSON.stringify(props)) };
}

/** Inputs as a validation gets them (secrets unwrapped, unknowns throwing on access). */
function analysisProps(props: Record<string, unknown>): Record<string, unknown> {
  return unknownCheckingProxy(deserializeProperties(wire(props), false));
}

/** Inputs as a remediation gets them (secrets kept as `Secret` objects behind a proxy). */
function remediationProps(props: Record<string, unknown>): Record<string, unknown> {
  return unknownCheckingProxy(deserializeProperties(wire(props), true));
}

export function urnOf(resource: ResourceUnderTest): string {
  return `urn:pulumi:test::test::${resource.type}::${resource.name ?? "r"}`;
}

/** The config a rule gets: its schema's defaults, overridden by `config`. */
function configOf(schema: PolicyConfigSchema | undefined, config: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema?.properties ?? {})) {
    if (property.default !== undefined) defaults[key] = property.default;
  }
  return { ...defaults, ...config };
}

class NotApplicable extends Error {}

/** What the engine reports when a rule reads a value that is unknown during the preview (an advisory). */
function unknownMessage(error: UnknownValueError): string {
  return `can't run during preview: ${error.message}`;
}

/** The engine's remediation pass for one resource: only the secret observer remediates (and only observes). */
async function observe(resource: ResourceUnderTest): Promise<void> {
  const args = {
    type: resource.type,
    urn: urnOf(resource),
    name: resource.name ?? "r",
    props: remediationProps(resource.props),
  } as unknown as ResourceValidationArgs;
  await secretInputsObserver.remediateResource?.(args);
}

/** Runs one resource rule on one resource as the policy engine would, and returns its violations. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  await observe(resource);
  const violations: string[] = [];
  const props = analysisProps(resource.props);
  const args = {
    type: resource.type,
    props,
    urn: urnOf(resource),
    name: resource.name ?? "r",
    opts: {},
    stackTags: new Map(),
    getConfig: () => configOf(policy.configSchema, config),
    isType: () => false,
    asType: () => undefined,
    notApplicable: () => {
      throw new NotApplicable();
    },
  } as unknown as ResourceValidationArgs;
  const validate = policy.validateResource;
  const validators = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
  for (const validator of validators) {
    try {
      await validator(args, (message: string) => violations.push(message));
    } catch (error) {
      if (error instanceof UnknownValueError) violations.push(unknownMessage(error));
      else if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return violations;
}

/** Runs one stack rule over a stack's resources as the policy engine would, and returns its violations. */
export async function stackViolationsOf(
  policy: StackValidationPolicy,
  resources: ResourceUnderTest[],
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const args = {
    resources: resources.map(
      (resource) =>
        ({
          type: resource.type,
          props: analysisProps(resource.props),
          urn: urnOf(resource),
          name: resource.name ?? "r",
        }) as unknown as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: () => configOf(policy.configSchema, config),
    notApplicable: () => {
      throw new NotApplicable();
    },
  } as unknown as StackValidationArgs;
  try {
    await policy.validateStack(args, (message: string, urn?: string) =>
      violations.push({ policy: policy.name, message, urn }),
    );
  } catch (error) {
    if (error instanceof UnknownValueError) violations.push({ policy: policy.name, message: unknownMessage(error) });
    else if (!(error instanceof NotApplicable)) throw error;
  }
  return violations;
}

/**
 * The whole pack over a stack, as a preview runs it: per resource the remediation pass and every
 * resource rule, then every stack rule. Rules disabled in `config` (`{ "<rule>": "disabled" }` or
 * `{ "<rule>": { enforcementLevel: "disabled" } }`) are skipped.
 */
export async function packViolationsOf(
  policies: (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: ResourceUnderTest[],
  config: Record<string, unknown> = {},
): Promise<Violation[]> {
  const enabled = policies.filter((p) => {
    const level = typeof config[p.name] === "string" ? config[p.name] : (config[p.name] as Props)?.enforcementLevel;
    return (level ?? p.enforcementLevel) !== "disabled";
  });
  const ruleConfig = (name: string): Record<string, unknown> =>
    typeof config[name] === "object" && config[name] !== null ? (config[name] as Record<string, unknown>) : {};
  const violations: Violation[] = [];
  for (const resource of resources) {
    for (const policy of enabled) {
      if (!("validateResource" in policy) || policy.validateResource === undefined) continue;
      for (const message of await violationsOf(policy, resource, ruleConfig(policy.name))) {
        violations.push({ policy: policy.name, message, urn: urnOf(resource) });
      }
    }
  }
  for (const policy of enabled) {
    if ("validateStack" in policy)
      violations.push(...(await stackViolationsOf(policy, resources, ruleConfig(policy.name))));
  }
  return violations;
}

type Props = Record<string, unknown>;
