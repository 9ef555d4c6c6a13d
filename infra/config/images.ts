import { imageReferenceCheck } from "./validators";

/**
 * Our own images (images/definitions.ts) have no default reference: nothing publishes a fixed name,
 * so each stack records the references `npm run images -- --push` printed for it (docs/images.md).
 */

/** The command that publishes our images and records their references in a stack's config. */
export const PUBLISH_IMAGES_COMMAND = "npm run images -- --push <registry> --stack <stack>";

/** The problem of a missing reference to one of our images: what it is for, and the command. */
export function missingOwnImage(what: string): string {
  return `missing: ${what}; publish our images and record their references with \`${PUBLISH_IMAGES_COMMAND}\` (docs/images.md)`;
}

/** One of our images' reference, as `npm run images -- --push` prints it (validators.ts grammar). */
export const imageReference = imageReferenceCheck(
  "registry.example.com/order-tracing/otelcol-ordertracing@sha256:<digest> (what `npm run images -- --push` prints)",
);
