import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

interface Descriptor {
  digest: string;
  mediaType: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

function blob(layout: string, digest: string): string {
  return path.join(layout, "blobs", ...digest.split(":"));
}

export function readJsonBlob<T>(layout: string, digest: string): T {
  return JSON.parse(readFileSync(blob(layout, digest), "utf8")) as T;
}

/** The image index of an OCI layout (the one index.json names). */
export function layoutIndex(layout: string): { digest: string; index: { manifests: Descriptor[] } } {
  const top = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8")) as { manifests: Descriptor[] };
  const digest = top.manifests[0].digest;
  return { digest, index: readJsonBlob(layout, digest) };
}

/**
 * Unpacks one platform's image of an OCI layout into `rootfs` with tar, layer by layer (our layers
 * add files only, no whiteouts). Returns the image config.
 */
export function unpackPlatform(
  layout: string,
  architecture: string,
  rootfs: string,
): { config: { User: string; Entrypoint: string[]; Cmd?: string[]; Env?: string[] } } {
  const { index } = layoutIndex(layout);
  const descriptor = index.manifests.find((m) => m.platform?.architecture === architecture);
  if (!descriptor) throw new Error(`${layout}: no ${architecture} image`);
  const manifest = readJsonBlob<{ config: Descriptor; layers: Descriptor[] }>(layout, descriptor.digest);
  mkdirSync(rootfs, { recursive: true });
  for (const layer of manifest.layers) {
    execFileSync("tar", ["-xzf", blob(layout, layer.digest), "-C", rootfs, "--same-owner", "--numeric-owner"]);
  }
  return readJsonBlob(layout, manifest.config.digest);
}
