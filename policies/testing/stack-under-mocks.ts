/**
 * Runs the real composition root (infra/index.ts) under Pulumi mocks with a stack file's config,
 * and returns every resource it declares in the wire form a policy pack receives. Secure config
 * values cannot be decrypted here, so each becomes a placeholder that the program still sees as a
 * Pulumi secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { settled } from "../../infra/testing/settle";
import type { MockedResource } from "../../infra/testing/mocks";
import type { ResourceUnderTest } from "./run-policy";

const REPO = path.resolve(__dirname, "..", "..");
const PROJECT = "order-tracing";

/** The config of `Pulumi.<stack>.yaml` as the language host hands it to a program, and its secret keys. */
export function stackConfig(stack: string): { config: Record<string, string>; secretKeys: string[] } {
  const file = yaml.load(readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(file.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      config[key] = `placeholder-for-${key}`;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/**
 * Declares the stack's program under mocks and waits until every resource is registered. Call it
 * once per test file: the program is a module that runs when first imported.
 */
export async function declareStack(stack: string): Promise<ResourceUnderTest[]> {
  const declared: MockedResource[] = [];
  // The mock monitor has no transform support: apply the program's stack transforms here instead.
  const transforms: pulumi.ResourceTransform[] = [];
  pulumi.runtime.registerResourceTransform = (transform) => void transforms.push(transform);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        let inputs = args.inputs;
        for (const transform of transforms) {
          const result = transform({
            type: args.type,
            name: args.name,
            props: inputs,
            opts: {},
            custom: !!args.custom,
          });
          if (result && !(result instanceof Promise)) inputs = result.props;
        }
        declared.push({ type: args.type, name: args.name, inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    false,
  );
  const { config, secretKeys } = stackConfig(stack);
  pulumi.runtime.setAllConfig(config, secretKeys);
  // The language host lists secret keys in the environment; the program's config check reads them there.
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
  await import("../../infra/index");
  await settled(declared);
  return declared.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
}
