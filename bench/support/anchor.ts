// The anchor the overhead benchmark compares our instrumentation with: upstream
// `@opentelemetry/auto-instrumentations-node/register`, as the OpenTelemetry Operator would inject
// it into a Node.js container, at the newest release that supports the Node.js it runs on.
//
//   bench/anchor/current   the newest release (its floor is Node.js 22.15)
//   bench/anchor/node20    the last release for Node.js 20
//
// Each folder is a package.json with its package-lock.json; `npm ci` installs it on first use into
// the folder's own (ignored) node_modules, so the repository's dependencies stay as they are.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./results";

export const ANCHOR_DIR = path.join(ROOT, "bench", "anchor");
/** Tried in this order: the first whose `engines.node` floor the runtime meets. */
const ANCHOR_PACKAGES = ["current", "node20"] as const;
const PACKAGE = "@opentelemetry/auto-instrumentations-node";

export interface Anchor {
  /** The folder under bench/anchor, e.g. "node20". */
  name: string;
  /** The upstream release, e.g. "0.81.2". */
  version: string;
  /** Absolute path of the package's `register` entry, as NODE_OPTIONS `--require`s it. */
  register: string;
}

interface Manifest {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  version?: string;
}

const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** "v22.23.5" or "22.15.0" as comparable numbers. */
function versionNumbers(version: string): number[] {
  return version.replace(/^v/, "").split(".").map(Number);
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [versionNumbers(version), versionNumbers(floor)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The anchor for a Node.js version (e.g. "v20.20.2"), installed with `npm ci` if it is not yet. */
export function anchorFor(nodeVersion: string): Anchor {
  for (const name of ANCHOR_PACKAGES) {
    const dir = path.join(ANCHOR_DIR, name);
    const manifest = readManifest(path.join(dir, "package.json"));
    const floor = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines?.node ?? "")?.[1];
    if (!floor) throw new Error(`${dir}/package.json: engines.node must be ">=X.Y.Z"`);
    if (!atLeast(nodeVersion, floor)) continue;
    const version = manifest.dependencies?.[PACKAGE];
    if (!version) throw new Error(`${dir}/package.json does not depend on ${PACKAGE}`);
    const installed = path.join(dir, "node_modules", PACKAGE, "package.json");
    if (!existsSync(installed) || readManifest(installed).version !== version) {
      console.error(`installing the anchor ${PACKAGE}@${version} (npm ci in ${path.relative(ROOT, dir)})`);
      // No install scripts: the register entry needs none, and the lock file pins every package.
      execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
    // The file behind the package's `register` export, as `--require <package>/register` loads it.
    const register = require.resolve(`${PACKAGE}/register`, { paths: [dir] });
    return { name, version, register };
  }
  throw new Error(`no anchor in ${ANCHOR_DIR} supports Node.js ${nodeVersion}`);
}

/**
 * The environment the OpenTelemetry Operator injects into a Node.js container (its
 * pkg/instrumentation: nodejs.go and sdk.go), for one service, with the package loaded from
 * `anchor.register` instead of the init container's volume and the collector at `otlpEndpoint`
 * (`http://host:port` of an OTLP gRPC receiver). Defaults otherwise:
 * - NODE_OPTIONS `--require <autoinstrumentation>`, as the Operator appends it;
 * - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES as it derives them from the pod (k8s.* names;
 *   fixed here, there is no pod);
 * - OTEL_EXPORTER_OTLP_ENDPOINT from the Instrumentation's `exporter.endpoint`;
 * - OTEL_TRACES_SAMPLER: the Operator sets it only when the Instrumentation names a sampler; without
 *   one the SDK's default applies, parentbased_always_on, spelt out here;
 * - OTEL_EXPORTER_OTLP_PROTOCOL grpc: the Operator's Node.js image exports traces with the gRPC OTLP
 *   exporter (its autoinstrumentation.ts); `register` would otherwise use http/protobuf;
 * - OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER none: traces are what is compared (our collector's
 *   pipeline takes traces only); the Operator's image would also export metrics;
 * - OTEL_NODE_RESOURCE_DETECTORS without the cloud detectors (`register` runs all by default, the
 *   Operator's image the AWS, GCP and Alibaba ones too): they query the cloud's metadata address,
 *   which is no address a benchmark may reach; resource detection runs once at start anyway.
 */
export function anchorEnv(anchor: Anchor, serviceName: string, otlpEndpoint: string): Record<string, string> {
  return {
    NODE_OPTIONS: `--require ${anchor.register}`,
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    OTEL_TRACES_SAMPLER: "parentbased_always_on",
    OTEL_NODE_RESOURCE_DETECTORS: "env,host,os,process,serviceinstance,container",
    OTEL_RESOURCE_ATTRIBUTES:
      `k8s.container.name=${serviceName},k8s.deployment.name=${serviceName},k8s.namespace.name=bench,` +
      `k8s.node.name=bench-node,k8s.pod.name=${serviceName}-bench,service.instance.id=bench.${serviceName}-bench.${serviceName}`,
  };
}
