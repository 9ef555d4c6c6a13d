// Builds the instrumentation bundle into build/bundle/, exactly the folder the init-container
// image carries (`npm run images` puts this folder into instrumentation-nodejs), plus the status API library in build/lib/.
//
//   build/bundle/register.js   node --require entry (CommonJS apps), the whole SDK in one file
//   build/bundle/import.mjs    node --import entry (ES-module apps)
//   build/bundle/hook.mjs      the ESM loader hooks import.mjs registers
//   build/bundle/node_modules/ import-in-the-middle and its dependencies, kept as files: its
//                              loader hooks and its runtime must share one module instance
//   build/bundle-packages.json the npm packages the bundle carries (inlined into register.js, by
//                              esbuild's metafile, or copied as files): the image's SBOM lists these
//
// Usage: npm run build (inside instrumentation/) [-- --sourcemap]. Prints the bundle size.
//   --sourcemap  also writes build/sourcemap/register.js.map (outside the image's folder; register.js
//                itself is the same, without a sourceMappingURL comment): what `npm run bench:profile`
//                attributes a CPU profile of the bundle with
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundleDir = path.join(packageDir, "build", "bundle");
const require = createRequire(path.join(packageDir, "package.json"));
const packageJson = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
/** Kept as real files next to the bundle (see above). */
const EXTERNAL_PACKAGES = ["import-in-the-middle"];
/** Oldest Node.js the bundle runs on (the OpenTelemetry line's floor on the 20.x line). */
const TARGET = "node20.6";
/** The design's budget for the image's volume. */
const SIZE_BUDGET_BYTES = 40 * 1024 * 1024;
const withSourceMap = process.argv.includes("--sourcemap");
/** At the bundle folder's depth, so the map's relative source paths hold from here too. */
const sourceMapDir = path.join(packageDir, "build", "sourcemap");

function packageRoot(name, fromDir) {
  const fromRequire = createRequire(path.join(fromDir, "noop.js"));
  let dir = path.dirname(fromRequire.resolve(name));
  while (
    !readdirSync(dir).includes("package.json") ||
    JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name !== name
  ) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = parent;
  }
  return dir;
}

/**
 * The package folder (relative to packageDir, as the lockfile names it: `node_modules/a`,
 * `node_modules/a/node_modules/@s/b`) of a file esbuild read, or undefined for our own sources.
 */
function packageFolderOf(input) {
  const parts = input.split("/");
  const last = parts.lastIndexOf("node_modules");
  if (last < 0) return undefined;
  const length = parts[last + 1]?.startsWith("@") ? last + 3 : last + 2;
  return parts.slice(0, length).join("/");
}

/** `{ name, version, path }` of a package folder (relative to packageDir). */
function packageEntry(folder) {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, folder, "package.json"), "utf8"));
  return { name: manifest.name, version: manifest.version, path: folder };
}

/** Copies a package and its runtime dependencies (recursively) into build/bundle/node_modules. */
function copyWithDependencies(name, fromDir, copied = new Map()) {
  if (copied.has(name)) return copied;
  const root = packageRoot(name, fromDir);
  copied.set(name, path.relative(packageDir, root).split(path.sep).join("/"));
  const target = path.join(bundleDir, "node_modules", name);
  cpSync(root, target, {
    recursive: true,
    filter: (source) => !source.slice(root.length).split(path.sep).includes("node_modules"),
  });
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  for (const dependency of Object.keys(manifest.dependencies ?? {})) copyWithDependencies(dependency, root, copied);
  return copied;
}

function sizeOf(target) {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, entry) => sum + sizeOf(path.join(target, entry)), 0);
}

rmSync(path.join(packageDir, "build"), { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });

// The status API and the trace contract (../contract/trace.ts, hence rootDir ..), as a small
// library the services link to (no SDK inside).
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.lib.json"], {
  cwd: packageDir,
  stdio: "inherit",
});

/**
 * Only packages of this package's own lockfile go into the bundle. For a package instrumentation/
 * lacks, esbuild would walk up into the repository's node_modules (debug's optional supports-color:
 * debug guards that require), so the bundle would depend on the checkout around it and carry
 * packages no lockfile of its own names. Such a require stays a require.
 */
const ownModules = path.join(packageDir, "node_modules") + path.sep;
const ownPackagesOnly = {
  name: "own-packages-only",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData?.ownPackagesOnly) return undefined;
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { ownPackagesOnly: true },
      });
      if (resolved.errors.length > 0 || resolved.external || resolved.path.startsWith(ownModules)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const common = {
  bundle: true,
  plugins: [ownPackagesOnly],
  platform: "node",
  target: TARGET,
  external: EXTERNAL_PACKAGES,
  legalComments: "none",
  minifyWhitespace: true,
  minifySyntax: true,
  // No keepNames: identifiers are not minified, and keepNames wraps every function definition in a
  // runtime __name() call, about 1% of an instrumented request's CPU in a profile.
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};
const registerBuild = await build({
  ...common,
  entryPoints: [path.join(packageDir, "src", "register.ts")],
  outfile: path.join(bundleDir, "register.js"),
  format: "cjs",
  ...(withSourceMap ? { sourcemap: "external" } : {}),
  metafile: true,
});
if (withSourceMap) {
  mkdirSync(sourceMapDir, { recursive: true });
  renameSync(path.join(bundleDir, "register.js.map"), path.join(sourceMapDir, "register.js.map"));
}
await build({
  ...common,
  entryPoints: [path.join(packageDir, "src", "import.mts")],
  outfile: path.join(bundleDir, "import.mjs"),
  format: "esm",
  bundle: false,
  external: undefined,
});
writeFileSync(
  path.join(bundleDir, "hook.mjs"),
  "// ESM loader hooks of import-in-the-middle, registered by import.mjs.\n" +
    'export { initialize, load, resolve } from "import-in-the-middle/hook.mjs";\n',
);
const copiedFolders = new Map();
for (const name of EXTERNAL_PACKAGES) copyWithDependencies(name, packageDir, copiedFolders);
// What the bundle carries, for the image's SBOM (images/sbom.ts narrows `npm sbom` to these): every
// package esbuild inlined into register.js (its metafile's inputs) and every package copied as files.
const bundledFolders = Object.keys(registerBuild.metafile.inputs)
  .map((input) =>
    packageFolderOf(path.relative(packageDir, path.resolve(process.cwd(), input)).split(path.sep).join("/")),
  )
  .filter((folder) => folder !== undefined);
const carried = [...new Set([...bundledFolders, ...copiedFolders.values()])]
  .sort()
  .map((folder) => ({ ...packageEntry(folder), copied: [...copiedFolders.values()].includes(folder) }));
const foreign = carried.filter((p) => !p.path.startsWith("node_modules/"));
if (foreign.length > 0) {
  console.error(`[build-bundle] packages from outside instrumentation/: ${foreign.map((p) => p.path).join(", ")}`);
  process.exit(1);
}
writeFileSync(path.join(packageDir, "build", "bundle-packages.json"), JSON.stringify(carried, null, 2) + "\n");
writeFileSync(
  path.join(bundleDir, "package.json"),
  JSON.stringify(
    {
      name: "order-tracing-instrumentation-bundle",
      version: packageJson.version,
      private: true,
      type: "commonjs",
      description: "Built by instrumentation/scripts/build-bundle.mjs; load with --require ./register.js",
    },
    null,
    2,
  ) + "\n",
);

const size = sizeOf(bundleDir);
const mib = (size / 1024 / 1024).toFixed(2);
console.log(`[build-bundle] ${path.relative(process.cwd(), bundleDir) || bundleDir}: ${mib} MiB`);
if (size > SIZE_BUDGET_BYTES) {
  console.error(`[build-bundle] the bundle is over the ${SIZE_BUDGET_BYTES / 1024 / 1024} MiB budget`);
  process.exit(1);
}
