import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolVersion } from "../../infra/tool-versions";
import { machineState, startCluster, type Cluster } from "../support/cluster";
import type { KubeObject } from "../support/kube-api";
import { pollUntil } from "../support/poll";
import { REPO, run } from "../support/project";

// A real single-node cluster (scripts/cluster.sh) on this machine: a Deployment's pod is scheduled
// onto the node, pulls its image by its upstream name through containerd's hosts.toml mirror from the
// registry on loopback, gets an address on the cluster's bridge and becomes Ready; then `stop` leaves
// the machine exactly as it found it (sysctls, iptables, links, network namespaces, mounts, cgroups,
// stray paths, processes).

const NAMESPACE = "cluster-test";
const APP = "sandbox-probe";
/** The pause image the script pushes: pulled here by the name a manifest would use. */
const IMAGE = "registry.k8s.io/pause:3.10";
/** scripts/cluster.sh's pod subnet (10.244.0.0/24). */
const POD_ADDRESS = /^10\.244\.0\.\d{1,3}$/;
const READY_TIMEOUT_MS = 120_000;

interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}
interface Node extends KubeObject {
  status: {
    conditions: { type: string; status: string }[];
    nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string };
  };
}

const isReady = (conditions: { type: string; status: string }[] | undefined) =>
  conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

describe("a single-node cluster on this machine", () => {
  let before: string;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    before = await machineState();
    cluster = await startCluster();
  });

  // Whatever failed above, the machine is put back.
  afterAll(async () => {
    await cluster?.stop();
  });

  it("registers this machine as a Ready node running the pinned kubelet on containerd", async () => {
    const node = await cluster!.api.mustGet<Node>(`/api/v1/nodes/${hostname()}`);
    expect(isReady(node.status.conditions)).toBe(true);
    expect(node.status.nodeInfo.kubeletVersion).toBe(`v${toolVersion("KUBERNETES_VERSION")}`);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
  });

  it("schedules a Deployment's pod onto the node and runs it to Ready on the bridge", async () => {
    const api = cluster!.api;
    const manager = "cluster-test";
    await api.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, { fieldManager: manager });
    const labels = { app: APP };
    await api.apply(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: APP, namespace: NAMESPACE },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            // Always: the image must come from the registry through the mirror, not a local copy.
            spec: { containers: [{ name: "probe", image: IMAGE, imagePullPolicy: "Always" }] },
          },
        },
      },
      { fieldManager: manager },
    );
    let pods: Pod[] = [];
    await pollUntil(
      async () => {
        const list = await api.mustGet<{ items: Pod[] }>(
          `/api/v1/namespaces/${NAMESPACE}/pods?labelSelector=app%3D${APP}`,
        );
        pods = list.items;
        return pods.length === 1 && isReady(pods[0].status.conditions);
      },
      READY_TIMEOUT_MS,
      500,
    );
    expect(
      pods,
      JSON.stringify(
        pods.map((p) => p.status),
        null,
        2,
      ),
    ).toHaveLength(1);
    const [pod] = pods;
    expect(isReady(pod.status.conditions), JSON.stringify(pod.status)).toBe(true);
    expect(pod.spec.nodeName).toBe(hostname());
    expect(pod.status.podIP).toMatch(POD_ADDRESS);
    // The API server reaches the kubelet (logs, exec and port-forward take this path).
    const logs = await run(
      "kubectl",
      ["--kubeconfig", cluster!.kubeconfig, "logs", "-n", NAMESPACE, pod.metadata.name],
      {
        cwd: REPO,
      },
    );
    expect(logs.code, logs.stderr).toBe(0);
  });

  it("stops and leaves the machine as it found it", async () => {
    await cluster!.stop();
    cluster = undefined;
    expect(await machineState()).toBe(before);
  });
});
