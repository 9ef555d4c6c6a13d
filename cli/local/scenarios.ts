/**
 * The sandbox scenarios: orders driven through Shop, CRM and MES as customers and operators do,
 * reproducing the happy path and each failure of the brief. Each returns the orders it created and
 * the status they ended in; the traces in Jaeger then show where and why each one stopped.
 */
import { setTimeout as delay } from "node:timers/promises";
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { SandboxEndpoints } from "./endpoints";
import { fakeCustomer, fakeModel } from "./fake-customers";
import { OrderPath, type Answer } from "./order-path";
import { ORDER_SYSTEM_DIR } from "./paths";
import type { SandboxControl } from "./sandbox";
import { SANDBOX_S3_REGION } from "../../sandbox/s3";
import { ORDER_ID_KEY } from "../../contract/trace";

export const SCENARIOS = ["happy", "mes-logic-error", "broker-loss", "s3-model-deleted"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export interface ScenarioOrder {
  orderId: string;
  material: string;
  /** The status the order ended in (CRM's record). */
  status: string;
  /** The status the scenario expects it to end in. */
  expected: string;
  /** What happened to it, in a few words. */
  note: string;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  description: string;
  orders: ScenarioOrder[];
  /** Whether every order ended where the scenario expects. */
  ok: boolean;
}

export interface ScenarioContext {
  endpoints: SandboxEndpoints;
  control: SandboxControl;
  /** Progress lines for a person (not part of the result). */
  progress?: (line: string) => void;
}

/** Long enough for MES to consume, fetch and report back; a stuck order is read after this. */
const STEP_TIMEOUT_MS = 30_000;
/** How long a stuck order is watched to show it does not move on. */
const SETTLE_MS = 4_000;

const DESCRIPTIONS: Record<ScenarioName, string> = {
  happy: "orders walk Shop → CRM → broker → MES → S3 and back, and reach DELIVERED",
  "mes-logic-error": "an order in TPU, a material missing from MES's fixed catalogue, fails when production starts",
  "broker-loss": "the broker restarts while work orders wait for MES (which is down): the transient messages are lost",
  "s3-model-deleted": "a cleanup deletes the order's model source before MES fetches it",
};

export async function runScenario(name: ScenarioName, context: ScenarioContext): Promise<ScenarioResult> {
  const path_ = new OrderPath(context.endpoints);
  const say = context.progress ?? (() => undefined);
  let customers = 0;
  const place = async (material: string): Promise<string> => {
    const index = customers++;
    const orderId = await path_.placeOrder({
      customer: fakeCustomer(index),
      model: fakeModel(index),
      material,
      quantity: 1 + (index % 3),
    });
    say(`placed order ${orderId} (${material})`);
    return orderId;
  };
  const settled = async (orderId: string, expected: string): Promise<string> => {
    const status = await path_.waitForStatus(orderId, expected, STEP_TIMEOUT_MS);
    if (status !== expected) return status;
    // A stuck order must stay stuck: watch it a little longer.
    await delay(SETTLE_MS);
    return path_.waitForStatus(orderId, expected, 0);
  };
  const orders: ScenarioOrder[] = [];

  switch (name) {
    case "happy":
      for (const material of ["PLA", "PETG"]) {
        const orderId = await place(material);
        const status = await walkToDelivered(path_, orderId, say);
        orders.push({ orderId, material, status, expected: "DELIVERED", note: "every step succeeded" });
      }
      break;

    case "mes-logic-error": {
      const orderId = await place("TPU");
      expectOk(await path_.approve(orderId), "approve");
      await path_.waitForStatus(orderId, "ACCEPTED", STEP_TIMEOUT_MS);
      const start = await path_.startProduction(orderId);
      say(`MES answered the production start with HTTP ${start.httpStatus}`);
      orders.push({
        orderId,
        material: "TPU",
        status: await settled(orderId, "ACCEPTED"),
        expected: "ACCEPTED",
        note: `MES failed at POST /orders/:id/start (HTTP ${start.httpStatus}: ${String(start.body.error ?? "")})`,
      });
      break;
    }

    case "broker-loss": {
      const orderId = await place("PLA");
      say("stopping MES (as during its redeployment)");
      await context.control.stopService("mes");
      expectOk(await path_.approve(orderId), "approve");
      say("CRM published the work order; restarting the broker before MES consumes it");
      await context.control.restartBroker();
      say("starting MES again");
      await context.control.startService("mes");
      orders.push({
        orderId,
        material: "PLA",
        status: await settled(orderId, "SENT_TO_MES"),
        expected: "SENT_TO_MES",
        note: "published to the broker, never consumed: the broker restart dropped the transient message",
      });
      break;
    }

    case "s3-model-deleted": {
      const orderId = await place("PETG");
      await deleteModels(context.endpoints, [orderId]);
      say("the cleanup deleted the model source");
      expectOk(await path_.approve(orderId), "approve");
      orders.push({
        orderId,
        material: "PETG",
        status: await settled(orderId, "SENT_TO_MES"),
        expected: "SENT_TO_MES",
        note: "MES could not fetch the model (NoSuchKey) and rejected the work order",
      });
      break;
    }
  }

  return {
    scenario: name,
    description: DESCRIPTIONS[name],
    orders,
    ok: orders.every((order) => order.status === order.expected),
  };
}

async function walkToDelivered(path_: OrderPath, orderId: string, say: (line: string) => void): Promise<string> {
  const steps: Array<[string, () => Promise<Answer>, string | undefined]> = [
    ["approve", () => path_.approve(orderId), "ACCEPTED"],
    ["start production", () => path_.startProduction(orderId), undefined],
    ["complete production", () => path_.completeProduction(orderId), "MANUFACTURED"],
    ["ship", () => path_.ship(orderId), undefined],
    ["deliver", () => path_.deliver(orderId), undefined],
  ];
  for (const [step, call, waitFor] of steps) {
    const answer = await call();
    if (answer.httpStatus >= 300) {
      say(`${step} of ${orderId} failed: HTTP ${answer.httpStatus}`);
      break;
    }
    // MES reports back over the broker: CRM learns the new status a moment later.
    if (waitFor) await path_.waitForStatus(orderId, waitFor, STEP_TIMEOUT_MS);
  }
  return (await path_.status(orderId)).status;
}

function expectOk(answer: Answer, step: string): void {
  if (answer.httpStatus >= 300) {
    throw new Error(`${step} failed: HTTP ${answer.httpStatus} ${String(answer.body.error ?? "")}`);
  }
}

/** Runs the order system's model cleanup job against the sandbox bucket. */
function deleteModels(endpoints: SandboxEndpoints, orderIds: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join("dist", "cleanup.js"), ...orderIds],
      {
        cwd: ORDER_SYSTEM_DIR,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          S3_ENDPOINT: endpoints.s3.endpoint,
          MODELS_BUCKET: endpoints.s3.bucket,
          AWS_REGION: SANDBOX_S3_REGION,
          AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
        },
      },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`the model cleanup failed: ${stderr.trim() || error.message}`)) : resolve(),
    );
  });
}

/** The order's traces through Jaeger's query API (CRM's spans find every trace the order is in). */
export function tracesLink(jaegerQuery: string, orderId: string): string {
  const tags = encodeURIComponent(JSON.stringify({ [ORDER_ID_KEY]: orderId }));
  return `${jaegerQuery}/api/traces?service=crm&lookback=24h&tags=${tags}`;
}
