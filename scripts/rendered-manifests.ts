// Finds the kubernetes resources of a render-mode stack whose manifest file is missing from the
// render folder (pulumi-kubernetes issue 4121: render mode writes only created or changed
// resources). Reads `pulumi stack export` on stdin; `missing-urns` prints one URN per line.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

interface StackExport {
  deployment?: { resources?: StateResource[] };
}

/** The file the provider renders an object to (pulumi-kubernetes `renderPathForResource`). */
export function renderedManifestPath(renderDirectory: string, object: Record<string, unknown>): string | undefined {
  const apiVersion = object.apiVersion;
  const kind = object.kind;
  const metadata = object.metadata as { name?: string; namespace?: string } | undefined;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !metadata?.name) return undefined;
  const sanitise = (s: string) => s.replace(/[/:]/g, "_");
  const file = `${sanitise(apiVersion)}-${kind.toLowerCase()}-${metadata.namespace || "default"}-${metadata.name}.yaml`;
  const folder =
    kind === "CustomResourceDefinition" && apiVersion.startsWith("apiextensions.k8s.io/") ? "0-crd" : "1-manifest";
  return path.join(renderDirectory, folder, file);
}

/** URNs of rendered resources whose manifest file does not exist. */
export function missingManifestUrns(exported: StackExport, exists: (file: string) => boolean = existsSync): string[] {
  const resources = exported.deployment?.resources ?? [];
  const renderDirectoryOf = new Map<string, string>();
  for (const r of resources) {
    const dir = r.inputs?.renderYamlToDirectory;
    if (r.type === "pulumi:providers:kubernetes" && typeof dir === "string" && dir !== "") {
      renderDirectoryOf.set(`${r.urn}::${r.id}`, dir);
    }
  }
  const missing: string[] = [];
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || !r.provider || !r.outputs) continue;
    const dir = renderDirectoryOf.get(r.provider);
    if (dir === undefined) continue;
    const file = renderedManifestPath(dir, r.outputs);
    if (file !== undefined && !exists(file)) missing.push(r.urn);
  }
  return missing;
}

if (require.main === module) {
  const [command] = process.argv.slice(2);
  if (command !== "missing-urns") {
    console.error("usage: pulumi stack export | rendered-manifests.ts missing-urns");
    process.exit(2);
  }
  const exported = JSON.parse(readFileSync(0, "utf8")) as StackExport;
  for (const urn of missingManifestUrns(exported)) console.log(urn);
}
