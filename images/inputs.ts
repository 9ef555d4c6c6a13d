/**
 * The build inputs of the images (definitions.ts `InputName`), prepared for one platform each:
 * binaries tools/build.sh builds (cached per machine), the instrumentation bundle, the report
 * compiled alone, Node.js from npm, and files of Debian packages fetched with apt-get into a private
 * apt state (the machine's own sources; its dpkg database and architectures stay untouched).
 * Downloads are cached under ~/.cache/order-tracing/images and checked before use.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import {
  COLLECTOR_IMAGE,
  INSTRUMENTATION_IMAGE,
  LICENSE_PACKAGES,
  NODE_RUNTIME,
  NODE_RUNTIME_PACKAGES,
  REPORT_IMAGE,
  type Architecture,
  type InputName,
  type PlatformFacts,
} from "./definitions";
import {
  debianComponent,
  dpkgStatusFile,
  narrowNpmSbom,
  NPM_SBOM_ARGS,
  reproducible,
  sbomText,
  sha512Hex,
  withComponents,
  type CycloneDx,
  type DebianPackageRecord,
  type NpmPackage,
} from "./sbom";

export const REPO = path.resolve(__dirname, "..");

export interface InputOptions {
  /** Where downloads are kept between builds; default ~/.cache/order-tracing/images. */
  cacheDir?: string;
  /** Progress lines (to stderr in the command line). */
  log?: (line: string) => void;
}

/** Runs a command, returns its stdout; on failure the error carries its stderr. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd ?? REPO,
        env: options.env ?? process.env,
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 3_600_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Prepares inputs on demand, each once per instance. */
export class BuildInputs {
  readonly cacheDir: string;
  private readonly log: (line: string) => void;
  private readonly prepared = new Map<string, Promise<string>>();
  private readonly workDir = mkdtempSync(path.join(tmpdir(), "order-tracing-images-"));
  private aptUpdated: Promise<void> | undefined;
  /** The Debian packages whose files went into the report image, per platform. */
  private readonly debianPackages = new Map<Architecture, DebianPackageRecord[]>();
  /** The ca-certificates package the collector image's bundle comes from. */
  private caCertificatesPackage: DebianPackageRecord | undefined;
  /** The npm packages in the report image's /app/node_modules. */
  private reportRuntime: LockedPackage[] = [];

  constructor(options: InputOptions = {}) {
    this.cacheDir =
      options.cacheDir ??
      path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "order-tracing", "images");
    this.log = options.log ?? (() => undefined);
  }

  /** The host path (file or folder) of an input for a platform. */
  path(name: InputName, platform: PlatformFacts): Promise<string> {
    const key = `${name}/${platform.architecture}`;
    let result = this.prepared.get(key);
    if (!result) {
      result = this.prepare(name, platform);
      this.prepared.set(key, result);
    }
    return result;
  }

  /** Removes this instance's temporary folder (compiled report); the download cache stays. */
  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async prepare(name: InputName, platform: PlatformFacts): Promise<string> {
    const arch = platform.architecture;
    switch (name) {
      case "initcopy":
        await this.buildTool("initcopy");
        return path.join(REPO, ".tools", "bin", `initcopy-linux-${arch}`);
      case "collector": {
        const tool = arch === "amd64" ? "otelcol-ordertracing" : `otelcol-ordertracing-${arch}`;
        await this.buildTool(tool);
        return path.join(REPO, ".tools", "bin", tool);
      }
      case "instrumentation-bundle":
        return this.instrumentationBundle();
      case "report":
        // Architecture-independent JavaScript: compiled once for every platform.
        return arch === "amd64" ? this.compileReport() : this.path("report", { ...platform, architecture: "amd64" });
      case "order-system":
        // JavaScript as well: compiled once for every platform.
        return arch === "amd64"
          ? this.compileOrderSystem()
          : this.path("order-system", { ...platform, architecture: "amd64" });
      case "node":
        return this.nodeRuntime(platform);
      case "debian-packages":
        return this.debianRoot(arch, [...new Set([...NODE_RUNTIME_PACKAGES, ...LICENSE_PACKAGES])]);
      case "ca-certificates":
        return this.caCertificates();
      case "jaeger":
      case "jaeger-es-index-cleaner":
      case "oauth2-proxy":
        if (arch !== "amd64") throw new Error(`${name} is built for this machine's platform (amd64) only`);
        await this.buildTool(name);
        return path.join(REPO, ".tools", "bin", name);
      case "sbom-instrumentation":
        return this.instrumentationSbom(platform);
      case "sbom-collector":
        return this.collectorSbom(platform);
      case "sbom-report":
        return this.reportSbom(platform);
    }
  }

  /** Builds (or reuses) a tool of tools/build.sh. */
  tool(tool: string): Promise<string> {
    return this.buildTool(tool);
  }

  private buildTool(tool: string): Promise<string> {
    const key = `tool:${tool}`;
    let result = this.prepared.get(key);
    if (!result) {
      this.log(`tools/build.sh ${tool} (built once per machine, then reused)`);
      result = runCommand("bash", [path.join(REPO, "tools", "build.sh"), tool]);
      this.prepared.set(key, result);
    }
    return result;
  }

  /** instrumentation/build/bundle, rebuilt first when any of its sources is newer. */
  private async instrumentationBundle(): Promise<string> {
    const dir = path.join(REPO, "instrumentation");
    const bundle = path.join(dir, "build", "bundle");
    const entry = path.join(bundle, "register.js");
    const sources = [
      path.join(dir, "package-lock.json"),
      path.join(dir, "scripts", "build-bundle.mjs"),
      ...listFiles(path.join(dir, "src")),
      // The bundle also carries the trace contract it imports (contract/trace.ts).
      ...listFiles(path.join(REPO, "contract")).filter((file) => !file.endsWith(".test.ts")),
    ];
    const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : 0;
    if (sources.some((file) => statSync(file).mtimeMs > builtAt)) {
      this.log("instrumentation bundle missing or older than its sources: npm run --prefix instrumentation build");
      await runCommand("npm", ["run", "--prefix", "instrumentation", "--silent", "build"]);
    }
    return bundle;
  }

  /**
   * cli/report compiled alone, as cli/report/tsconfig.image.json says (the compile the report test
   * runs), with the npm packages it requires at run time (prom-client for --serve, and what that
   * needs) in its node_modules, copied from the repository's as the root lockfile places them.
   */
  private async compileReport(): Promise<string> {
    const out = path.join(this.workDir, "report");
    const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
    await runCommand(process.execPath, [tsc, "-p", "cli/report/tsconfig.image.json", "--outDir", out]);
    this.reportRuntime = this.reportPackages(out);
    for (const pkg of this.reportRuntime) {
      const source = path.join(REPO, pkg.path);
      // Each package without its own nested node_modules: those are packages of their own here.
      cpSync(source, path.join(out, pkg.path), {
        recursive: true,
        filter: (file) => !path.relative(source, file).split(path.sep).includes("node_modules"),
      });
    }
    return out;
  }

  /**
   * examples/order-system compiled (its tsconfig.build.json) into dist/, with its production npm
   * packages in node_modules, copied from its own node_modules as its lockfile places them. The one
   * linked package, the instrumentation's status API (`file:../../instrumentation`), is taken as its
   * package.json and built library (build/lib), which is all the services load of it.
   */
  private async compileOrderSystem(): Promise<string> {
    const dir = path.join(REPO, "examples", "order-system");
    // The status API's library and type declarations come with the instrumentation's build.
    await this.instrumentationBundle();
    const out = path.join(this.workDir, "order-system");
    const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
    await runCommand(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", path.join(out, "dist")], {
      cwd: dir,
    });
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    cpSync(path.join(dir, "package.json"), path.join(out, "package.json"));
    for (const pkg of lockedClosure(path.join(dir, "package-lock.json"), Object.keys(manifest.dependencies))) {
      const source = path.join(dir, pkg.path);
      const target = path.join(out, pkg.path);
      if (lstatSync(source).isSymbolicLink()) {
        const linked = realpathSync(source);
        cpSync(path.join(linked, "package.json"), path.join(target, "package.json"));
        cpSync(path.join(linked, "build", "lib"), path.join(target, "build", "lib"), { recursive: true });
        continue;
      }
      cpSync(source, target, {
        recursive: true,
        filter: (file) => !path.relative(source, file).split(path.sep).includes("node_modules"),
      });
    }
    return out;
  }

  /** The npm packages the compiled report requires (bare `require("…")`), with their dependencies. */
  private reportPackages(compiled: string): LockedPackage[] {
    const required = new Set<string>();
    for (const file of listFiles(compiled).filter((f) => f.endsWith(".js")))
      for (const match of readFileSync(file, "utf8").matchAll(/\brequire\("([^".][^"]*)"\)/g))
        if (!match[1].startsWith("node:")) required.add(packageNameOf(match[1]));
    return lockedClosure(path.join(REPO, "package-lock.json"), [...required]);
  }

  /** The npm package node-linux-<cpu>, checked against the pinned integrity, unpacked (bin/node, LICENSE). */
  private async nodeRuntime(platform: PlatformFacts): Promise<string> {
    const name = `node-linux-${platform.npmCpu}`;
    const dir = path.join(this.cacheDir, "node", `${name}-${NODE_RUNTIME.version}`);
    if (existsSync(path.join(dir, ".complete"))) return dir;
    this.log(`npm pack ${name}@${NODE_RUNTIME.version}`);
    const tmp = mkdtempSync(path.join(this.workDir, "node-"));
    const packed = JSON.parse(
      await runCommand("npm", ["pack", `${name}@${NODE_RUNTIME.version}`, "--json", "--pack-destination", tmp], {
        cwd: tmp,
      }),
    ) as Array<{ filename: string; integrity: string }>;
    const expected = NODE_RUNTIME.integrity[platform.architecture];
    const file = path.join(tmp, packed[0].filename);
    const actual = `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
    if (actual !== expected || packed[0].integrity !== expected) {
      throw new Error(
        `${name}@${NODE_RUNTIME.version}: integrity ${actual}, expected ${expected} (images/definitions.ts)`,
      );
    }
    await runCommand("tar", ["-xzf", file, "-C", tmp, "package/bin/node", "package/LICENSE"]);
    mkdirSync(path.dirname(dir), { recursive: true });
    writeFileSync(path.join(tmp, "package", ".complete"), "");
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(tmp, "package"), dir);
    return dir;
  }

  /** apt-get with a private state: the machine's sources, both architectures, no effect on dpkg. */
  private aptOptions(): string[] {
    const root = path.join(this.cacheDir, "apt");
    return [
      "-o", `Dir::State::Lists=${path.join(root, "lists")}`,
      "-o", `Dir::Cache=${path.join(root, "cache")}`,
      "-o", `Dir::State::status=${path.join(root, "status")}`,
      "-o", "APT::Architectures::=amd64",
      "-o", "APT::Architectures::=arm64",
      "-o", "APT::Sandbox::User=root",
      "-o", "Debug::NoLocking=1",
    ]; // prettier-ignore
  }

  private aptUpdate(): Promise<void> {
    if (!this.aptUpdated) {
      const root = path.join(this.cacheDir, "apt");
      for (const dir of ["lists/partial", "cache/archives/partial"])
        mkdirSync(path.join(root, dir), { recursive: true });
      if (!existsSync(path.join(root, "status"))) writeFileSync(path.join(root, "status"), "");
      this.log("apt-get update (private package lists for amd64 and arm64)");
      this.aptUpdated = runCommand("apt-get", [...this.aptOptions(), "-qq", "update"]).then(() => undefined);
    }
    return this.aptUpdated;
  }

  /** Downloads packages (`name:arch`, or `name` for architecture-independent ones); returns the .deb files. */
  private async aptDownload(packages: string[]): Promise<string[]> {
    await this.aptUpdate();
    const dir = path.join(this.cacheDir, "debs");
    mkdirSync(dir, { recursive: true });
    // The exact files the current lists name, with their checksums, without fetching (apt-get prints
    // nothing for a file already in its folder: ask from an empty one).
    const uris = await runCommand("apt-get", [...this.aptOptions(), "download", "--print-uris", ...packages], {
      cwd: mkdtempSync(path.join(this.workDir, "apt-")),
    });
    const listed = [...uris.matchAll(/^'[^']+' (\S+\.deb) \d+ SHA256:([0-9a-f]{64})$/gm)].map((m) => ({
      file: path.join(dir, m[1]),
      sha256: m[2],
    }));
    if (listed.length !== packages.length)
      throw new Error(
        `apt-get download ${packages.join(" ")}: expected ${packages.length} packages, got ${listed.length}`,
      );
    const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
    const missing = packages.filter(
      (_, i) => !existsSync(listed[i].file) || sha256(listed[i].file) !== listed[i].sha256,
    );
    if (missing.length > 0) {
      this.log(`apt-get download ${missing.join(" ")}`);
      await runCommand("apt-get", [...this.aptOptions(), "download", ...missing], { cwd: dir });
    }
    const files = listed.map((l) => l.file);
    return files;
  }

  private async debianPackage(file: string): Promise<DebianPackageRecord> {
    const control = await runCommand("dpkg-deb", ["--field", file]);
    const field = (name: string) => {
      const value = new RegExp(`^${name}: (.+)$`, "m").exec(control)?.[1];
      if (!value) throw new Error(`${file}: no ${name} in its control data`);
      return value;
    };
    return { name: field("Package"), version: field("Version"), architecture: field("Architecture"), control };
  }

  /** The packages unpacked into one folder (dpkg-deb -x), keyed by the exact files. */
  private async debianRoot(arch: Architecture, packages: string[]): Promise<string> {
    const files = await this.aptDownload(packages.map((name) => `${name}:${arch}`));
    this.debianPackages.set(arch, await Promise.all(files.map((file) => this.debianPackage(file))));
    const key = createHash("sha256")
      .update(files.map((f) => path.basename(f)).join("\n"))
      .digest("hex")
      .slice(0, 16);
    const dir = path.join(this.cacheDir, "debian-root", `${arch}-${key}`);
    if (existsSync(path.join(dir, ".complete"))) return dir;
    const tmp = mkdtempSync(path.join(this.workDir, "root-"));
    for (const file of files) await runCommand("dpkg-deb", ["-x", file, tmp]);
    writeFileSync(path.join(tmp, ".complete"), "");
    mkdirSync(path.dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return dir;
  }

  /** A folder with sbom/<image>.cdx.json and, for Debian packages, status.d/<package>. */
  private writeSbom(image: string, arch: Architecture, bom: CycloneDx, debian: DebianPackageRecord[] = []): string {
    const dir = path.join(this.workDir, "sbom", `${image}-${arch}`);
    mkdirSync(path.join(dir, "sbom"), { recursive: true });
    writeFileSync(path.join(dir, "sbom", `${image}.cdx.json`), sbomText(bom));
    if (debian.length > 0) {
      mkdirSync(path.join(dir, "status.d"));
      for (const pkg of debian) writeFileSync(path.join(dir, "status.d", pkg.name), dpkgStatusFile(pkg));
    }
    return dir;
  }

  private async npmSbom(dir: string, main: NpmPackage, carried: NpmPackage[]): Promise<CycloneDx> {
    return narrowNpmSbom(await runCommand("npm", [...NPM_SBOM_ARGS], { cwd: dir }), main, carried);
  }

  /** The bundle's packages (build/bundle-packages.json) and the static cp. */
  private async instrumentationSbom(platform: PlatformFacts): Promise<string> {
    const bundle = await this.path("instrumentation-bundle", platform);
    const dir = path.join(REPO, "instrumentation");
    const carried = JSON.parse(
      readFileSync(path.join(path.dirname(bundle), "bundle-packages.json"), "utf8"),
    ) as NpmPackage[];
    const main = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as NpmPackage;
    const copy = await this.path("initcopy", platform);
    const go = (await runCommand("go", ["version", copy])).trim().split(" ").pop()!;
    const bom = withComponents(await this.npmSbom(dir, main, carried), [
      {
        "bom-ref": "initcopy",
        type: "application",
        name: "initcopy",
        description: `/bin/cp: tools/initcopy, the Go standard library only, built with ${go}`,
      },
    ]);
    return this.writeSbom(INSTRUMENTATION_IMAGE.name, platform.architecture, bom);
  }

  /** cyclonedx-gomod's SBOM of the collector for this GOARCH, and the ca-certificates package. */
  private async collectorSbom(platform: PlatformFacts): Promise<string> {
    await this.path("ca-certificates", platform);
    await this.buildTool("otelcol-ordertracing-sbom");
    const file = path.join(REPO, ".tools", "bin", `otelcol-ordertracing-${platform.architecture}.cdx.json`);
    const ca = this.caCertificatesPackage!;
    const bom = withComponents(reproducible(JSON.parse(readFileSync(file, "utf8")) as CycloneDx), [
      debianComponent(ca),
    ]);
    return this.writeSbom(COLLECTOR_IMAGE.name, platform.architecture, bom, [ca]);
  }

  /** The report, its runtime npm packages, Node.js and the Debian packages its libraries come from. */
  private async reportSbom(platform: PlatformFacts): Promise<string> {
    await this.path("report", platform);
    await this.path("debian-packages", platform);
    const main = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as NpmPackage;
    const nodePackage = `node-linux-${platform.npmCpu}`;
    const debian = this.debianPackages.get(platform.architecture)!;
    const bom = withComponents(await this.npmSbom(REPO, main, this.reportRuntime), [
      {
        "bom-ref": `${nodePackage}@${NODE_RUNTIME.version}`,
        type: "application",
        name: nodePackage,
        version: NODE_RUNTIME.version,
        description: "Node.js (/usr/bin/node), the official Linux build as npm publishes it",
        purl: `pkg:npm/${nodePackage}@${NODE_RUNTIME.version}`,
        hashes: [{ alg: "SHA-512", content: sha512Hex(NODE_RUNTIME.integrity[platform.architecture]) }],
        licenses: [{ license: { id: "MIT" } }],
      },
      ...debian.map(debianComponent),
    ]);
    return this.writeSbom(REPORT_IMAGE.name, platform.architecture, bom, debian);
  }

  /** Mozilla's roots as Debian's ca-certificates package ships them, in one bundle file (sorted by name). */
  private async caCertificates(): Promise<string> {
    const [file] = await this.aptDownload(["ca-certificates"]);
    this.caCertificatesPackage = await this.debianPackage(file);
    const dir = path.join(this.cacheDir, "ca-certificates", path.basename(file, ".deb"));
    if (existsSync(path.join(dir, ".complete"))) return dir;
    const tmp = mkdtempSync(path.join(this.workDir, "ca-"));
    await runCommand("dpkg-deb", ["-x", file, tmp]);
    const mozilla = path.join(tmp, "usr", "share", "ca-certificates", "mozilla");
    const bundle = readdirSync(mozilla)
      .filter((name) => name.endsWith(".crt"))
      .sort()
      .map((name) => readFileSync(path.join(mozilla, name), "utf8").trimEnd() + "\n")
      .join("");
    const out = mkdtempSync(path.join(this.workDir, "ca-bundle-"));
    writeFileSync(path.join(out, "ca-certificates.crt"), bundle);
    writeFileSync(path.join(out, ".complete"), "");
    mkdirSync(path.dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
    return dir;
  }
}

/** A package at its place in a lockfile (`node_modules/a`, `node_modules/a/node_modules/b`). */
export interface LockedPackage extends NpmPackage {
  path: string;
}

/** `@scope/name` or `name` of a bare module specifier (`prom-client/lib/x` → `prom-client`). */
function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/**
 * The packages `names` resolve to from the lockfile's root, and their dependencies (optional ones
 * when installed), recursively, each where Node.js finds it: the nearest node_modules upwards.
 */
export function lockedClosure(lockfile: string, names: string[]): LockedPackage[] {
  const lock = JSON.parse(readFileSync(lockfile, "utf8")) as {
    packages: Record<
      string,
      { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
    >;
  };
  const found = new Map<string, LockedPackage>();
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = from; ; dir = dir.replace(/\/?node_modules\/(@[^/]+\/)?[^/]+$/, "")) {
      const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const visit = (name: string, from: string, optional: boolean) => {
    const at = resolve(name, from);
    if (!at) {
      if (optional) return;
      throw new Error(`${lockfile}: ${name} (needed from ${from || "the root"}) is not in the lockfile`);
    }
    if (found.has(at)) return;
    const entry = lock.packages[at];
    found.set(at, { name, version: entry.version ?? "", path: at });
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(dependency, at, false);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(dependency, at, true);
  };
  for (const name of names) visit(name, "", false);
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}
