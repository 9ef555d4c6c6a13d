import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { KubeApi } from "./kube-api";
import { REPO, run } from "./project";

/** The kubeconfig context scripts/control-plane.sh writes. */
export const CONTROL_PLANE_CONTEXT = "order-tracing-test";

const SCRIPT = path.join(REPO, "scripts", "control-plane.sh");
const START_TIMEOUT_MS = 180_000;

export interface ControlPlane {
  /** A kubeconfig of a cluster administrator (system:masters), certificates embedded. */
  kubeconfig: string;
  context: string;
  api: KubeApi;
  /** Stops etcd, the API server and the controller manager, and deletes their data. */
  stop(): Promise<void>;
}

/**
 * Starts the local control plane of scripts/control-plane.sh (etcd, kube-apiserver,
 * kube-controller-manager, all on free loopback ports) in a temporary folder.
 */
export async function startControlPlane(): Promise<ControlPlane> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "order-tracing-control-plane-")), "cluster");
  const stop = async () => {
    const stopped = await run("bash", [SCRIPT, "stop", dir], { cwd: REPO });
    rmSync(path.dirname(dir), { recursive: true, force: true });
    if (stopped.code !== 0) throw new Error(`control-plane stop failed: ${stopped.stderr}`);
  };
  const started = await run("bash", [SCRIPT, "start", dir], { cwd: REPO, timeoutMs: START_TIMEOUT_MS });
  if (started.code !== 0) {
    await stop();
    throw new Error(`control-plane start failed (exit ${started.code}):\n${started.stderr}`);
  }
  const kubeconfig = started.stdout.trim();
  return { kubeconfig, context: CONTROL_PLANE_CONTEXT, api: KubeApi.fromKubeconfig(kubeconfig), stop };
}
