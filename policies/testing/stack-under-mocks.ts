/**
 * Runs the real composition root (infra/index.ts) under Pulumi mocks with a stack file's config,
 * and returns every resource it declares in the wire form a policy pack receives. Secure config
 * values cannot be decrypted here, so each becomes a placeholder that the program still sees as a
 * Pulumi secret.
 */
import { withTestImageReferences } from "../../infra/testing/image-references";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { isSecureValue, stackFileConfig } from "../../infra/config/stack-file";
import { settled } from "../../infra/testing/settle";
import type { MockedResource } from "../../infra/testing/mocks";
import type { ResourceUnderTest } from "./run-policy";

const REPO = path.resolve(__dirname, "..", "..");
const PROJECT = "order-tracing";

/** The config of `Pulumi.<stack>.yaml` as the language host hands it to a program, and its secret keys. */
export function stackConfig(stack: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  // Our images' references are recorded per stack by `npm run images`: tests supply them where absent.
  for (const [key, value] of Object.entries(withTestImageReferences(stackFileConfig(REPO, stack)))) {
    if (isSecureValue(value)) {
      config[key] = `placeholder-for-${key}`;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

export interface ProgramUnderMocks {
  project: string;
  stack: string;
  /** Loads the program (an import of its entry module, which declares resources when it runs). */
  load: () => Promise<unknown>;
  config: Record<string, string>;
  secretKeys?: string[];
}

/**
 * Runs a Pulumi program under mocks and waits until every resource is registered. Call it once per
 * test file: a program is a module, which runs when first imported.
 */
export async function declareProgram(program: ProgramUnderMocks): Promise<ResourceUnderTest[]> {
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
    program.project,
    program.stack,
    false,
  );
  const secretKeys = program.secretKeys ?? [];
  pulumi.runtime.setAllConfig(program.config, secretKeys);
  // The language host lists secret keys in the environment; the program's config check reads them there.
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
  await program.load();
  await settled(declared);
  return declared.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
}

/** This repository's program (infra/index.ts) with the config of `Pulumi.<stack>.yaml`. */
export function declareStack(stack: string): Promise<ResourceUnderTest[]> {
  return declareProgram({
    project: PROJECT,
    stack,
    load: () => import("../../infra/index"),
    ...stackConfig(stack),
  });
}
