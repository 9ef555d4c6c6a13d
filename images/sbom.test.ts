import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lockedClosure } from "./inputs";
import { debianComponent, dpkgStatusFile, narrowNpmSbom, sha512Hex, withComponents } from "./sbom";

/** The shape `npm sbom --sbom-format cyclonedx` prints (npm 11), trimmed to a few packages. */
const npmOutput = JSON.stringify({
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  serialNumber: "urn:uuid:86f283df-9f97-46ac-bd48-ed72d0bd09bb",
  version: 1,
  metadata: {
    timestamp: "2026-12-06T02:04:00.142Z",
    tools: [{ vendor: "npm", name: "cli", version: "11.19.1" }],
    component: { "bom-ref": "@acme/app@1.0.0", type: "library", name: "checkout-folder", version: "1.0.0" },
  },
  components: [
    {
      "bom-ref": "prom-client@15.1.3",
      type: "library",
      name: "prom-client",
      version: "15.1.3",
      scope: "optional",
      properties: [{ name: "cdx:npm:package:development", value: "true" }],
    },
    { "bom-ref": "tdigest@0.1.3", type: "library", name: "tdigest", version: "0.1.3" },
    { "bom-ref": "typescript@5.9.3", type: "library", name: "typescript", version: "5.9.3", scope: "optional" },
  ],
  dependencies: [
    { ref: "@acme/app@1.0.0", dependsOn: ["prom-client@15.1.3", "typescript@5.9.3"] },
    { ref: "prom-client@15.1.3", dependsOn: ["tdigest@0.1.3"] },
    { ref: "tdigest@0.1.3", dependsOn: [] },
    { ref: "typescript@5.9.3", dependsOn: [] },
  ],
});
const main = { name: "@acme/app", version: "1.0.0" };

describe("narrowNpmSbom", () => {
  it("keeps only the carried packages, names the main component after the package, drops serial and time", () => {
    const bom = narrowNpmSbom(npmOutput, main, [
      { name: "prom-client", version: "15.1.3" },
      { name: "tdigest", version: "0.1.3" },
    ]);
    expect(bom.components.map((c) => c["bom-ref"])).toEqual(["prom-client@15.1.3", "tdigest@0.1.3"]);
    expect(bom.components.map((c) => [c.scope, c.properties])).toEqual([
      ["required", []],
      ["required", []],
    ]);
    expect(bom.metadata.component).toMatchObject({ name: "@acme/app", version: "1.0.0" });
    expect(bom.serialNumber).toBeUndefined();
    expect(bom.metadata.timestamp).toBeUndefined();
    expect(bom.metadata.tools).toEqual([{ vendor: "npm", name: "cli", version: "11.19.1" }]);
    expect(bom.dependencies).toEqual([
      { ref: "@acme/app@1.0.0", dependsOn: ["prom-client@15.1.3"] },
      { ref: "prom-client@15.1.3", dependsOn: ["tdigest@0.1.3"] },
      { ref: "tdigest@0.1.3", dependsOn: [] },
    ]);
  });

  it("refuses a carried package npm does not list, and another main package", () => {
    expect(() => narrowNpmSbom(npmOutput, main, [{ name: "bintrees", version: "1.0.2" }])).toThrow(
      /does not list bintrees@1.0.2/,
    );
    expect(() => narrowNpmSbom(npmOutput, { name: "other", version: "1.0.0" }, [])).toThrow(/main component/);
  });
});

describe("Debian packages", () => {
  const pkg = {
    name: "libstdc++6",
    version: "12.2.0-14+deb12u1",
    architecture: "arm64",
    control: "Package: libstdc++6\nSource: gcc-12\nVersion: 12.2.0-14+deb12u1\nArchitecture: arm64\n",
  };

  it("a component with the package URL of its version and architecture", () => {
    expect(debianComponent(pkg)).toEqual({
      "bom-ref": "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=arm64",
      type: "library",
      name: "libstdc++6",
      version: "12.2.0-14+deb12u1",
      purl: "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=arm64",
    });
  });

  it("a dpkg status paragraph: the control data, installed", () => {
    expect(dpkgStatusFile(pkg)).toBe(
      "Package: libstdc++6\nStatus: install ok installed\nSource: gcc-12\nVersion: 12.2.0-14+deb12u1\nArchitecture: arm64\n",
    );
  });

  it("added components become dependencies of the main component", () => {
    const bom = withComponents(narrowNpmSbom(npmOutput, main, []), [debianComponent(pkg)]);
    expect(bom.dependencies?.[0].dependsOn).toEqual([debianComponent(pkg)["bom-ref"]]);
    expect(bom.components.map((c) => c.name)).toEqual(["libstdc++6"]);
  });
});

it("sha512Hex: an npm integrity as the hexadecimal digest", () => {
  expect(sha512Hex(`sha512-${Buffer.alloc(64, 0xab).toString("base64")}`)).toBe("ab".repeat(64));
});

describe("lockedClosure", () => {
  it("resolves each dependency where Node.js finds it: the nearest node_modules upwards", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "locked-closure-"));
    try {
      const lockfile = path.join(dir, "package-lock.json");
      writeFileSync(
        lockfile,
        JSON.stringify({
          packages: {
            "": { dependencies: { a: "^1" } },
            "node_modules/a": { version: "1.0.0", dependencies: { b: "^2", "@s/c": "^1" } },
            "node_modules/a/node_modules/b": { version: "2.0.0", dependencies: { "@s/c": "^1" } },
            "node_modules/b": { version: "1.0.0" },
            "node_modules/@s/c": { version: "1.2.0", optionalDependencies: { absent: "^1" } },
          },
        }),
      );
      expect(lockedClosure(lockfile, ["a"])).toEqual([
        { name: "@s/c", version: "1.2.0", path: "node_modules/@s/c" },
        { name: "a", version: "1.0.0", path: "node_modules/a" },
        { name: "b", version: "2.0.0", path: "node_modules/a/node_modules/b" },
      ]);
      expect(() => lockedClosure(lockfile, ["missing"])).toThrow(/missing \(needed from the root\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
