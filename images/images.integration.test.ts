/**
 * `npm run images` for real: a private registry on loopback (Debian's docker-registry), the command
 * pushes every image, skopeo (a second, independent client) pulls each back by digest, the index,
 * configs and annotations are checked, and a second build (to an OCI layout) must give the same
 * digests. Then each linux/amd64 image runs under runc as its pod runs it (read-only root, user
 * 65532, no capabilities): the init image fills a host folder, a Node.js service preloads
 * <folder>/register.js with the injection's own environment and its span reaches our collector,
 * itself running from its image with the dev stack's generated config; the report image answers
 * against a real Jaeger. The linux/arm64 binaries are checked for their ELF machine and run under
 * qemu-user-static.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  closeSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCollectorConfig } from "../infra/collector/config";
import { localCollectorSettings } from "../infra/collector/settings";
import { DEFAULT_INIT_CONTAINER_RESOURCES } from "../infra/config/instrumentation";
import { parseQuantity } from "../infra/config/validators";
import { instrumentPodSpec } from "../infra/injection/instrument-pod-spec";
import { testInjectionSettings } from "../infra/testing/injection-settings";
import { freePorts, LOOPBACK, waitForHttp } from "../sandbox/process";
import {
  exportingTo,
  startOtlpJsonReceiver,
  writeCollectorConfig,
  type OtlpJsonReceiver,
} from "../test/support/collector";
import { faultTestCollectorConfig } from "../test/faults/dev-pipeline";
import type { ReportJson } from "../cli/report/format";
import { otlpExportRequest, syntheticOrderSpans } from "../cli/report/testing/synthetic-orders";
import { startLocalJaeger, type LocalJaeger } from "../cli/report/testing/jaeger-local";
import { METRIC_NAMES, METRIC_PREFIX } from "../cli/report/metric-names";
import { SERVE_PATHS } from "../cli/report/serve-paths";
import { buildImages, type BuiltImage } from "./build";
import {
  ARCHITECTURES,
  COLLECTOR_IMAGE,
  DPKG_STATUS_DIR,
  IMAGES,
  IMAGE_USER,
  INSTRUMENTATION_IMAGE,
  LICENSE_PACKAGES,
  NODE_RUNTIME,
  NODE_RUNTIME_PACKAGES,
  PLATFORMS,
  REPORT_IMAGE,
  SBOM_DIR,
  type Architecture,
  type ImageDefinition,
} from "./definitions";
import type { CycloneDx } from "./sbom";
import { REPO, runCommand } from "./inputs";
import { recordInStack } from "./stack";
import { copyProject, pulumi } from "../test/support/project";
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { unpackPlatform } from "./testing/oci";
import { startLocalRegistry, type LocalRegistry } from "./testing/registry";
import { runContainer } from "./testing/runc";

const MiB = 1024 * 1024;
let registry: LocalRegistry;
let work: string;
/** The command's stdout: one reference per image. */
let printed: string[];
let secondBuild: BuiltImage[];
/** Each image pulled back by digest with skopeo: name → OCI layout folder. */
const pulled = new Map<string, string>();

const skopeo = (...args: string[]) => runCommand("skopeo", args, { timeoutMs: 300_000 });
const referenceOf = (name: string) => printed.find((line) => line.startsWith(`${registry.address}/${name}@`))!;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "order-tracing-images-test-"));
  registry = await startLocalRegistry();
  const out = await runCommand(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      "images/main.ts",
      "--push",
      registry.address,
      "--source",
      "https://example.org/order-tracing",
    ],
    { cwd: REPO },
  );
  printed = out.trim().split("\n");
  secondBuild = await buildImages(
    IMAGES,
    { layout: path.join(work, "second") },
    { source: "https://example.org/order-tracing" },
  );
  for (const image of IMAGES) {
    const dir = path.join(work, "pulled", image.name);
    mkdirSync(dir, { recursive: true });
    await skopeo(
      "copy",
      "--all",
      "--src-tls-verify=false",
      `docker://${referenceOf(image.name)}`,
      `oci:${dir}:${image.version}`,
    );
    pulled.set(image.name, dir);
  }
});

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm run images -- --push", () => {
  it("prints one digest reference per image", () => {
    for (const line of printed) console.log(`[images] pushed ${line}`);
    expect(printed).toHaveLength(IMAGES.length);
    for (const image of IMAGES)
      expect(referenceOf(image.name)).toMatch(new RegExp(`^${registry.address}/${image.name}@sha256:[0-9a-f]{64}$`));
  });

  it("gives the same digests when built again", () => {
    for (const image of secondBuild)
      expect(referenceOf(image.name)).toBe(`${registry.address}/${image.name}@${image.digest}`);
  });

  it.each(IMAGES.map((i) => [i.name, i] as const))(
    "%s: an index for both platforms, annotated, pulled back by digest",
    async (name, image) => {
      const rawText = await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${referenceOf(name)}`);
      const raw = JSON.parse(rawText) as {
        mediaType: string;
        manifests: Array<{ platform: { os: string; architecture: string } }>;
        annotations: Record<string, string>;
      };
      expect(raw.mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect(raw.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(
        ARCHITECTURES.map((a) => `linux/${a}`),
      );
      const revision = (await runCommand("git", ["rev-parse", "HEAD"])).trim();
      expect(raw.annotations).toMatchObject({
        "org.opencontainers.image.source": "https://example.org/order-tracing",
        "org.opencontainers.image.version": image.version,
      });
      expect(raw.annotations["org.opencontainers.image.revision"]).toMatch(new RegExp(`^${revision}(-dirty)?$`));
      // skopeo read back the very index that was pushed (its bytes hash to the printed digest; skopeo
      // may end its output with a newline of its own).
      const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
      expect([sha256(rawText), sha256(rawText.replace(/\n$/, ""))]).toContain(referenceOf(name).split("@")[1]);
      for (const architecture of ARCHITECTURES) {
        const config = JSON.parse(
          await skopeo(
            "inspect",
            "--config",
            "--tls-verify=false",
            "--override-arch",
            architecture,
            `docker://${referenceOf(name)}`,
          ),
        ) as { architecture: string; config: { User: string; Entrypoint: string[]; Cmd?: string[] } };
        expect(config.architecture).toBe(architecture);
        expect(config.config.User).toBe(`${IMAGE_USER}:${IMAGE_USER}`);
        expect(config.config.Entrypoint).toEqual(image.runtime.entrypoint);
        expect(config.config.Cmd).toEqual(image.runtime.cmd);
      }
    },
  );

  it("--stack records the references in the stack's config; a stack without them fails its preview", async () => {
    const project = copyProject();
    try {
      await expect(recordInStack("dev", secondBuild, { cwd: project.dir, env: project.env })).rejects.toThrow(
        /--stack dev: no such stack in the backend/,
      );
      expect((await pulumi(project, ["stack", "init", "dev"])).code).toBe(0);
      const references = IMAGES.map((image) => ({ configKey: image.configKey, reference: referenceOf(image.name) }));
      await recordInStack("dev", references, { cwd: project.dir, env: project.env });
      const config = (
        yaml.load(readFileSync(path.join(project.dir, "Pulumi.dev.yaml"), "utf8")) as {
          config: Record<string, Record<string, unknown>>;
        }
      ).config;
      expect(config["order-tracing:collector"].image).toBe(referenceOf(COLLECTOR_IMAGE.name));
      expect((config["order-tracing:instrumentation"].nodejs as { image: string }).image).toBe(
        referenceOf(INSTRUMENTATION_IMAGE.name),
      );
      expect(config["order-tracing:report"].image).toBe(referenceOf(REPORT_IMAGE.name));

      expect((await pulumi(project, ["stack", "init", "prod"])).code).toBe(0);
      const preview = await pulumi(project, ["preview", "--stack", "prod", "--non-interactive"], 300_000);
      expect(preview.code).not.toBe(0);
      const said = preview.stdout + preview.stderr;
      for (const key of ["collector.image", "instrumentation.nodejs.image"])
        expect(said).toContain(`order-tracing:${key}: missing:`);
      expect(said).toContain("npm run images -- --push <registry> --stack <stack>");
    } finally {
      project.remove();
    }
  });

  it("keeps every image within its size goal, and none carries a shell", () => {
    const goals: Record<string, number> = {
      [INSTRUMENTATION_IMAGE.name]: 10 * MiB,
      [COLLECTOR_IMAGE.name]: 40 * MiB,
      [REPORT_IMAGE.name]: 60 * MiB,
    };
    for (const image of secondBuild) {
      for (const platform of image.platforms) {
        console.log(
          `[images] ${image.name} ${platform.platform}: ${(platform.compressedBytes / MiB).toFixed(1)} MiB compressed, ${platform.files} files`,
        );
        expect(platform.compressedBytes).toBeLessThanOrEqual(goals[image.name]);
      }
      const rootfs = path.join(work, "shell-check", image.name);
      unpackPlatform(pulled.get(image.name)!, "amd64", rootfs);
      for (const shell of ["bin/sh", "bin/bash", "bin/busybox", "usr/bin/sh"])
        expect(() => execFileSync("test", ["-e", path.join(rootfs, shell)])).toThrow();
    }
  });
});

describe("the SBOM each image carries", () => {
  const sbomOf = (image: ImageDefinition, architecture: Architecture) => {
    const rootfs = path.join(work, "sbom", image.name, architecture);
    unpackPlatform(pulled.get(image.name)!, architecture, rootfs);
    const bom = JSON.parse(readFileSync(path.join(rootfs, SBOM_DIR, `${image.name}.cdx.json`), "utf8")) as CycloneDx;
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toMatch(/^1\.\d+$/);
    const refs = bom.components.map((c) => `${c.name}@${c.version}`);
    return { rootfs, bom, refs, names: bom.components.map((c) => c.name) };
  };

  it.each(ARCHITECTURES)("instrumentation-nodejs (%s): the bundle's packages, no development-only ones", (arch) => {
    const { rootfs, bom, refs, names } = sbomOf(INSTRUMENTATION_IMAGE, arch);
    expect(bom.metadata.component).toMatchObject({
      name: "@order-tracing/instrumentation",
      version: INSTRUMENTATION_IMAGE.version,
    });
    const carried = JSON.parse(
      readFileSync(path.join(REPO, "instrumentation", "build", "bundle-packages.json"), "utf8"),
    ) as Array<{ name: string; version: string; path: string; copied: boolean }>;
    const npmRefs = bom.components.filter((c) => c.purl?.startsWith("pkg:npm/")).map((c) => c["bom-ref"]);
    expect(npmRefs.sort()).toEqual([...new Set(carried.map((p) => `${p.name}@${p.version}`))].sort());
    for (const name of ["@opentelemetry/sdk-trace-base", "@opentelemetry/instrumentation-http", "import-in-the-middle"])
      expect(refs.some((ref) => ref.startsWith(`${name}@`))).toBe(true);
    for (const name of ["esbuild", "typescript", "express", "pino"]) expect(names).not.toContain(name);
    expect(names).toContain("initcopy");
    for (const pkg of carried.filter((p) => p.copied))
      expect(
        readFileSync(path.join(rootfs, "instrumentation", "node_modules", pkg.name, "package.json"), "utf8"),
      ).toContain(`"version": "${pkg.version}"`);
  });

  it.each(ARCHITECTURES)(
    "otelcol-ordertracing (%s): exactly the Go modules the binary links, and the CA bundle's package",
    async (arch) => {
      const { rootfs, bom } = sbomOf(COLLECTOR_IMAGE, arch);
      expect(bom.metadata.component?.purl).toMatch(/^pkg:golang\/go\.opentelemetry\.io\/collector\/cmd\/builder@/);
      const goModules = bom.components
        .filter((c) => c.purl?.startsWith("pkg:golang/") && c.name !== "std")
        .map((c) => `${c.name}@${c.version}`);
      expect(goModules).toContain(`go.opentelemetry.io/collector/otelcol@v${COLLECTOR_IMAGE.version}`);
      // The binary's own build information (go version -m): its dependency modules, as linked.
      const buildInfo = await runCommand("go", ["version", "-m", path.join(rootfs, "otelcol-ordertracing")]);
      // A `dep` line names the required version; a `=>` line after it, the replacement actually linked.
      const linked: string[] = [];
      for (const line of buildInfo.split("\n")) {
        const [, kind, module, version] = line.split("\t");
        if (kind === "dep") linked.push(`${module}@${version}`);
        if (kind === "=>") linked[linked.length - 1] = `${module}@${version}`;
      }
      expect(linked.length).toBeGreaterThan(50);
      expect([...goModules].sort()).toEqual([...linked].sort());
      expect(buildInfo).toMatch(new RegExp(`^\\tbuild\\tGOARCH=${arch}$`, "m"));
      const ca = bom.components.find((c) => c.name === "ca-certificates");
      expect(ca?.purl).toMatch(/^pkg:deb\/debian\/ca-certificates@/);
      expect(readFileSync(path.join(rootfs, DPKG_STATUS_DIR, "ca-certificates"), "utf8")).toMatch(
        /^Package: ca-certificates\nStatus: install ok installed\n/,
      );
    },
  );

  it.each(ARCHITECTURES)("order-report (%s): the report, its npm packages, Node.js and the Debian packages", (arch) => {
    const { rootfs, bom, refs, names } = sbomOf(REPORT_IMAGE, arch);
    expect(bom.metadata.component).toMatchObject({ name: "order-tracing", version: REPORT_IMAGE.version });
    for (const name of ["prom-client", "tdigest", "bintrees", "@opentelemetry/api"]) {
      const ref = refs.find((r) => r.startsWith(`${name}@`))!;
      expect(ref).toBeDefined();
      const version = ref.slice(name.length + 1);
      expect(
        (
          JSON.parse(readFileSync(path.join(rootfs, "app", "node_modules", name, "package.json"), "utf8")) as {
            version: string;
          }
        ).version,
      ).toBe(version);
    }
    for (const name of ["@pulumi/pulumi", "typescript", "vitest"]) expect(names).not.toContain(name);
    expect(refs).toContain(`node-linux-${PLATFORMS[arch].npmCpu}@${NODE_RUNTIME.version}`);
    for (const name of [...NODE_RUNTIME_PACKAGES, ...LICENSE_PACKAGES]) {
      const component = bom.components.find((c) => c.name === name);
      expect(component?.purl).toBe(
        `pkg:deb/debian/${encodeURIComponent(name)}@${encodeURIComponent(component!.version!)}?arch=${arch}`,
      );
      const status = readFileSync(path.join(rootfs, DPKG_STATUS_DIR, name), "utf8").split("\n");
      expect(status.slice(0, 2)).toEqual([`Package: ${name}`, "Status: install ok installed"]);
      expect(status).toContain(`Version: ${component!.version}`);
    }
  });
});

/** ELF e_machine of a file (bytes 18-19, little-endian). */
function elfMachine(file: string): number {
  const fd = openSync(file, "r");
  const header = Buffer.alloc(20);
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return header.readUInt16LE(18);
}

describe("the linux/arm64 images", () => {
  it("carry arm64 binaries that run under qemu-user-static", async () => {
    const roots = Object.fromEntries(
      IMAGES.map((image) => {
        const rootfs = path.join(work, "arm64", image.name);
        unpackPlatform(pulled.get(image.name)!, "arm64", rootfs);
        return [image.name, rootfs];
      }),
    );
    const binaries = [
      path.join(roots[INSTRUMENTATION_IMAGE.name], "bin", "cp"),
      path.join(roots[COLLECTOR_IMAGE.name], "otelcol-ordertracing"),
      path.join(roots[REPORT_IMAGE.name], "usr", "bin", "node"),
      path.join(roots[REPORT_IMAGE.name], "lib", PLATFORMS.arm64.multiarch, "libc.so.6"),
    ];
    for (const binary of binaries) expect(elfMachine(binary)).toBe(PLATFORMS.arm64.elfMachine);

    const qemu = (rootfs: string, ...args: string[]) =>
      runCommand("qemu-aarch64-static", ["-L", rootfs, ...args], { timeoutMs: 120_000 });
    const target = path.join(work, "arm64-copy");
    await qemu(
      roots[INSTRUMENTATION_IMAGE.name],
      binaries[0],
      "-r",
      path.join(roots[INSTRUMENTATION_IMAGE.name], "instrumentation") + "/.",
      target,
    );
    expect(readdirSync(target)).toContain("register.js");
    expect(await qemu(roots[COLLECTOR_IMAGE.name], binaries[1], "--version")).toContain(COLLECTOR_IMAGE.version);
    expect((await qemu(roots[REPORT_IMAGE.name], binaries[2], "-p", "process.arch")).trim()).toBe("arm64");
  });
});

describe("the linux/amd64 images under runc, as their pods run them", () => {
  const rootfsOf = (name: string) => {
    const rootfs = path.join(work, "amd64", name);
    return { rootfs, config: unpackPlatform(pulled.get(name)!, "amd64", rootfs).config };
  };
  const bytes = (quantity: string) => parseQuantity(quantity) ?? 0;
  let volume: string;
  let receiver: OtlpJsonReceiver;

  afterAll(async () => {
    await receiver?.close();
  });

  it("init container: copies the bundle into the shared volume within its default resources", async () => {
    const { rootfs, config } = rootfsOf(INSTRUMENTATION_IMAGE.name);
    // The pod's emptyDir: world-writable, empty.
    volume = path.join(work, "volume");
    mkdirSync(volume);
    chmodSync(volume, 0o777);
    // The injection's init container, exactly (command, user, resources).
    const pod = instrumentPodSpec(
      { containers: [{ name: "app", image: "app" }] },
      { serviceName: "runc-shop", container: "app", language: "nodejs" },
      testInjectionSettings(),
    ).podSpec;
    const init = pod.initContainers![0];
    expect(init.command).toEqual([...config.Entrypoint, ...(config.Cmd ?? [])]);
    const mountPath = init.volumeMounts![0].mountPath;
    const limits = DEFAULT_INIT_CONTAINER_RESOURCES.limits;
    const container = runContainer({
      id: "init",
      rootfs,
      args: init.command!,
      env: config.Env ?? [],
      user: init.securityContext!.runAsUser!,
      mounts: [{ source: volume, destination: mountPath, readOnly: false }],
      memoryLimitBytes: bytes(limits.memory),
      cpuLimitMillis: Math.round(bytes(limits.cpu) * 1000),
    });
    const exit = await container.exited;
    expect(exit.output).toMatch(/^cp: copied \d+ files/m);
    expect(exit.code).toBe(0);
    const files = execFileSync("find", [volume, "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    const copied = Number(/copied (\d+) files/.exec(exit.output)![1]);
    expect(files).toHaveLength(copied);
    expect(files).toContain(path.join(volume, "register.js"));
    console.log(
      `[images] init container: ${exit.output.trim()}; container ${exit.durationMs} ms, cgroup peak ${(exit.peakMemoryBytes / MiB).toFixed(1)} MiB ` +
        `(limits ${limits.memory}, ${limits.cpu} CPU)`,
    );
    expect(exit.peakMemoryBytes).toBeGreaterThan(0);
    expect(exit.peakMemoryBytes).toBeLessThan(bytes(limits.memory));
  });

  it("collector + instrumented Node.js service: the service's span reaches the collector from its image", async () => {
    const [otlpGrpc, otlpHttp, health, metrics, receiverPort] = await freePorts(5);
    receiver = await startOtlpJsonReceiver(receiverPort);
    const settings = localCollectorSettings(faultTestCollectorConfig("dev", { decisionWaitSeconds: 1 }), {
      ports: { otlpGrpc, otlpHttp, health, metrics },
      exporterEndpoint: `${LOOPBACK}:${receiverPort}`,
    });
    const confDir = path.join(work, "conf");
    mkdirSync(confDir);
    writeCollectorConfig(exportingTo(buildCollectorConfig(settings), receiver.endpoint), confDir, "config");
    const collectorImage = rootfsOf(COLLECTOR_IMAGE.name);
    const collector = runContainer({
      id: "collector",
      rootfs: collectorImage.rootfs,
      args: [...collectorImage.config.Entrypoint, ...(collectorImage.config.Cmd ?? [])],
      env: collectorImage.config.Env ?? [],
      user: IMAGE_USER,
      mounts: [{ source: confDir, destination: "/conf", readOnly: true }],
    });
    try {
      await waitForHttp(`http://${LOOPBACK}:${health}/`, { timeoutMs: 60_000 });
      // The app container as the injection patches it: its env, the volume read-only at the mount path.
      const pod = instrumentPodSpec(
        { containers: [{ name: "app", image: "app" }] },
        { serviceName: "runc-shop", container: "app", language: "nodejs" },
        { ...testInjectionSettings(), collectorHost: LOOPBACK },
      ).podSpec;
      const app = pod.containers[0];
      const downward: Record<string, string> = {
        OTEL_K8S_NODE_NAME: "node-1",
        OTEL_K8S_POD_NAME: "runc-shop-0",
        OTEL_K8S_NAMESPACE_NAME: "shop",
      };
      const env = app.env!.map((variable) => {
        const value = variable.valueFrom ? downward[variable.name] : (variable.value ?? "");
        // Kubernetes expands $(VAR) from the variables before it.
        return `${variable.name}=${value.replace(/\$\(([A-Z0-9_]+)\)/g, (_, name: string) => downward[name] ?? "")}`;
      });
      env[env.findIndex((e) => e.startsWith("OTEL_EXPORTER_OTLP_ENDPOINT="))] =
        `OTEL_EXPORTER_OTLP_ENDPOINT=http://${LOOPBACK}:${otlpGrpc}`;
      const appDir = path.join(work, "app");
      mkdirSync(appDir);
      writeFileSync(
        path.join(appDir, "server.js"),
        [
          'const http = require("node:http");',
          'const server = http.createServer((req, res) => res.end("ok"));',
          'server.listen(0, "127.0.0.1", () => {',
          "  const get = () => http.get(`http://127.0.0.1:${server.address().port}/orders/ord-runc-1`, (r) => r.resume());",
          "  get();",
          "  setInterval(get, 1000);",
          "});",
        ].join("\n"),
      );
      // The Node.js runtime of the report image serves as the team's app image.
      const node = rootfsOf(REPORT_IMAGE.name);
      const service = runContainer({
        id: "service",
        rootfs: node.rootfs,
        args: ["/usr/bin/node", "/srv/server.js"],
        env: ["PATH=/usr/bin", ...env],
        user: 1000,
        mounts: [
          { source: volume, destination: app.volumeMounts![0].mountPath, readOnly: true },
          { source: appDir, destination: "/srv", readOnly: true },
        ],
      });
      try {
        await expect
          .poll(
            () =>
              receiver.requests.some((request) =>
                request.resourceSpans.some((rs) =>
                  (rs.resource?.attributes ?? []).some(
                    (a) => a.key === "service.name" && a.value.stringValue === "runc-shop",
                  ),
                ),
              ),
            { timeout: 60_000, interval: 500 },
          )
          .toBe(true);
        const attributes = receiver.requests
          .flatMap((r) => r.resourceSpans)
          .flatMap((rs) => rs.resource?.attributes ?? [])
          .map((a) => `${a.key}=${a.value.stringValue}`);
        expect(attributes).toContain("k8s.pod.name=runc-shop-0");
      } finally {
        const exit = await service.stop();
        if (!receiver.requests.length) console.log(exit.output);
      }
    } finally {
      const exit = await collector.stop();
      if (!receiver.requests.length) console.log(exit.output);
    }
  });

  describe("report, against a real Jaeger", () => {
    let jaeger: LocalJaeger;
    /** The report image's command over the test's Jaeger: orders of the last 24 h, stuck after 30 min. */
    const reportArgs = (entrypoint: string[], ...more: string[]): string[] => [
      ...entrypoint,
      "report",
      "--jaeger-url",
      jaeger.queryUrl,
      "--since",
      "24h",
      "--stuck-after",
      "30m",
      ...more,
    ];

    beforeAll(async () => {
      jaeger = await startLocalJaeger();
      const now = Date.now();
      const spans = syntheticOrderSpans([
        { orderId: "ord-runc-001", outcome: "delivered", createdAt: now - 3 * 3_600_000 },
        { orderId: "ord-runc-002", outcome: "mes-logic-error", createdAt: now - 2 * 3_600_000 },
      ]);
      await jaeger.sendOtlpJson(otlpExportRequest(spans));
    });

    afterAll(async () => {
      await jaeger?.stop();
    });

    it("answers the question once (the CronJob)", async () => {
      const { rootfs, config } = rootfsOf(REPORT_IMAGE.name);
      const args = reportArgs(config.Entrypoint, "--format", "json");
      await expect
        .poll(
          async () => {
            const exit = await runContainer({
              id: `report-${Date.now()}`,
              rootfs,
              args,
              env: config.Env ?? [],
              user: IMAGE_USER,
            }).exited;
            if (exit.code !== 0) return exit.output;
            const json = JSON.parse(exit.output.slice(exit.output.indexOf("{"))) as ReportJson;
            return json.stuck.map((s) => s.orderId);
          },
          { timeout: 60_000, interval: 2_000 },
        )
        .toEqual(["ord-runc-002"]);
    });

    it("--serve: serves the Prometheus metrics and the page (the exporter Deployment)", async () => {
      const { rootfs, config } = rootfsOf(REPORT_IMAGE.name);
      const [port] = await freePorts(1);
      const exporter = runContainer({
        id: "report-serve",
        rootfs,
        args: [...reportArgs(config.Entrypoint), "--serve", "--listen", `${LOOPBACK}:${port}`, "--interval", "2s"],
        env: config.Env ?? [],
        user: IMAGE_USER,
      });
      const base = `http://${LOOPBACK}:${port}`;
      try {
        await waitForHttp(`${base}${SERVE_PATHS.health}`, { timeoutMs: 60_000 });
        const metrics = async () => {
          const response = await fetch(`${base}${SERVE_PATHS.metrics}`);
          return { status: response.status, text: await response.text() };
        };
        await expect
          .poll(async () => (await metrics()).text, { timeout: 60_000, interval: 1_000 })
          .toMatch(new RegExp(`^${METRIC_NAMES.ordersStuck}\\{[^}]*status="[A-Z_]+"[^}]*\\} 1$`, "m"));
        const { status, text } = await metrics();
        expect(status).toBe(200);
        expect(text).toMatch(new RegExp(`^${METRIC_NAMES.readSuccess} 1$`, "m"));
        // prom-client's own process metrics (under the exporter's prefix): the library came along.
        expect(text).toMatch(new RegExp(`^${METRIC_PREFIX}report_process_cpu_seconds_total `, "m"));
        const page = await fetch(`${base}${SERVE_PATHS.proxiedPage}`);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toMatch(/^text\/html/);
        const html = await page.text();
        expect(html).toContain("ord-runc-002");
        expect(html).not.toContain("ord-runc-001");
      } finally {
        const exit = await exporter.stop();
        if (exit.code !== 137) console.log(exit.output);
      }
    });
  });
});

it("runs the init container as the user the images declare", () => {
  const pod = instrumentPodSpec(
    { containers: [{ name: "app", image: "app" }] },
    { serviceName: "shop", container: "app", language: "nodejs" },
    testInjectionSettings(),
  ).podSpec;
  expect(pod.initContainers![0].securityContext).toMatchObject({ runAsUser: IMAGE_USER, runAsGroup: IMAGE_USER });
});
