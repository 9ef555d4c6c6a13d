import * as pulumi from "@pulumi/pulumi";

/** A resource the program declared under mocks: its type, name and inputs. */
export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * Installs Pulumi mocks that echo inputs as outputs and records every resource declared, so
 * component tests can assert on exactly what the program would send to the engine.
 */
export function recordResources(stack = "dev"): MockedResource[] {
  const declared: MockedResource[] = [];
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "order-tracing",
    stack,
    false,
  );
  return declared;
}

/** Resolves an Output under mocks (tests only). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
