/**
 * References of our images for tests that run the program on a stack file that does not carry them
 * (Pulumi.prod.yaml: its references are recorded by `npm run images -- --push <registry> --stack
 * prod`). A test registry's names: the tests render and check manifests, nothing pulls them.
 */
const TEST_REGISTRY = "registry.test/order-tracing";

export const TEST_IMAGE_REFERENCES = {
  "collector.image": `${TEST_REGISTRY}/otelcol-ordertracing@sha256:${"c".repeat(64)}`,
  "instrumentation.nodejs.image": `${TEST_REGISTRY}/instrumentation-nodejs@sha256:${"b".repeat(64)}`,
} as const;

/** A stack file's `config:` section with the test references set where the file has none. */
export function withTestImageReferences(
  config: Record<string, unknown>,
  namespace = "order-tracing",
): Record<string, unknown> {
  const result = { ...config };
  for (const [dotted, reference] of Object.entries(TEST_IMAGE_REFERENCES)) {
    const [section, ...rest] = dotted.split(".");
    const key = `${namespace}:${section}`;
    const root = structuredClone((result[key] as Record<string, unknown> | undefined) ?? {});
    let node = root;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] ??= reference;
    result[key] = root;
  }
  return result;
}
