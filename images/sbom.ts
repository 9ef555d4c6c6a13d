/**
 * The SBOM each image carries at /usr/share/sbom/<image>.cdx.json (CycloneDX JSON), made by the
 * ecosystems' own tools and narrowed to what the image holds:
 *
 *   - npm packages: `npm sbom --sbom-format cyclonedx` of the package's lockfile, which lists the
 *     whole tree (dev dependencies included), kept to the packages the image actually carries (the
 *     instrumentation bundle's build/bundle-packages.json; the report's runtime packages);
 *   - Go modules: cyclonedx-gomod's output for our collector (tools/build.sh otelcol-ordertracing-sbom);
 *   - Debian packages whose files an image takes: one component each, and their control data as
 *     dpkg status files (/var/lib/dpkg/status.d/<package>, as distroless images keep them) for
 *     scanners that read those.
 *
 * No serial number and no timestamp: the same inputs give the same file, so the image digests stay
 * reproducible (the image's `created` annotation says when it was built).
 */
export interface CycloneDxComponent {
  "bom-ref"?: string;
  type: string;
  name: string;
  group?: string;
  version?: string;
  description?: string;
  purl?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: unknown[];
  properties?: Array<{ name: string; value: string }>;
  [key: string]: unknown;
}

export interface CycloneDx {
  bomFormat: "CycloneDX";
  specVersion: string;
  serialNumber?: string;
  version: number;
  metadata: { timestamp?: string; component?: CycloneDxComponent; [key: string]: unknown };
  components: CycloneDxComponent[];
  dependencies?: Array<{ ref: string; dependsOn?: string[] }>;
  [key: string]: unknown;
}

/** An npm package as an image carries it. */
export interface NpmPackage {
  name: string;
  version: string;
}

const npmRef = (p: NpmPackage) => `${p.name}@${p.version}`;

/** The arguments of `npm sbom` whose output narrowNpmSbom takes (run in the package's folder). */
export const NPM_SBOM_ARGS = ["sbom", "--sbom-format", "cyclonedx", "--package-lock-only"] as const;

/**
 * `npm sbom` of a package (NPM_SBOM_ARGS: its lockfile's whole tree) narrowed to `carried`: every
 * carried package must be in npm's list (else this throws: the list and the lockfile disagree), and
 * nothing else stays. The main component is the package itself, under its own name (npm names it
 * after the folder it ran in).
 */
export function narrowNpmSbom(npmOutput: string, main: NpmPackage, carried: readonly NpmPackage[]): CycloneDx {
  const bom = JSON.parse(npmOutput) as CycloneDx;
  const keep = new Set(carried.map(npmRef));
  const listed = new Set(bom.components.map((c) => c["bom-ref"]));
  const absent = [...keep].filter((ref) => !listed.has(ref));
  if (absent.length > 0)
    throw new Error(`npm sbom of ${npmRef(main)} does not list ${absent.join(", ")}, which the image carries`);
  const root = bom.metadata.component;
  if (!root || root["bom-ref"] !== npmRef(main))
    throw new Error(`npm sbom: main component ${root?.["bom-ref"]}, expected ${npmRef(main)}`);
  // npm names the main component after the folder it ran in: give it the package's name (as npm
  // names every other component, scope included).
  bom.metadata.component = { ...root, name: main.name };
  // What the image carries is what it runs: a package that the lockfile has as a development
  // dependency (the whole instrumentation bundle is built from those) is required in the image.
  bom.components = bom.components
    .filter((c) => keep.has(c["bom-ref"] ?? ""))
    .map((c) => ({
      ...c,
      scope: "required",
      properties: (c.properties ?? []).filter((p) => p.name !== "cdx:npm:package:development"),
    }));
  const kept = new Set([npmRef(main), ...keep]);
  bom.dependencies = (bom.dependencies ?? [])
    .filter((d) => kept.has(d.ref))
    .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => kept.has(ref)) }));
  return reproducible(bom);
}

/** Without the serial number and timestamp the tools add on every run. */
export function reproducible(bom: CycloneDx): CycloneDx {
  const { serialNumber: _serial, ...rest } = bom;
  void _serial;
  const { timestamp: _timestamp, ...metadata } = bom.metadata;
  void _timestamp;
  return { ...rest, metadata };
}

/** A Debian package whose files an image takes, with its control data (`dpkg-deb --field`). */
export interface DebianPackageRecord {
  name: string;
  version: string;
  architecture: string;
  /** The package's control paragraph, as `dpkg-deb --field FILE` prints it. */
  control: string;
}

/** The CycloneDX component of a Debian package (package URL type `deb`). */
export function debianComponent(pkg: DebianPackageRecord): CycloneDxComponent {
  const purl = `pkg:deb/debian/${encodeURIComponent(pkg.name)}@${encodeURIComponent(pkg.version)}?arch=${pkg.architecture}`;
  return { "bom-ref": purl, type: "library", name: pkg.name, version: pkg.version, purl };
}

/**
 * The dpkg status file of a package as distroless images keep them (/var/lib/dpkg/status.d/<name>):
 * its control paragraph with `Status: install ok installed` after the Package field.
 */
export function dpkgStatusFile(pkg: DebianPackageRecord): string {
  const lines = pkg.control.trimEnd().split("\n");
  const at = lines.findIndex((line) => line.startsWith("Package:"));
  lines.splice(at + 1, 0, "Status: install ok installed");
  return lines.join("\n") + "\n";
}

/** `bom` with more components (and, when given, the main component depending on them). */
export function withComponents(bom: CycloneDx, components: CycloneDxComponent[]): CycloneDx {
  const mainRef = bom.metadata.component?.["bom-ref"];
  const refs = components.map((c) => c["bom-ref"]).filter((ref): ref is string => ref !== undefined);
  return {
    ...bom,
    components: [...bom.components, ...components],
    dependencies: [
      ...(bom.dependencies ?? []).map((d) =>
        d.ref === mainRef ? { ...d, dependsOn: [...(d.dependsOn ?? []), ...refs] } : d,
      ),
      ...refs.map((ref) => ({ ref, dependsOn: [] })),
    ],
  };
}

/** The hexadecimal SHA-512 of an npm integrity string (`sha512-<base64>`). */
export function sha512Hex(integrity: string): string {
  return Buffer.from(integrity.replace(/^sha512-/, ""), "base64").toString("hex");
}

/** The image's SBOM file: stable key order as the tools wrote it, two-space indentation. */
export function sbomText(bom: CycloneDx): string {
  return JSON.stringify(bom, null, 2) + "\n";
}
