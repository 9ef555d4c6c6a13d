/**
 * `npm run images`: builds every image of ours (images/definitions.ts) for linux/amd64 and
 * linux/arm64, without a Docker engine, and writes OCI layouts or pushes them.
 *
 *   npm run images -- --output DIR                     DIR/<name>: one OCI layout per image
 *   npm run images -- --push REGISTRY [--stack NAME]   push; print REGISTRY/<name>@sha256:…; with
 *                                                      --stack, set those references in the stack
 *   options: --image NAME (repeatable: only these), --source URL (org.opencontainers.image.source)
 */
import { parseArgs } from "node:util";
import { buildImages, type BuiltImage, type ImageTarget } from "./build";
import { registryAddress } from "../infra/config/validators";
import { IMAGES, imageNamed } from "./definitions";
import { recordInStack } from "./stack";

const USAGE = `usage: npm run images -- (--output DIR | --push REGISTRY [--stack NAME]) [--image NAME]... [--source URL]
images: ${IMAGES.map((i) => i.name).join(", ")}`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      output: { type: "string" },
      push: { type: "string" },
      stack: { type: "string" },
      image: { type: "string", multiple: true },
      source: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  if ((values.output === undefined) === (values.push === undefined))
    throw new UsageError("give exactly one of --output DIR or --push REGISTRY");
  if (values.stack !== undefined && values.push === undefined)
    throw new UsageError("--stack needs --push: a stack needs references a cluster can pull");
  if (values.push !== undefined) {
    const problem = registryAddress(values.push);
    if (problem) throw new UsageError(`--push: ${problem}`);
  }
  const target: ImageTarget = values.push !== undefined ? { registry: values.push } : { layout: values.output! };
  const images = values.image ? values.image.map(imageNamed) : IMAGES;
  return { target, images, stack: values.stack, source: values.source };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function describe(image: BuiltImage): string {
  const platforms = image.platforms
    .map((p) => `${p.platform} ${mib(p.compressedBytes)} compressed, ${p.files} files`)
    .join("; ");
  return `[images] ${image.name}:${image.version} ${image.digest} (${platforms})`;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const log = (line: string) => console.error(`[images] ${line}`);
  const built = await buildImages(options.images, options.target, { source: options.source, log });
  for (const image of built) {
    console.error(describe(image));
    console.log(image.reference);
  }
  if (options.stack !== undefined) {
    await recordInStack(options.stack, built);
    log(`recorded in stack ${options.stack}: ${built.map((i) => `order-tracing:${i.configKey}`).join(", ")}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[images] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
