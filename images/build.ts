/**
 * Writes image definitions (definitions.ts) as OCI image indexes, to OCI layouts or to a registry,
 * through tools/imagebuild (go-containerregistry). The functions other code uses:
 *
 *   buildImage(image, target, context)     one image → its index digest, per-platform digests and sizes
 *   buildImages(images, target, options)   several, sharing one set of prepared inputs
 *
 * A target is `{ layout: DIR }` (DIR/<name>, an OCI layout) or `{ registry: HOST[:PORT][/PATH] }`
 * (pushed as <registry>/<name>:<version>, referenced as <registry>/<name>@sha256:…).
 */
import { rmSync } from "node:fs";
import * as path from "node:path";
import {
  ARCHITECTURES,
  type Architecture,
  IMAGE_USER,
  PLATFORMS,
  type EntryDefinition,
  type ImageDefinition,
  type PlatformFacts,
} from "./definitions";
import { BuildInputs, REPO, runCommand, type InputOptions } from "./inputs";
import { registryAddress } from "../infra/config/validators";

export type ImageTarget = { layout: string } | { registry: string };

/** What goes into every image's annotations besides its own name and version. */
export interface BuildMetadata {
  /** The commit the images are built from (`-dirty` when tracked files differ from it). */
  revision: string;
  /** The repository's address (`org.opencontainers.image.source`); absent when unknown. */
  source?: string;
  /** Creation time of every image and modification time of every file: the commit's time. */
  created: string;
}

export interface PlatformImage {
  platform: string;
  digest: string;
  config: string;
  /** Sum of the compressed layers: what a node pulls. */
  compressedBytes: number;
  uncompressedBytes: number;
  files: number;
}

export interface BuiltImage {
  name: string;
  version: string;
  /** The index digest. */
  digest: string;
  /** `<registry>/<name>@<digest>` after a push, `<dir>/<name>` for a layout. */
  reference: string;
  /** The stack config key that takes the reference (definitions.ts). */
  configKey: string;
  platforms: PlatformImage[];
}

/** The spec tools/imagebuild reads (its Spec type). */
interface ImagebuildSpec {
  created: string;
  annotations: Record<string, string>;
  platforms: Array<{
    os: "linux";
    architecture: string;
    config: {
      user: string;
      entrypoint: string[];
      cmd?: string[];
      env?: string[];
      workingDir?: string;
      exposedPorts?: string[];
      labels: Record<string, string>;
    };
    layers: Array<{ comment: string; entries: Array<Record<string, unknown>> }>;
  }>;
}

interface ImagebuildSummary {
  digest: string;
  manifests: Array<{
    platform: string;
    digest: string;
    config: string;
    layers: Array<{ digest: string; size: number; uncompressedSize: number; files: number }>;
  }>;
}

export interface BuildContext {
  inputs: BuildInputs;
  metadata: BuildMetadata;
  log?: (line: string) => void;
  /** Only these platforms (e.g. a test cluster's own); every one of ARCHITECTURES when absent. */
  architectures?: readonly Architecture[];
}

/** What an image's spec is made of: one of our definitions, or an upstream image (images/upstream.ts). */
export type ImageContent = Pick<ImageDefinition, "title" | "description" | "version" | "runtime" | "layers"> & {
  /** The user (and group) it runs as; IMAGE_USER when absent. */
  user?: number;
  /** Its platforms; ARCHITECTURES when absent. */
  architectures?: readonly Architecture[];
  /** `org.opencontainers.image.licenses`; Apache-2.0 (ours) when absent. */
  licenses?: string;
};

/** `org.opencontainers.image.*` annotations of an image (also set as its config labels). */
export function imageAnnotations(image: ImageContent, metadata: BuildMetadata): Record<string, string> {
  const annotations: Record<string, string> = {
    "org.opencontainers.image.title": image.title,
    "org.opencontainers.image.description": image.description,
    "org.opencontainers.image.version": image.version,
    "org.opencontainers.image.revision": metadata.revision,
    "org.opencontainers.image.created": metadata.created,
    "org.opencontainers.image.licenses": image.licenses ?? "Apache-2.0",
  };
  if (metadata.source) annotations["org.opencontainers.image.source"] = metadata.source;
  return annotations;
}

/** The revision, source and time of the work tree, from git (SOURCE_DATE_EPOCH overrides the time). */
export async function buildMetadata(options: { source?: string } = {}): Promise<BuildMetadata> {
  const git = (...args: string[]) => runCommand("git", args).then((out) => out.trim());
  const head = await git("rev-parse", "HEAD");
  const dirty = await runCommand("git", ["diff", "--quiet", "HEAD", "--"]).then(
    () => false,
    () => true,
  );
  const epoch = process.env.SOURCE_DATE_EPOCH ?? (await git("log", "-1", "--format=%ct", "HEAD"));
  const created = new Date(Number(epoch) * 1000).toISOString().replace(".000Z", "Z");
  const fromWorkflow =
    process.env.GITHUB_SERVER_URL && process.env.GITHUB_REPOSITORY
      ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}`
      : undefined;
  const origin = await git("remote", "get-url", "origin").catch(() => "");
  return {
    revision: dirty ? `${head}-dirty` : head,
    source: options.source ?? fromWorkflow ?? (origin || undefined),
    created,
  };
}

async function layerEntries(
  entries: EntryDefinition[],
  platform: PlatformFacts,
  inputs: BuildInputs,
): Promise<Array<Record<string, unknown>>> {
  return Promise.all(
    entries.map(async (entry) => {
      if ("input" in entry) {
        const root = await inputs.path(entry.input, platform);
        return { path: entry.path, source: entry.file ? path.join(root, entry.file) : root };
      }
      if ("content" in entry) return { path: entry.path, content: entry.content, mode: entry.mode };
      if ("symlink" in entry) return { path: entry.path, symlink: entry.symlink };
      return { path: entry.path, mode: entry.mode };
    }),
  );
}

/** The imagebuild spec of an image: every input prepared, for each of its platforms. */
export async function imageSpec(
  image: ImageContent,
  inputs: BuildInputs,
  metadata: BuildMetadata,
): Promise<ImagebuildSpec> {
  const annotations = imageAnnotations(image, metadata);
  return {
    created: metadata.created,
    annotations,
    platforms: await Promise.all(
      (image.architectures ?? ARCHITECTURES).map(async (architecture) => {
        const platform = PLATFORMS[architecture];
        return {
          os: "linux" as const,
          architecture,
          config: {
            user: `${image.user ?? IMAGE_USER}:${image.user ?? IMAGE_USER}`,
            ...image.runtime,
            labels: annotations,
          },
          layers: await Promise.all(
            image.layers(platform).map(async (layer) => ({
              comment: layer.comment,
              entries: await layerEntries(layer.entries, platform, inputs),
            })),
          ),
        };
      }),
    ),
  };
}

/** Builds one image and writes it to the target. */
export async function buildImage(
  image: ImageDefinition,
  target: ImageTarget,
  context: BuildContext,
): Promise<BuiltImage> {
  const architectures = context.architectures ?? ARCHITECTURES;
  const spec = await imageSpec({ ...image, architectures }, context.inputs, context.metadata);
  await context.inputs.tool("imagebuild");
  const binary = path.join(REPO, ".tools", "bin", "imagebuild");
  let args: string[];
  let reference: string;
  if ("layout" in target) {
    const dir = path.join(path.resolve(target.layout), image.name);
    rmSync(dir, { recursive: true, force: true });
    // The tag goes into the layout's index.json only, so the index digest is the one a push gives.
    args = ["--layout", dir, "--ref-name", image.version];
    reference = dir;
  } else {
    const problem = registryAddress(target.registry);
    if (problem) throw new Error(`--push: ${problem}`);
    args = ["--push", `${target.registry}/${image.name}:${image.version}`];
    reference = `${target.registry}/${image.name}`;
  }
  context.log?.(`building ${image.name}:${image.version} (${architectures.join(", ")})`);
  const summary = JSON.parse(await runCommand(binary, args, { input: JSON.stringify(spec) })) as ImagebuildSummary;
  return {
    name: image.name,
    version: image.version,
    digest: summary.digest,
    reference: "layout" in target ? reference : `${reference}@${summary.digest}`,
    configKey: image.configKey,
    platforms: summary.manifests.map((m) => ({
      platform: m.platform,
      digest: m.digest,
      config: m.config,
      compressedBytes: m.layers.reduce((sum, l) => sum + l.size, 0),
      uncompressedBytes: m.layers.reduce((sum, l) => sum + l.uncompressedSize, 0),
      files: m.layers.reduce((sum, l) => sum + l.files, 0),
    })),
  };
}

export interface BuildImagesOptions extends InputOptions {
  /** Annotation `org.opencontainers.image.source`; default from the workflow or git's origin. */
  source?: string;
  /** Only these platforms; every one of ARCHITECTURES when absent. */
  architectures?: readonly Architecture[];
}

/** Builds several images with one set of prepared inputs, one after another. */
export async function buildImages(
  images: readonly ImageDefinition[],
  target: ImageTarget,
  options: BuildImagesOptions = {},
): Promise<BuiltImage[]> {
  const inputs = new BuildInputs(options);
  try {
    const metadata = await buildMetadata({ source: options.source });
    if (!metadata.source)
      options.log?.(
        "no source repository known (no --source, workflow or git origin): images carry no source annotation",
      );
    const built: BuiltImage[] = [];
    for (const image of images)
      built.push(
        await buildImage(image, target, { inputs, metadata, log: options.log, architectures: options.architectures }),
      );
    return built;
  } finally {
    inputs.dispose();
  }
}

/**
 * Builds an image from its content and pushes it under a full reference (`host[:port]/path:tag`),
 * as images/upstream.ts does for upstream names; returns the index digest.
 */
export async function pushImage(content: ImageContent, reference: string, context: BuildContext): Promise<string> {
  const spec = await imageSpec(content, context.inputs, context.metadata);
  await context.inputs.tool("imagebuild");
  const binary = path.join(REPO, ".tools", "bin", "imagebuild");
  context.log?.(`building ${reference} (${(content.architectures ?? ARCHITECTURES).join(", ")})`);
  const summary = JSON.parse(
    await runCommand(binary, ["--push", reference], { input: JSON.stringify(spec) }),
  ) as ImagebuildSummary;
  return summary.digest;
}
