import * as pulumi from "@pulumi/pulumi";
import { afterEach } from "vitest";

/**
 * Waits until every RPC the declared resources queued has reached the mock monitor. A component
 * registers its outputs with an RPC that can still be queued when a test has read the values it
 * wanted; a later setMocks would receive it and reject an unknown URN. Call it before declaring
 * again in the same test; every test file that uses these mocks waits for it between tests.
 */
export function allRegistered(): Promise<void> {
  return pulumi.runtime.disconnect();
}
afterEach(allRegistered);

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
