import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolVersion } from "../../infra/tool-versions";
import { machineState, startCluster, type Cluster } from "../support/cluster";
import type { KubeApi, KubeObject } from "../support/kube-api";
import { pollUntil } from "../support/poll";
import { REPO, run } from "../support/project";
import { pushUpstreamImages } from "../../images/upstream";
import { defaultJaegerImage } from "../../infra/components/jaeger";
import { indexCleanerImage } from "../../infra/components/trace-storage";
import { oauth2ProxyImage } from "../../infra/components/access/oauth2-proxy-pod";
import { PORTS } from "../../infra/topology";

// A real single-node cluster (scripts/cluster.sh) on this machine: a Deployment's pod is scheduled
// onto the node, pulls its image by its upstream name through containerd's hosts.toml mirror from the
// registry on loopback, gets an address on the cluster's bridge and becomes Ready; a pod finds a
// Service by name through CoreDNS and reaches it through kube-proxy, and reaches the API server
// through the `kubernetes` Service; the upstream images the stack names (Jaeger, its index cleaner,
// oauth2-proxy), rebuilt from tools/ and pushed under their upstream names, run as pods; then `stop` leaves
// the machine exactly as it found it (sysctls, iptables, links, network namespaces, mounts, cgroups,
// stray paths, processes).

const NAMESPACE = "cluster-test";
const APP = "sandbox-probe";
/** The pause image the script pushes: pulled here by the name a manifest would use. */
const IMAGE = "registry.k8s.io/pause:3.10";
/** scripts/cluster.sh's pod subnet (10.244.0.0/24). */
const POD_ADDRESS = /^10\.244\.0\.\d{1,3}$/;
const READY_TIMEOUT_MS = 120_000;
/** scripts/cluster.sh's busybox image (sh, httpd, wget, nslookup). */
const BUSYBOX = "docker.io/library/busybox:1.35";
/** scripts/cluster.sh's kube-dns Service address and cluster domain. */
const DNS_SERVICE_IP = "10.96.0.10";
const CLUSTER_DOMAIN = "cluster.local";
const MANAGER = "cluster-test";

interface Pod extends KubeObject {
  spec: { nodeName?: string };
  status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}
interface Service extends KubeObject {
  spec: { clusterIP: string };
}
interface Node extends KubeObject {
  status: {
    conditions: { type: string; status: string }[];
    nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string };
  };
}

const isReady = (conditions: { type: string; status: string }[] | undefined) =>
  conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** The pods of a label selector once `count` of them are Ready (or what there is at the timeout). */
async function readyPods(api: KubeApi, namespace: string, selector: string, count = 1): Promise<Pod[]> {
  let pods: Pod[] = [];
  await pollUntil(
    async () => {
      const list = await api.mustGet<{ items: Pod[] }>(
        `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
      );
      pods = list.items;
      return pods.length === count && pods.every((p) => isReady(p.status.conditions));
    },
    READY_TIMEOUT_MS,
    500,
  );
  return pods;
}

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
    const manager = MANAGER;
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

  it("resolves a Service by name through CoreDNS and reaches it and the API server through kube-proxy", async () => {
    const api = cluster!.api;
    const kubectl = (...args: string[]) =>
      run("kubectl", ["--kubeconfig", cluster!.kubeconfig, ...args], { cwd: REPO });
    // CoreDNS runs as the kube-dns pod on the node, at the kubelet's clusterDNS address.
    const [dns] = await readyPods(api, "kube-system", "k8s-app=kube-dns");
    expect(dns?.spec.nodeName, JSON.stringify(dns?.status)).toBe(hostname());
    const dnsService = await api.mustGet<Service>("/api/v1/namespaces/kube-system/services/kube-dns");
    expect(dnsService.spec.clusterIP).toBe(DNS_SERVICE_IP);

    const web = "web";
    const text = "served by the web pod";
    const labels = { app: web };
    await api.apply(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: web, namespace: NAMESPACE },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: "httpd",
                  image: BUSYBOX,
                  command: [
                    "sh",
                    "-c",
                    `mkdir -p /tmp/www && echo '${text}' >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`,
                  ],
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
      { fieldManager: MANAGER },
    );
    await api.apply(
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: web, namespace: NAMESPACE },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
      { fieldManager: MANAGER },
    );
    const [server] = await readyPods(api, NAMESPACE, `app=${web}`);
    expect(isReady(server?.status.conditions), JSON.stringify(server?.status)).toBe(true);
    const service = await api.mustGet<Service>(`/api/v1/namespaces/${NAMESPACE}/services/${web}`);

    // The client: the Service's full name through CoreDNS, then its short name (the pod's DNS search
    // path) through kube-proxy to the web pod, then the API server through the `kubernetes` Service.
    const client = "dns-client";
    const script = [
      `nslookup ${web}.${NAMESPACE}.svc.${CLUSTER_DOMAIN}`,
      "cat /etc/resolv.conf",
      // busybox's nc, not its wget: Debian's static wget ended with a segmentation fault in these pods.
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 ${web} 80`,
      `nc -w 5 kubernetes.default.svc 443 </dev/null && echo kubernetes-service-open`,
    ].join(" && ");
    await api.apply(
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: client, namespace: NAMESPACE },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "client", image: BUSYBOX, command: ["sh", "-c", script] }],
        },
      },
      { fieldManager: MANAGER },
    );
    let phase: string | undefined;
    await pollUntil(
      async () => {
        phase = (await api.mustGet<Pod>(`/api/v1/namespaces/${NAMESPACE}/pods/${client}`)).status.phase;
        return phase === "Succeeded" || phase === "Failed";
      },
      READY_TIMEOUT_MS,
      500,
    );
    const logs = await kubectl("logs", "-n", NAMESPACE, client);
    expect(logs.code, logs.stderr).toBe(0);
    expect(phase, logs.stdout).toBe("Succeeded");
    expect(logs.stdout).toContain(`Address: ${service.spec.clusterIP}`);
    expect(logs.stdout).toContain(`nameserver ${DNS_SERVICE_IP}`);
    expect(logs.stdout).toContain(text);
    expect(logs.stdout).toContain("kubernetes-service-open");
  });

  it("runs the upstream images the stack names, pulled by their upstream names through the mirrors", async () => {
    const api = cluster!.api;
    const pushed = await pushUpstreamImages(`127.0.0.1:${cluster!.registryPort}`);
    expect(pushed.map((p) => p.reference)).toEqual([defaultJaegerImage(), indexCleanerImage(), oauth2ProxyImage()]);
    const deployment = (name: string, container: Record<string, unknown>): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: NAMESPACE },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          // The images' own users (no runAsUser here): the layout upstream's images have.
          spec: { securityContext: { runAsNonRoot: true }, containers: [{ name, ...container }] },
        },
      },
    });
    // Jaeger v2 with its built-in all-in-one configuration (memory storage), listening on the pod's address.
    await api.apply(
      deployment("jaeger", {
        image: defaultJaegerImage(),
        env: [{ name: "JAEGER_LISTEN_HOST", value: "0.0.0.0" }],
        readinessProbe: { httpGet: { path: "/status", port: PORTS.jaegerHealth }, periodSeconds: 1 },
      }),
      { fieldManager: MANAGER },
    );
    // oauth2-proxy with a provider that needs no discovery at start, in front of a static upstream.
    await api.apply(
      deployment("oauth2-proxy", {
        image: oauth2ProxyImage(),
        args: [
          `--http-address=0.0.0.0:${PORTS.oauth2Proxy}`,
          "--provider=google",
          "--client-id=cluster-test",
          "--client-secret=cluster-test",
          "--cookie-secret=0123456789abcdef0123456789abcdef",
          "--email-domain=*",
          "--upstream=static://200",
        ],
        readinessProbe: { httpGet: { path: "/ready", port: PORTS.oauth2Proxy }, periodSeconds: 1 },
      }),
      { fieldManager: MANAGER },
    );
    // The index cleaner is a batch program (the retention CronJob's): its Job runs it to completion.
    await api.apply(
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "index-cleaner", namespace: NAMESPACE },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              securityContext: { runAsNonRoot: true },
              containers: [{ name: "index-cleaner", image: indexCleanerImage(), args: ["--help"] }],
            },
          },
        },
      },
      { fieldManager: MANAGER },
    );
    for (const name of ["jaeger", "oauth2-proxy"]) {
      const pods = await readyPods(api, NAMESPACE, `app=${name}`);
      expect(pods, `${name}: ${JSON.stringify(pods.map((p) => p.status))}`).toHaveLength(1);
      expect(isReady(pods[0].status.conditions), `${name}: ${JSON.stringify(pods[0].status)}`).toBe(true);
      expect(pods[0].spec.nodeName).toBe(hostname());
    }
    let job: { status: { succeeded?: number; failed?: number } } | undefined;
    await pollUntil(
      async () => {
        job = await api.mustGet(`/apis/batch/v1/namespaces/${NAMESPACE}/jobs/index-cleaner`);
        return (job?.status.succeeded ?? 0) + (job?.status.failed ?? 0) > 0;
      },
      READY_TIMEOUT_MS,
      500,
    );
    expect(job?.status.succeeded, JSON.stringify(job?.status)).toBe(1);
  });

  it("stops and leaves the machine as it found it", async () => {
    await cluster!.stop();
    cluster = undefined;
    expect(await machineState()).toBe(before);
  });
});
