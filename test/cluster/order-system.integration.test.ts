import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushOrderSystemImages } from "../../images/order-system";
import { startRabbitMq, type RabbitMq } from "../../sandbox/rabbitmq";
import { startS3Server, type S3Server } from "../../sandbox/s3";
import { TEAM_REGISTRY, teamImagePath, type TeamApp } from "../control-plane/team-deployments";
import { machineState, startCluster, type Cluster } from "../support/cluster";
import type { KubeApi, KubeObject } from "../support/kube-api";
import { pollUntil } from "../support/poll";
import {
  callService,
  clusterTeamApps,
  deployAsTeam,
  deployServiceAsTeam,
  exposeHostService,
  type HostBackend,
} from "./order-system";

// The teams' Shop, CRM and MES on the single-node cluster (scripts/cluster.sh): their images built
// from examples/order-system on the report image's Node.js runtime, pushed to the cluster's registry
// under the teams' registry name (a hosts.toml mirror), deployed with the teams' own manifests and
// field managers; RabbitMQ and the S3 server run on the host, reached from the pods through relays on
// the bridge gateway and Services with explicit endpoints.

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

describe("the teams' order system on a single-node cluster", () => {
  let before: string;
  let cluster: Cluster | undefined;
  let logDir: string;
  let rabbit: RabbitMq | undefined;
  let s3: S3Server | undefined;
  const relays: HostBackend[] = [];
  let apps: TeamApp[] = [];

  beforeAll(async () => {
    before = await machineState();
    logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-cluster-order-system-"));
    [cluster, rabbit, s3] = await Promise.all([startCluster(), startRabbitMq(), startS3Server({ logDir })]);
    const api = cluster.api;
    const amqp = await exposeHostService(api, "rabbitmq", rabbit.amqpPort, logDir);
    relays.push(amqp);
    const s3Port = Number(new URL(s3.endpoint).port);
    const s3Relay = await exposeHostService(api, "s3", s3Port, logDir);
    relays.push(s3Relay);
    apps = clusterTeamApps({
      amqpUrl: `amqp://guest:guest@${amqp.host}:${amqp.port}`,
      s3Endpoint: `http://${s3Relay.host}:${s3Relay.port}`,
      bucket: s3.bucket,
    });
  });

  afterAll(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await cluster?.stop();
    await rabbit?.stop();
    await s3?.stop();
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
    const created = await callService(api, "shop", "POST", "/orders", {
      customer: CUSTOMER,
      model: MODEL,
      material: "PLA",
      quantity: 1,
    });
    expect(created.status, created.text).toBe(201);
    const orderId = String(created.json?.orderId);
    const approved = await callService(api, "crm", "POST", `/orders/${orderId}/approve`, {});
    expect(approved.status, approved.text).toBe(200);
    // MES received the work order over RabbitMQ, fetched the model from S3 and reported ACCEPTED back.
    let status: unknown;
    await pollUntil(
      async () => {
        status = (await callService(api, "crm", "GET", `/orders/${orderId}`)).json?.status;
        return status === "ACCEPTED";
      },
      ORDER_TIMEOUT_MS,
      500,
    );
    expect(status).toBe("ACCEPTED");
  });

  it("stops and leaves the machine as it found it", async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await cluster!.stop();
    cluster = undefined;
    expect(await machineState()).toBe(before);
  });
});
