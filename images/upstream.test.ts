import { describe, expect, it } from "vitest";
import { toolVersion } from "../infra/tool-versions";
import { PLATFORMS } from "./definitions";
import { registryPath, UPSTREAM_IMAGES } from "./upstream";

describe("upstream images", () => {
  it("maps an image name to its path in the registry that mirrors its upstream registry", () => {
    expect(registryPath("quay.io/oauth2-proxy/oauth2-proxy:v7.15.6")).toBe("oauth2-proxy/oauth2-proxy:v7.15.6");
    expect(registryPath("jaegertracing/jaeger:2.13.0")).toBe("jaegertracing/jaeger:2.13.0");
    expect(registryPath("docker.io/library/busybox:1.35")).toBe("library/busybox:1.35");
    expect(registryPath("busybox:1.35")).toBe("library/busybox:1.35");
    expect(registryPath("127.0.0.1:5000/a/b:1")).toBe("a/b:1");
  });

  it("names the images and tags the stack's manifests use, on this machine's platform", () => {
    expect(UPSTREAM_IMAGES.map((i) => i.reference)).toEqual([
      `jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}`,
      `jaegertracing/jaeger-es-index-cleaner:${toolVersion("JAEGER_VERSION")}`,
      `quay.io/oauth2-proxy/oauth2-proxy:v${toolVersion("OAUTH2_PROXY_VERSION")}`,
    ]);
    for (const image of UPSTREAM_IMAGES) {
      expect(image.reference.endsWith(`:${image.version}`)).toBe(true);
      expect(image.architectures).toEqual(["amd64"]);
      // Each carries its program at the entrypoint's path.
      const paths = image.layers(PLATFORMS.amd64).flatMap((l) => l.entries.map((e) => e.path));
      expect(paths).toContain(image.runtime.entrypoint[0]);
    }
  });
});
