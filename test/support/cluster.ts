import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CONTROL_PLANE_CONTEXT } from "./control-plane";
import { KubeApi } from "./kube-api";
import { REPO, run } from "./project";

const SCRIPT = path.join(REPO, "scripts", "cluster.sh");
/** Start-up is about 20 s; the margin covers a machine busy with other builds. */
const START_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 180_000;

export interface Cluster {
  /** A kubeconfig of a cluster administrator (system:masters), certificates embedded. */
  kubeconfig: string;
  context: string;
  api: KubeApi;
  /** The loopback port of the registry containerd pulls every image from (hosts.toml mirrors). */
  registryPort: number;
  /** How long `scripts/cluster.sh start` took, in milliseconds. */
  startMs: number;
  /** Stops the cluster and restores the machine (idempotent). */
  stop(): Promise<void>;
}

/** The machine state `scripts/cluster.sh stop` restores, as text (sysctls, iptables, links, mounts…). */
export async function machineState(): Promise<string> {
  const state = await run("bash", [SCRIPT, "state"], { cwd: REPO });
  if (state.code !== 0) throw new Error(`cluster.sh state failed: ${state.stderr}`);
  return state.stdout;
}

/**
 * Starts the single-node cluster of scripts/cluster.sh (control plane, scheduler, containerd, kubelet,
 * CNI bridge, registry) in a temporary folder. One per machine: fails if another runs.
 */
export async function startCluster(): Promise<Cluster> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "order-tracing-cluster-")), "cluster");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const result = await run("bash", [SCRIPT, "stop", dir], { cwd: REPO, timeoutMs: STOP_TIMEOUT_MS });
    rmSync(path.dirname(dir), { recursive: true, force: true });
    if (result.code !== 0) throw new Error(`cluster stop failed (exit ${result.code}):\n${result.stderr}`);
  };
  const started = Date.now();
  const result = await run("bash", [SCRIPT, "start", dir], { cwd: REPO, timeoutMs: START_TIMEOUT_MS });
  const startMs = Date.now() - started;
  if (result.code !== 0) {
    await stop();
    throw new Error(`cluster start failed (exit ${result.code}):\n${result.stderr}`);
  }
  const kubeconfig = result.stdout.trim();
  const registryPort = Number(readFileSync(path.join(dir, "registry.port"), "utf8").trim());
  return {
    kubeconfig,
    context: CONTROL_PLANE_CONTEXT,
    api: KubeApi.fromKubeconfig(kubeconfig),
    registryPort,
    startMs,
    stop,
  };
}
