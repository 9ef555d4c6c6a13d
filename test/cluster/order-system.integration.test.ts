import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages, type BuiltImage } from "../../images/build";
import { IMAGES } from "../../images/definitions";
import { pushOrderSystemImages } from "../../images/order-system";
import { pushUpstreamImages } from "../../images/upstream";
import { defaultJaegerImage } from "../../infra/components/jaeger";
import { EXPORTER_COMPONENT } from "../../infra/components/order-report";
import { METRIC_NAMES } from "../../cli/report/metric-names";
import { SERVE_PATHS } from "../../cli/report/serve-paths";
import { OAUTH2_PROXY_PATHS } from "../../infra/components/access/oauth2-proxy-config";
import { oauth2ProxyImage } from "../../infra/components/access/oauth2-proxy-pod";
import { INSTRUMENTATION_INIT_CONTAINER } from "../../infra/injection/instrument-pod-spec";
import { languageAgent } from "../../infra/injection/languages";
import { PARTS, PORTS } from "../../infra/topology";
import { QUEUES } from "../../examples/order-system/src/lib/topology";
import { freePort, startProcess, waitForPort, type ManagedProcess } from "../../sandbox/process";
import { startRabbitMq, type RabbitMq } from "../../sandbox/rabbitmq";
import { startS3Server, type S3Server } from "../../sandbox/s3";
import { TEAM_REGISTRY, teamImagePath, type TeamApp } from "../control-plane/team-deployments";
import { machineState, startCluster, type Cluster } from "../support/cluster";
import { startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";
import { issueServerCertificate } from "../support/tls";
import type { KubeApi, KubeObject } from "../support/kube-api";
import { managersOf } from "../support/managed-fields";
import { startOpenSearch, type RunningOpenSearch } from "../support/opensearch";
import { pollUntil } from "../support/poll";
import { copyProject, pulumi, REPO, run, type ProjectCopy } from "../support/project";
import {
  consumes,
  describeSpans,
  JaegerTraces,
  kind,
  latestStatus,
  orderPathConnections,
  type Span,
} from "../e2e/jaeger-traces";
import { setTimeout as delay } from "node:timers/promises";
import { createClusterStack, devStackAccess, REPORT_STUCK_AFTER_MS } from "./cluster-stack";
import {
  callService,
  clusterTeamApps,
  deployAsTeam,
  deployServiceAsTeam,
  exposeHostService,
  hostServiceName,
  POD_GATEWAY,
  reportIngressAddresses,
  type HostBackend,
} from "./order-system";

// The teams' Shop, CRM and MES on the single-node cluster (scripts/cluster.sh): their images built
// from examples/order-system on the report image's Node.js runtime, pushed to the cluster's registry
// under the teams' registry name (a hosts.toml mirror), deployed with the teams' own manifests and
// field managers; RabbitMQ and the S3 server run on the host, reached from the pods through relays on
// the bridge gateway and Services with explicit endpoints, as does an https OIDC provider whose
// certificate a CA of this run signed (the company CA the stack hands to the proxy).

const READY_TIMEOUT_MS = 180_000;
const ORDER_TIMEOUT_MS = 60_000;
/** Deliberately fake customer: no personal data. */
const CUSTOMER = {
  name: "Cluster Customer",
  email: "cluster@example.invalid",
  phone: "+00 0000",
  address: "Nowhere 1",
};
const MODEL = { fileName: "cube.stl", content: Buffer.from("solid cube\nendsolid cube\n").toString("base64") };

interface Pod extends KubeObject {
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

const isReady = (pod: Pod) => pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** The pods of a team's Deployment once every one of them is Ready and nothing else is left (or the last list). */
async function teamPods(api: KubeApi, app: TeamApp, count = 1): Promise<Pod[]> {
  let pods: Pod[] = [];
  await pollUntil(
    async () => {
      const list = await api.mustGet<{ items: Pod[] }>(
        `/api/v1/namespaces/${app.team}/pods?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${app.team}`)}`,
      );
      pods = list.items;
      return pods.length === count && pods.every(isReady);
    },
    READY_TIMEOUT_MS,
    1_000,
  );
  return pods;
}

const STACK = "cluster";
const TRACING_NAMESPACE = "tracing";
const TEAMS = ["shop", "crm", "mes"] as const;
/** `pulumi up` waits for every rollout; the image pulls and the first pods take a while on 2 cores. */
const STACK_COMMAND_TIMEOUT_MS = 600_000;
const TRACE_WAIT_MS = 120_000;

interface Deployment extends KubeObject {
  metadata: KubeObject["metadata"] & { generation?: number };
  spec: { replicas: number; template: { spec: Record<string, unknown> } };
  status: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number };
}
interface InitPod extends Pod {
  spec: Pod["spec"] & { initContainers?: { name: string; image: string }[] };
  status: Pod["status"] & {
    initContainerStatuses?: { name: string; state: { terminated?: { exitCode: number; reason?: string } } }[];
  };
}

/** Whether a Deployment has rolled out completely: every replica updated and Ready, no old pod left. */
const rolledOut = (d: Deployment) =>
  (d.status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
  d.status.updatedReplicas === d.spec.replicas &&
  d.status.readyReplicas === d.spec.replicas &&
  d.status.replicas === d.spec.replicas;

async function deploymentsOf(api: KubeApi, namespace: string): Promise<Deployment[]> {
  return (await api.mustGet<{ items: Deployment[] }>(`/apis/apps/v1/namespaces/${namespace}/deployments`)).items;
}

/** Waits for everyPodReady, and fails naming each pod's status if the time is up first. */
async function waitForEveryPodReady(api: KubeApi, namespaces: readonly string[]) {
  let state = await everyPodReady(api, namespaces);
  await pollUntil(async () => (state = await everyPodReady(api, namespaces)).ready, READY_TIMEOUT_MS, 1_000);
  expect(
    state.ready,
    JSON.stringify(
      state.pods.map((p) => [p.metadata.name, p.status]),
      null,
      1,
    ),
  ).toBe(true);
  return state;
}

/** Every pod of the namespaces, once each is Ready (or Succeeded) and every Deployment has rolled out. */
async function everyPodReady(
  api: KubeApi,
  namespaces: readonly string[],
): Promise<{ ready: boolean; pods: InitPod[] }> {
  const pods: InitPod[] = [];
  let ready = true;
  for (const namespace of namespaces) {
    const deployments = await deploymentsOf(api, namespace);
    if (!deployments.every(rolledOut)) ready = false;
    const list = await api.mustGet<{ items: (InitPod & { status: { phase?: string } })[] }>(
      `/api/v1/namespaces/${namespace}/pods`,
    );
    for (const pod of list.items) {
      if (pod.metadata.deletionTimestamp) ready = false;
      if (pod.status.phase === "Succeeded") continue;
      if (!isReady(pod)) ready = false;
      pods.push(pod);
    }
  }
  return { ready, pods };
}

describe("the teams' order system and the tracing stack on a single-node cluster", () => {
  let before: string;
  let cluster: Cluster | undefined;
  let logDir: string;
  let rabbit: RabbitMq | undefined;
  let s3: S3Server | undefined;
  let opensearch: RunningOpenSearch | undefined;
  let project: ProjectCopy | undefined;
  /** `kubectl port-forward` to a Service of the tracing namespace, by Service name. */
  const portForwards = new Map<string, { process: ManagedProcess; url: string }>();
  let idp: TestIdentityProvider | undefined;
  let idpCa = "";
  const relays: HostBackend[] = [];
  let apps: TeamApp[] = [];
  let storageUrl = "";
  /** The teams' Deployments as they stood before `pulumi up`. */
  const teamDeployments = new Map<string, Deployment>();
  /** The pods after `pulumi up`, by team. */
  const instrumentedPods = new Map<string, string>();
  let stuckOrderId = "";
  /** When the stuck order reached ACCEPTED (its last status), by this process's clock. */
  let stuckSince = 0;
  let happyOrderId = "";

  const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", cluster!.kubeconfig, ...args], { cwd: REPO });
  const stackCommand = async (args: string[]) => {
    const result = await pulumi(project!, [...args, "--stack", STACK, "--non-interactive"], STACK_COMMAND_TIMEOUT_MS);
    expect(result.code, `pulumi ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
    return result;
  };

  beforeAll(async () => {
    before = await machineState();
    logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-cluster-order-system-"));
    [cluster, rabbit, s3, opensearch] = await Promise.all([
      startCluster(),
      startRabbitMq(),
      startS3Server({ logDir }),
      startOpenSearch(),
    ]);
    console.log(`cluster start: ${(cluster.startMs / 1000).toFixed(1)} s`);
    const api = cluster.api;
    const amqp = await exposeHostService(api, "rabbitmq", rabbit.amqpPort, logDir);
    relays.push(amqp);
    const s3Relay = await exposeHostService(api, "s3", Number(new URL(s3.endpoint).port), logDir);
    relays.push(s3Relay);
    const search = await exposeHostService(api, "opensearch", Number(new URL(opensearch.url).port), logDir);
    relays.push(search);
    storageUrl = `http://${search.host}:${search.port}`;
    // The Jaeger UI's sign-in: an https identity provider, reached from pods by a cluster name that its
    // certificate holds, signed by a CA made for this run.
    const idpHost = hostServiceName("idp");
    const certificate = issueServerCertificate(idpHost);
    idpCa = certificate.caPem;
    const ui = devStackAccess();
    idp = await startIdentityProvider({
      users: [],
      clientId: ui.clientId,
      redirectUri: `https://${ui.host}${OAUTH2_PROXY_PATHS.callback}`,
      groupsClaim: ui.groupsClaim,
      tls: { host: idpHost, certPem: certificate.certPem, keyPem: certificate.keyPem },
    });
    relays.push(await exposeHostService(api, "idp", Number(new URL(idp.issuer).port), logDir));
    apps = clusterTeamApps({
      amqpUrl: `amqp://guest:guest@${amqp.host}:${amqp.port}`,
      s3Endpoint: `http://${s3Relay.host}:${s3Relay.port}`,
      bucket: s3.bucket,
    });
  });

  afterAll(async () => {
    await stopPortForwards();
    await idp?.close();
    for (const relay of relays.splice(0)) await relay.stop();
    await cluster?.stop();
    await rabbit?.stop();
    await s3?.stop();
    await opensearch?.stop();
    project?.remove();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it("builds the teams' images on the Node.js runtime and runs their Deployments to Ready", async () => {
    const api = cluster!.api;
    const pushed = await pushOrderSystemImages(`127.0.0.1:${cluster!.registryPort}`, (service) => {
      const app = apps.find((a) => a.team === service)!;
      const image = (app.deployment.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0].image;
      return teamImagePath(service, image.slice(image.lastIndexOf(":") + 1));
    });
    expect(pushed.map((p) => p.service)).toEqual(["shop", "crm", "mes"]);
    for (const app of apps) {
      await deployAsTeam(api, app);
      await deployServiceAsTeam(api, app);
    }
    for (const app of apps) {
      const pods = await teamPods(api, app);
      const detail = `${app.team}: ${JSON.stringify(pods.map((p) => p.status))}`;
      expect(pods, detail).toHaveLength(1);
      expect(isReady(pods[0]), detail).toBe(true);
      expect(pods[0].spec.nodeName).toBe(hostname());
      // The image by the name in the team's manifest, pulled from the registry through the mirror.
      expect(pods[0].spec.containers[0].image).toMatch(new RegExp(`^${TEAM_REGISTRY}/${app.team}/api:`));
    }
  });

  it("walks an order from Shop to MES inside the cluster, over RabbitMQ and S3 on the host", async () => {
    const api = cluster!.api;
    const orderId = await placeOrder(api, "PLA");
    await approveUntil(api, orderId, "ACCEPTED");
  });

  it("pulumi up of the cluster stack rolls the teams' Deployments and runs every pod to Ready", async () => {
    const api = cluster!.api;
    for (const team of TEAMS)
      teamDeployments.set(team, await api.mustGet<Deployment>(`/apis/apps/v1/namespaces/${team}/deployments/${team}`));
    const registry = `127.0.0.1:${cluster!.registryPort}`;
    // Ours (the gateway, the init container, the report), and the upstream images the stack names.
    const ours: BuiltImage[] = await buildImages(IMAGES, { registry }, { architectures: ["amd64"] });
    const upstream = await pushUpstreamImages(registry);
    expect(upstream.map((u) => u.reference)).toContain(defaultJaegerImage());
    project = copyProject();
    const apiServerPort = Number(
      new URL(
        (await kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")).stdout.trim(),
      ).port,
    );
    await createClusterStack(project, STACK, {
      kubeconfig: cluster!.kubeconfig,
      context: cluster!.context,
      storageUrl,
      gatewayCidr: `${POD_GATEWAY}/32`,
      apiServerPort,
      images: ours,
      identityProvider: { issuerUrl: idp!.issuer, caPem: idpCa, clientSecret: idp!.clientSecret },
    });

    const started = Date.now();
    const stopReportingIngresses = reportIngressAddresses(api, TRACING_NAMESPACE);
    const up = await stackCommand(["up", "--yes", "--skip-preview", "--policy-pack", "policies"]).finally(
      stopReportingIngresses,
    );
    const upMs = Date.now() - started;
    expect(up.stdout).toMatch(/Policies:[\s\S]*order-tracing@v/);
    const namespaces = [...TEAMS, TRACING_NAMESPACE];
    const state = await waitForEveryPodReady(api, namespaces);
    const readyMs = Date.now() - started;
    console.log(
      `pulumi up ${(upMs / 1000).toFixed(1)} s; every pod Ready ${(readyMs / 1000).toFixed(1)} s after the start of up`,
    );
    console.log(
      `pods: ${state.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name} on ${p.spec.nodeName}`).join(", ")}`,
    );
    for (const pod of state.pods) expect(pod.spec.nodeName, pod.metadata.name).toBe(hostname());

    // The teams' Deployments rolled: a new pod each, with our init container run to completion and
    // the bundle copied into the volume the app container loads it from.
    const mountPath = languageAgent("nodejs").mountPath;
    for (const team of TEAMS) {
      const pods = state.pods.filter((p) => p.metadata.namespace === team);
      expect(pods, team).toHaveLength(1);
      const [pod] = pods;
      const beforeUp = teamDeployments.get(team)!;
      const live = await api.mustGet<Deployment>(`/apis/apps/v1/namespaces/${team}/deployments/${team}`);
      expect(live.metadata.generation, `${team}: a new generation`).toBeGreaterThan(beforeUp.metadata.generation ?? 0);
      expect(pod.spec.initContainers?.map((c) => c.name)).toEqual([INSTRUMENTATION_INIT_CONTAINER]);
      const init = pod.status.initContainerStatuses?.[0];
      expect(init?.state.terminated?.exitCode, JSON.stringify(init)).toBe(0);
      const listed = await kubectl(
        "exec", "-n", team, pod.metadata.name, "-c", team, "--",
        "/usr/bin/node", "-e", `console.log(require("fs").readdirSync(${JSON.stringify(mountPath)}).join("\\n"))`,
      ); // prettier-ignore
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.split("\n")).toContain("register.js");
      instrumentedPods.set(team, pod.metadata.name);
    }

    // The gateway runs our collector image; Jaeger and the proxy their upstream images.
    const tracing = state.pods.filter((p) => p.metadata.namespace === TRACING_NAMESPACE);
    const imagesOf = (part: string) =>
      tracing
        .filter((p) => p.metadata.labels?.["app.kubernetes.io/name"] === part)
        .flatMap((p) => p.spec.containers.map((c) => c.image));
    const collectorImage = ours.find((i) => i.configKey === "collector.image")!.reference;
    expect(imagesOf(PARTS.collector)).toContain(collectorImage);
    expect(imagesOf(PARTS.jaeger)).toContain(defaultJaegerImage());
    expect(imagesOf(PARTS.oauth2Proxy)).toEqual([oauth2ProxyImage()]);
  });

  it("the Jaeger UI's proxy pod, Ready once it discovered the https issuer with the stack's CA, sends visitors to sign in", async () => {
    const proxy = await forwardToService(PARTS.oauth2Proxy, PORTS.oauth2Proxy);
    const ui = devStackAccess();
    const page = await fetch(`${proxy}/search`, { redirect: "manual" });
    expect(page.status).toBe(302);
    const location = new URL(page.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(`${idp!.issuer}/auth`);
    expect(location.searchParams.get("client_id")).toBe(ui.clientId);
    expect(location.searchParams.get("redirect_uri")).toBe(`https://${ui.host}${OAUTH2_PROXY_PATHS.callback}`);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    // Jaeger's API answers nothing without a session, and the stuck-orders page sends to sign in.
    expect((await fetch(`${proxy}/api/services`, { redirect: "manual" })).status).toBe(401);
    const stuckPage = await fetch(`${proxy}${SERVE_PATHS.proxiedPage}`, { redirect: "manual" });
    expect(stuckPage.status).toBe(302);
    expect(stuckPage.headers.get("location")).toMatch(new RegExp(`^${idp!.issuer}/auth\\?`));
  });

  it("traces orders through the cluster: every connection, the real node and pods, k8sattributes' attributes", async () => {
    const api = cluster!.api;
    happyOrderId = await placeOrder(api, "PLA");
    await approveUntil(api, happyOrderId, "ACCEPTED");
    for (const step of ["start", "complete"]) {
      const answer = await callService(api, "mes", "POST", `/orders/${happyOrderId}/${step}`, {});
      expect(answer.status, answer.text).toBe(200);
    }
    await statusUntil(api, happyOrderId, "MANUFACTURED");
    for (const step of ["ship", "deliver"]) {
      const answer = await callService(api, "crm", "POST", `/orders/${happyOrderId}/${step}`, {});
      expect(answer.status, answer.text).toBe(200);
    }
    // The brief's MES logic error: TPU is sold by the shop, accepted by MES, and fails in production.
    stuckOrderId = await placeOrder(api, "TPU");
    await approveUntil(api, stuckOrderId, "ACCEPTED");
    stuckSince = Date.now();
    const start = await callService(api, "mes", "POST", `/orders/${stuckOrderId}/start`, {});
    expect(start.status, start.text).toBe(500);

    const jaeger = await jaegerThroughPortForward();
    const spans = await jaeger.spansOfOrder(
      happyOrderId,
      TEAMS,
      (all) => latestStatus(all) === "DELIVERED" && all.some((s) => consumes(s, QUEUES.statusEvents)),
      TRACE_WAIT_MS,
    );
    const connections = orderPathConnections(spans);
    expect(connections, describeSpans(spans)).toEqual(
      Object.fromEntries(Object.keys(connections).map((k) => [k, true])),
    );

    // Who ran each span: this node, the service's real pod, and its Deployment (k8sattributes only).
    const attributes = (span: Span) => ({
      node: span.processTags["k8s.node.name"],
      pod: span.processTags["k8s.pod.name"],
      namespace: span.processTags["k8s.namespace.name"],
      deployment: span.processTags["k8s.deployment.name"],
    });
    const seen = new Map<string, ReturnType<typeof attributes>>();
    for (const span of spans) {
      const found = attributes(span);
      seen.set(span.service, found);
      expect(found, `${span.service} ${span.operation}`).toEqual({
        node: hostname(),
        pod: instrumentedPods.get(span.service),
        namespace: span.service,
        deployment: span.service,
      });
    }
    console.log(`span attributes from Jaeger (${spans.length} spans): ${JSON.stringify(Object.fromEntries(seen))}`);
    expect([...seen.keys()].sort()).toEqual([...TEAMS].sort());

    // The stuck order: MES's failed start is in its trace, the order's last status ACCEPTED.
    const stuck = await jaeger.spansOfOrder(
      stuckOrderId,
      TEAMS,
      (all) =>
        latestStatus(all) === "ACCEPTED" &&
        all.some((s) => s.service === "mes" && kind(s) === "server" && s.tags["http.response.status_code"] === 500),
      TRACE_WAIT_MS,
    );
    expect(latestStatus(stuck), describeSpans(stuck)).toBe("ACCEPTED");
  });

  it("runs the report as a Job from its CronJob, and the report names the stuck order", async () => {
    const api = cluster!.api;
    const cronJobs = await api.mustGet<{ items: KubeObject[] }>(
      `/apis/batch/v1/namespaces/${TRACING_NAMESPACE}/cronjobs`,
    );
    const cronJob = cronJobs.items.find((c) => c.metadata.labels?.["app.kubernetes.io/name"] === PARTS.orderReport);
    expect(cronJob, JSON.stringify(cronJobs.items.map((c) => c.metadata.name))).toBeDefined();
    // The report counts an order as stuck once its last status is older than report.stuckAfter.
    await delay(Math.max(0, stuckSince + REPORT_STUCK_AFTER_MS + 2_000 - Date.now()));
    const job = "order-report-now";
    const created = await kubectl(
      "create",
      "job",
      "-n",
      TRACING_NAMESPACE,
      `--from=cronjob/${cronJob!.metadata.name}`,
      job,
    );
    expect(created.code, created.stderr).toBe(0);
    let status: { succeeded?: number; failed?: number } = {};
    await pollUntil(
      async () => {
        status = (
          await api.mustGet<{ status: typeof status }>(`/apis/batch/v1/namespaces/${TRACING_NAMESPACE}/jobs/${job}`)
        ).status;
        return (status.succeeded ?? 0) + (status.failed ?? 0) > 0;
      },
      READY_TIMEOUT_MS,
      1_000,
    );
    const logs = await kubectl("logs", "-n", TRACING_NAMESPACE, `job/${job}`);
    expect(status.succeeded, `${JSON.stringify(status)}\n${logs.stdout}\n${logs.stderr}`).toBe(1);
    const report = JSON.parse(logs.stdout.slice(logs.stdout.indexOf("{"))) as {
      stuck: { orderId: string; status: string }[];
    };
    console.log(`report's stuck orders: ${JSON.stringify(report.stuck.map((s) => [s.orderId, s.status]))}`);
    expect(report.stuck.find((s) => s.orderId === stuckOrderId)?.status, logs.stdout).toBe("ACCEPTED");
    expect(report.stuck.map((s) => s.orderId)).not.toContain(happyOrderId);
  });

  it("the report's exporter Deployment counts the stuck order where it waits, and serves its page", async () => {
    const exporter = await forwardToService(EXPORTER_COMPONENT, PORTS.orderReportHttp);
    // MES holds the TPU order in ACCEPTED (the dev stack's report.statusOwners); one per status and service.
    const stuckInMes = new RegExp(
      `^${METRIC_NAMES.ordersStuck}\\{(?=[^}]*status="ACCEPTED")(?=[^}]*service="mes")[^}]*\\} 1$`,
      "m",
    );
    let metrics = "";
    await pollUntil(
      async () => stuckInMes.test((metrics = await (await fetch(`${exporter}${SERVE_PATHS.metrics}`)).text())),
      READY_TIMEOUT_MS,
      1_000,
    );
    expect(metrics).toMatch(stuckInMes);
    expect(metrics).toMatch(new RegExp(`^${METRIC_NAMES.readSuccess} 1$`, "m"));
    console.log(
      `exporter: ${metrics
        .split("\n")
        .filter((l) => l.startsWith(METRIC_NAMES.ordersStuck))
        .join("; ")}`,
    );
    const page = await fetch(`${exporter}${SERVE_PATHS.page}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(stuckOrderId);
  });

  it("pulumi destroy rolls the teams' Deployments back to exactly their pod spec, Ready again", async () => {
    const api = cluster!.api;
    await stopPortForwards();
    await stackCommand(["destroy", "--yes", "--skip-preview"]);
    const state = await waitForEveryPodReady(api, TEAMS);
    for (const team of TEAMS) {
      const teamSpec = teamDeployments.get(team)!;
      const after = await api.mustGet<Deployment>(`/apis/apps/v1/namespaces/${team}/deployments/${team}`);
      expect(after.spec, `${team}: spec after destroy`).toEqual(teamSpec.spec);
      expect(managersOf(after).filter((m) => m !== "kube-controller-manager")).toEqual([`team-${team}`]);
      const pods = state.pods.filter((p) => p.metadata.namespace === team);
      expect(pods, team).toHaveLength(1);
      expect(pods[0].spec.initContainers ?? []).toEqual([]);
      expect(pods[0].metadata.name).not.toBe(instrumentedPods.get(team));
    }
  });

  it("stops and leaves the machine as it found it", async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await cluster!.stop();
    cluster = undefined;
    expect(await machineState()).toBe(before);
  });

  /** Places an order through Shop's Service (the API server's service proxy); returns its id. */
  async function placeOrder(api: KubeApi, material: string): Promise<string> {
    const created = await callService(api, "shop", "POST", "/orders", {
      customer: CUSTOMER,
      model: MODEL,
      material,
      quantity: 1,
    });
    expect(created.status, created.text).toBe(201);
    return String(created.json?.orderId);
  }

  /** Waits until CRM reports the order's status. */
  async function statusUntil(api: KubeApi, orderId: string, expected: string): Promise<void> {
    let status: unknown;
    await pollUntil(
      async () => {
        status = (await callService(api, "crm", "GET", `/orders/${orderId}`)).json?.status;
        return status === expected;
      },
      ORDER_TIMEOUT_MS,
      500,
    );
    expect(status, orderId).toBe(expected);
  }

  /** Approves in CRM; MES receives the work order over RabbitMQ, fetches the model from S3, reports back. */
  async function approveUntil(api: KubeApi, orderId: string, expected: string): Promise<void> {
    const approved = await callService(api, "crm", "POST", `/orders/${orderId}/approve`, {});
    expect(approved.status, approved.text).toBe(200);
    await statusUntil(api, orderId, expected);
  }

  /** Jaeger's query API through `kubectl port-forward` to its Service. */
  async function jaegerThroughPortForward(): Promise<JaegerTraces> {
    return new JaegerTraces(await forwardToService(PARTS.jaeger, PORTS.jaegerQueryHttp));
  }

  /** A loopback URL to a Service of the tracing namespace, through `kubectl port-forward` (one per Service). */
  async function forwardToService(service: string, port: number): Promise<string> {
    const open = portForwards.get(service);
    if (open) return open.url;
    const local = await freePort();
    const forward = startProcess({
      name: `${service}-port-forward`,
      command: "kubectl",
      args: [
        "--kubeconfig", cluster!.kubeconfig, "port-forward", "-n", TRACING_NAMESPACE, "--address", "127.0.0.1",
        `service/${service}`, `${local}:${port}`,
      ], // prettier-ignore
      logDir,
    });
    await waitForPort(local, { process: forward, timeoutMs: 30_000 });
    const url = `http://127.0.0.1:${local}`;
    portForwards.set(service, { process: forward, url });
    return url;
  }

  async function stopPortForwards(): Promise<void> {
    for (const { process } of portForwards.values()) await process.stop();
    portForwards.clear();
  }
});
