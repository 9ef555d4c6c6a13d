/**
 * The upstream images the stack names (Jaeger, its index cleaner, oauth2-proxy), rebuilt without a
 * Docker engine from the programs tools/build.sh builds at the pinned releases, laid out as upstream
 * lays them out (entrypoint path, user, CA certificates), for this machine's platform only. A
 * registry that stands in for the upstream ones (scripts/cluster.sh's, behind containerd's hosts.toml
 * mirrors) serves them under their upstream names, so manifests keep their image references.
 */
import { defaultJaegerImage } from "../infra/components/jaeger";
import { indexCleanerImage } from "../infra/components/trace-storage";
import { oauth2ProxyImage } from "../infra/components/access/oauth2-proxy-pod";
import { JAEGER_UID, NONROOT_UID } from "../infra/pod-security";
import { PORTS } from "../infra/topology";
import { buildMetadata, pushImage, type ImageContent } from "./build";
import { userLayer, type LayerDefinition } from "./definitions";
import { BuildInputs, type InputOptions } from "./inputs";

export interface UpstreamImage extends ImageContent {
  /** The name and tag manifests use, e.g. `jaegertracing/jaeger:2.13.0`. */
  reference: string;
}

const CA_LAYER: LayerDefinition = {
  comment: "CA certificates (Debian ca-certificates)",
  entries: [{ path: "/etc/ssl/certs/ca-certificates.crt", input: "ca-certificates", file: "ca-certificates.crt" }],
};

function versionOf(reference: string): string {
  return reference.slice(reference.lastIndexOf(":") + 1);
}

/** jaegertracing/jaeger (cmd/jaeger/Dockerfile): /cmd/jaeger/jaeger-linux as user 10001. */
const JAEGER: UpstreamImage = {
  reference: defaultJaegerImage(),
  version: versionOf(defaultJaegerImage()),
  title: "jaeger (rebuilt from the pinned release)",
  description: "Jaeger v2 as upstream's image lays it out, built from tools/jaeger",
  licenses: "Apache-2.0",
  user: JAEGER_UID,
  architectures: ["amd64"],
  runtime: {
    entrypoint: ["/cmd/jaeger/jaeger-linux"],
    exposedPorts: [
      PORTS.otlpGrpc,
      PORTS.otlpHttp,
      PORTS.jaegerQueryHttp,
      PORTS.jaegerQueryGrpc,
      PORTS.jaegerHealth,
    ].map((port) => `${port}/tcp`),
  },
  layers: () => [
    userLayer(JAEGER_UID),
    CA_LAYER,
    { comment: "jaeger (tools/jaeger)", entries: [{ path: "/cmd/jaeger/jaeger-linux", input: "jaeger" }] },
    { comment: "a writable /tmp", entries: [{ path: "/tmp", directory: true, mode: 0o1777 }] },
  ],
};

/** jaegertracing/jaeger-es-index-cleaner (cmd/es-index-cleaner/Dockerfile): user 10001. */
const INDEX_CLEANER: UpstreamImage = {
  reference: indexCleanerImage(),
  version: versionOf(indexCleanerImage()),
  title: "jaeger-es-index-cleaner (rebuilt from the pinned release)",
  description:
    "Jaeger's Elasticsearch/OpenSearch index cleaner as upstream's image lays it out, built from tools/jaeger",
  licenses: "Apache-2.0",
  user: JAEGER_UID,
  architectures: ["amd64"],
  runtime: { entrypoint: ["/go/bin/es-index-cleaner-linux"] },
  layers: () => [
    userLayer(JAEGER_UID),
    CA_LAYER,
    {
      comment: "jaeger-es-index-cleaner (tools/jaeger)",
      entries: [{ path: "/go/bin/es-index-cleaner-linux", input: "jaeger-es-index-cleaner" }],
    },
  ],
};

/** quay.io/oauth2-proxy/oauth2-proxy (distroless static): /bin/oauth2-proxy as 65532. */
const OAUTH2_PROXY: UpstreamImage = {
  reference: oauth2ProxyImage(),
  version: versionOf(oauth2ProxyImage()),
  title: "oauth2-proxy (rebuilt from the pinned release)",
  description: "oauth2-proxy as upstream's image lays it out, built from tools/oauth2-proxy",
  licenses: "MIT",
  user: NONROOT_UID,
  architectures: ["amd64"],
  runtime: { entrypoint: ["/bin/oauth2-proxy"], exposedPorts: [`${PORTS.oauth2Proxy}/tcp`] },
  layers: () => [
    userLayer(NONROOT_UID),
    CA_LAYER,
    { comment: "oauth2-proxy (tools/oauth2-proxy)", entries: [{ path: "/bin/oauth2-proxy", input: "oauth2-proxy" }] },
  ],
};

export const UPSTREAM_IMAGES: readonly UpstreamImage[] = [JAEGER, INDEX_CLEANER, OAUTH2_PROXY];

/**
 * The repository path an image name has in its registry, as containerd's hosts.toml mirrors ask for
 * it: `quay.io/a/b:t` → `a/b:t`, `jaegertracing/jaeger:t` (Docker Hub) → `jaegertracing/jaeger:t`,
 * `busybox:t` → `library/busybox:t`.
 */
export function registryPath(reference: string): string {
  const parts = reference.split("/");
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost");
  const rest = hasRegistry ? parts.slice(1) : parts;
  return rest.length === 1 ? `library/${rest[0]}` : rest.join("/");
}

/** Builds every upstream image and pushes it to `registry` (`host:port`) under its upstream path. */
export async function pushUpstreamImages(
  registry: string,
  options: InputOptions = {},
): Promise<Array<{ reference: string; digest: string }>> {
  const inputs = new BuildInputs(options);
  try {
    const metadata = await buildMetadata();
    const pushed = [];
    for (const image of UPSTREAM_IMAGES) {
      const digest = await pushImage(image, `${registry}/${registryPath(image.reference)}`, {
        inputs,
        metadata,
        log: options.log,
      });
      pushed.push({ reference: image.reference, digest });
    }
    return pushed;
  } finally {
    inputs.dispose();
  }
}
