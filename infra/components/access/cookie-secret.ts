import * as pulumi from "@pulumi/pulumi";

/**
 * Generates oauth2-proxy's cookie secret once and keeps it, encrypted, in the stack's state. There
 * is no random provider plugin on this project's machines (plugins are built from Go modules and
 * never downloaded), so this is a Pulumi dynamic provider: `create` runs once; afterwards the value
 * never changes unless the resource is replaced (`pulumi up --replace <urn>` rotates it and signs
 * everyone out).
 *
 * The provider's functions are serialised into the state and run by the dynamic-provider host, so
 * they must only use what they require themselves.
 */
export const cookieSecretProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- serialised closure: it requires its own modules
    const crypto = require("crypto") as typeof import("crypto");
    // 32 random bytes, base64url: oauth2-proxy decodes it to an AES-256 key.
    return {
      id: crypto.randomBytes(8).toString("hex"),
      outs: { value: crypto.randomBytes(32).toString("base64url") },
    };
  },
  async diff() {
    return { changes: false };
  },
};

/** oauth2-proxy's cookie secret: 32 random bytes (base64url), generated once, secret in state. */
export class CookieSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(
      cookieSecretProvider,
      name,
      { value: undefined },
      { ...opts, additionalSecretOutputs: ["value"] },
      "order-tracing",
      "CookieSecret",
    );
  }
}
