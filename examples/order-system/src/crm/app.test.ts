import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import pino from "pino";
import { BrokerUnavailableError, type OrderBroker } from "../lib/amqp";
import { closeServer, listen } from "../lib/http";
import type { Logger } from "../lib/log";
import type { StatusChange } from "../lib/order-status";
import { QUEUES } from "../lib/topology";
import { createCrmApp } from "./app";

const quiet: Logger = pino({ enabled: false });
const customer = {
  name: "Probe Unit Customer",
  email: "probe.unit@example.invalid",
  phone: "+1-202-555-0199",
  address: "99 Probe Lane",
};

/** A broker stand-in that records what CRM publishes and can be switched off. */
class FakeBroker implements OrderBroker {
  up = true;
  published: Array<{ queue: string; body: object }> = [];
  handlers = new Map<string, (body: unknown) => Promise<"ack" | "reject">>();
  /** Runs after the broker took a message and before `publish` resolves: what happens before the confirm. */
  beforeConfirm?: () => Promise<void>;
  async publish(queue: string, body: object): Promise<void> {
    if (!this.up) throw new BrokerUnavailableError("not connected");
    this.published.push({ queue, body });
    await this.beforeConfirm?.();
  }
  async consume(queue: string, handler: (body: unknown) => Promise<"ack" | "reject">): Promise<void> {
    this.handlers.set(queue, handler);
  }
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of servers.splice(0)) await close();
});

async function startCrm() {
  const broker = new FakeBroker();
  const changes: StatusChange[] = [];
  const app = await createCrmApp({
    broker,
    status: { changed: (change) => changes.push(change), concerns: () => undefined },
    log: quiet,
  });
  const server = await listen(app, "127.0.0.1", 0);
  servers.push(() => closeServer(server));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { broker, changes, post };
}

const registration = (orderId: string) => ({
  orderId,
  customer,
  material: "PLA",
  quantity: 2,
  modelKey: `models/${orderId}/part.stl`,
});

describe("CRM API", () => {
  it("hands an approved order to MES with only what manufacturing needs, never the customer", async () => {
    const crm = await startCrm();
    expect((await crm.post("/orders", registration("o-1"))).status).toBe(201);
    const approved = await crm.post("/orders/o-1/approve");
    expect(approved).toMatchObject({ status: 200, body: { orderId: "o-1", status: "SENT_TO_MES" } });
    expect(crm.broker.published).toEqual([
      {
        queue: QUEUES.workOrders,
        body: { orderId: "o-1", material: "PLA", quantity: 2, modelKey: "models/o-1/part.stl" },
      },
    ]);
    expect(crm.changes.map((c) => [c.previousStatus, c.status])).toEqual([
      ["CREATED", "SUBMITTED"],
      ["SUBMITTED", "APPROVED"],
      ["APPROVED", "SENT_TO_MES"],
    ]);
  });

  it("keeps an order APPROVED while the broker is down, and hands it over when approved again", async () => {
    const crm = await startCrm();
    await crm.post("/orders", registration("o-2"));
    crm.broker.up = false;
    expect(await crm.post("/orders/o-2/approve")).toMatchObject({ status: 503, body: { status: "APPROVED" } });
    crm.broker.up = true;
    expect(await crm.post("/orders/o-2/approve")).toMatchObject({ status: 200, body: { status: "SENT_TO_MES" } });
    expect(crm.broker.published).toHaveLength(1);
  });

  it("follows MES's status events and refuses one that skips a step", async () => {
    const crm = await startCrm();
    await crm.post("/orders", registration("o-3"));
    await crm.post("/orders/o-3/approve");
    const onEvent = crm.broker.handlers.get(QUEUES.statusEvents);
    const event = (status: string, previousStatus: string) => ({
      orderId: "o-3",
      status,
      previousStatus,
      changedAt: new Date().toISOString(),
    });
    expect(await onEvent?.(event("MANUFACTURED", "IN_PRODUCTION"))).toBe("reject");
    expect(await onEvent?.(event("ACCEPTED", "SENT_TO_MES"))).toBe("ack");
    expect((await crm.post("/orders/o-3/ship")).status).toBe(409);
  });

  it("keeps MES's status when MES's event overtakes the broker's confirm of the work order", async () => {
    const crm = await startCrm();
    const onEvent = crm.broker.handlers.get(QUEUES.statusEvents);
    const accepted = (orderId: string) => ({
      orderId,
      status: "ACCEPTED",
      previousStatus: "SENT_TO_MES",
      changedAt: new Date().toISOString(),
    });
    // MES consumed the work order and reported ACCEPTED while CRM still waits for the confirm.
    await crm.post("/orders", registration("o-5"));
    let acceptedAt = "";
    crm.broker.beforeConfirm = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const event = accepted("o-5");
      acceptedAt = event.changedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await onEvent?.(event)).toBe("ack");
    };
    expect(await crm.post("/orders/o-5/approve")).toMatchObject({ status: 200, body: { status: "ACCEPTED" } });
    const changes = crm.changes.filter((c) => c.orderId === "o-5");
    expect(changes.map((c) => [c.previousStatus, c.status])).toEqual([
      ["CREATED", "SUBMITTED"],
      ["SUBMITTED", "APPROVED"],
      ["APPROVED", "SENT_TO_MES"],
    ]);
    // The hand-over is dated at the publish, before MES's ACCEPTED, though CRM recorded it after.
    expect(Date.parse(changes[2].changedAt)).toBeLessThan(Date.parse(acceptedAt));
    // The same, and then the connection dies before the confirm arrives: MES has the order all the same.
    await crm.post("/orders", registration("o-6"));
    crm.broker.beforeConfirm = async () => {
      expect(await onEvent?.(accepted("o-6"))).toBe("ack");
      throw new BrokerUnavailableError("channel closed");
    };
    expect(await crm.post("/orders/o-6/approve")).toMatchObject({ status: 200, body: { status: "ACCEPTED" } });
  });

  it("refuses a registration without the customer's contact, naming the field and not echoing values", async () => {
    const crm = await startCrm();
    const answer = await crm.post("/orders", { ...registration("o-4"), customer: { ...customer, email: "" } });
    expect(answer).toEqual({
      status: 400,
      body: { error: '"email" must be a non-empty string of at most 200 characters' },
    });
  });
});
