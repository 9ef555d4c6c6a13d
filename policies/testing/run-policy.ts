import type { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/** A resource as a policy sees it in a preview: its type token and input properties. */
export interface ResourceUnderTest {
  type: string;
  props: Record<string, unknown>;
  name?: string;
}

/** The config a rule gets: its schema's defaults, overridden by `config`. */
function configOf(schema: PolicyConfigSchema | undefined, config: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema?.properties ?? {})) {
    if (property.default !== undefined) defaults[key] = property.default;
  }
  return { ...defaults, ...config };
}

/** Runs one resource rule on one resource as the policy engine would, and returns its violations. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const violations: string[] = [];
  const args = {
    type: resource.type,
    props: resource.props,
    urn: `urn:pulumi:test::test::${resource.type}::${resource.name ?? "r"}`,
    name: resource.name ?? "r",
    opts: {},
    getConfig: () => configOf(policy.configSchema, config),
    isType: (cls: { isInstance?: unknown; __pulumiType?: string }) => cls.__pulumiType === resource.type,
    asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === resource.type ? resource.props : undefined),
    notApplicable: () => undefined,
  } as unknown as ResourceValidationArgs;
  const validate = policy.validateResource;
  const validators = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
  for (const validator of validators) {
    await validator(args, (message: string) => violations.push(message));
  }
  return violations;
}
