/**
 * Runs an unpacked image with Debian's runc the way a pod runs it: read-only root filesystem, the
 * image's user, no capabilities, no new privileges, the volumes the test gives. The container keeps
 * the host's network namespace (its servers and clients stay on loopback), and its memory cgroup sits
 * under a parent this helper creates, so the peak it reports is the container's, page cache included.
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const MEMORY_CGROUP = "/sys/fs/cgroup/memory";

export interface Mount {
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface ContainerOptions {
  id: string;
  rootfs: string;
  args: string[];
  env: string[];
  user: number;
  mounts?: Mount[];
  /** The container's memory limit (limits.memory). */
  memoryLimitBytes?: number;
  /** The container's CPU limit in millicores (limits.cpu). */
  cpuLimitMillis?: number;
}

export interface ContainerExit {
  code: number;
  output: string;
  /** Highest memory use of the container's cgroup (memory.max_usage_in_bytes). */
  peakMemoryBytes: number;
  durationMs: number;
}

export interface RunningContainer {
  exited: Promise<ContainerExit>;
  /** Output so far (stdout and stderr). */
  output(): string;
  stop(): Promise<ContainerExit>;
}

function runtimeSpec(options: ContainerOptions, cgroupsPath: string): unknown {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-runc-spec-"));
  execFileSync("runc", ["spec"], { cwd: dir });
  const spec = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as {
    process: Record<string, unknown>;
    root: Record<string, unknown>;
    mounts: unknown[];
    linux: { namespaces: Array<{ type: string }>; resources?: Record<string, unknown>; cgroupsPath?: string };
    hostname?: string;
  };
  rmSync(dir, { recursive: true, force: true });
  const none: string[] = [];
  spec.process = {
    ...spec.process,
    terminal: false,
    user: { uid: options.user, gid: options.user },
    args: options.args,
    env: options.env,
    cwd: "/",
    capabilities: { bounding: none, effective: none, permitted: none, inheritable: none, ambient: none },
    noNewPrivileges: true,
  };
  spec.root = { path: options.rootfs, readonly: true };
  spec.mounts = [
    ...spec.mounts,
    ...(options.mounts ?? []).map((m) => ({
      destination: m.destination,
      type: "bind",
      source: m.source,
      options: ["rbind", m.readOnly ? "ro" : "rw"],
    })),
  ];
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== "network");
  spec.linux.cgroupsPath = cgroupsPath;
  spec.linux.resources = {
    ...spec.linux.resources,
    ...(options.memoryLimitBytes ? { memory: { limit: options.memoryLimitBytes } } : {}),
    ...(options.cpuLimitMillis ? { cpu: { quota: options.cpuLimitMillis * 100, period: 100_000 } } : {}),
  };
  return spec;
}

/** Starts a container; its `exited` promise resolves when it ends (any exit code). */
export function runContainer(options: ContainerOptions): RunningContainer {
  const bundle = mkdtempSync(path.join(tmpdir(), "order-tracing-runc-"));
  const state = path.join(bundle, "state");
  mkdirSync(state);
  const parent = `order-tracing-images-${process.pid}-${options.id}`;
  mkdirSync(path.join(MEMORY_CGROUP, parent), { recursive: true });
  writeFileSync(path.join(bundle, "config.json"), JSON.stringify(runtimeSpec(options, `/${parent}/${options.id}`)));
  const started = Date.now();
  const child = spawn("runc", ["--root", state, "run", "--bundle", bundle, options.id], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ContainerExit>((resolve) => {
    child.on("close", (code, signal) => {
      const durationMs = Date.now() - started;
      const usage = path.join(MEMORY_CGROUP, parent, "memory.max_usage_in_bytes");
      const peakMemoryBytes = existsSync(usage) ? Number(readFileSync(usage, "utf8").trim()) : 0;
      try {
        rmdirSync(path.join(MEMORY_CGROUP, parent));
      } catch {
        // still populated by a child runc could not remove: left for the machine's cleanup
      }
      rmSync(bundle, { recursive: true, force: true });
      resolve({ code: code ?? (signal ? 128 : 1), output, peakMemoryBytes, durationMs });
    });
  });
  return {
    exited,
    output: () => output,
    stop: async () => {
      try {
        execFileSync("runc", ["--root", state, "kill", options.id, "KILL"], { stdio: "ignore" });
      } catch {
        // already stopped
      }
      return exited;
    },
  };
}
