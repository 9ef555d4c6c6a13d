/** The project's Pulumi config namespace: every key is `order-tracing:<key>`. */
export const CONFIG_NAMESPACE = "order-tracing";

/**
 * A stack config value that is missing or malformed. The message names the key, what was found and
 * the form that is expected, so a failed `pulumi preview` tells the engineer exactly what to fix.
 */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${CONFIG_NAMESPACE}:${key}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** All problems of one stack config at once, so one preview reports every wrong key. */
export class StackConfigErrors extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(
      `invalid stack config (${errors.length} problem${errors.length === 1 ? "" : "s"}; see docs/configuration.md):\n` +
        errors.map((e) => `  - ${e.message}`).join("\n"),
    );
    this.name = "StackConfigErrors";
  }
}
