import express from "express";
import { BrokerUnavailableError, type OrderBroker } from "../lib/amqp";
import { HttpError, createApp, errorHandler } from "../lib/http";
import { Logger, errorMessage } from "../lib/log";
import { OrderStore, TrackedOrder, statusView } from "../lib/order-store";
import { StatusReporter } from "../lib/order-status";
import { OrderStatus, StatusEvent, WorkOrder, isOrderStatus } from "../lib/statuses";
import { MODEL_PREFIX, QUEUES } from "../lib/topology";
import { asObject, integerField, objectField, stringField } from "../lib/validate";

/** CRM's record of an order: the customer's contact stays here and never goes to MES. */
interface CrmOrder extends TrackedOrder {
  customer: { name: string; email: string; phone: string; address: string };
  material: string;
  quantity: number;
  modelKey: string;
  /**
   * When CRM published the work order: the time of SENT_TO_MES. MES may answer before the broker's
   * confirm reaches CRM; dated at the publish, the hand-over still comes before MES's ACCEPTED.
   */
  handedOverAt?: Date;
}

/** The statuses that only MES sets; CRM mirrors them from MES's status events. */
const MES_STATUSES: readonly OrderStatus[] = ["ACCEPTED", "IN_PRODUCTION", "MANUFACTURED", "REJECTED"];

export interface CrmDeps {
  broker: OrderBroker;
  status: StatusReporter;
  log: Logger;
}

/**
 * CRM API: registers orders from the shop, lets operators approve, ship and deliver them, publishes
 * approved orders to MES and follows MES's status events.
 */
export async function createCrmApp({ broker, status, log }: CrmDeps): Promise<express.Express> {
  const app = createApp();
  const orders = new OrderStore<CrmOrder>();

  const move = (order: CrmOrder, to: OrderStatus, at?: Date): StatusEvent => {
    const change = orders.move(order, to, at);
    status.changed(change);
    log.info({ orderId: order.orderId, status: to, previousStatus: change.previousStatus }, "order status changed");
    return change;
  };

  app.post("/orders", (req, res) => {
    const body = asObject(req.body);
    const orderId = stringField(body, "orderId", 100);
    if (orders.get(orderId)) throw new HttpError(409, "the order is already registered");
    const customer = objectField(body, "customer");
    const modelKey = stringField(body, "modelKey", 300);
    if (!modelKey.startsWith(`${MODEL_PREFIX}${orderId}/`)) {
      throw new HttpError(400, `"modelKey" must be ${MODEL_PREFIX}<orderId>/<fileName>`);
    }
    const order: CrmOrder = {
      orderId,
      status: "CREATED",
      statusChangedAt: new Date().toISOString(),
      customer: {
        name: stringField(customer, "name", 200),
        email: stringField(customer, "email", 200),
        phone: stringField(customer, "phone", 50),
        address: stringField(customer, "address", 500),
      },
      material: stringField(body, "material", 50),
      quantity: integerField(body, "quantity", 1, 1000),
      modelKey,
    };
    orders.add(order);
    move(order, "SUBMITTED");
    res.status(201).json(statusView(order));
  });

  // An operator approves; CRM then hands the order to MES. If the broker is down the order stays
  // APPROVED and approving again retries the hand-over.
  app.post("/orders/:id/approve", async (req, res) => {
    const order = orders.require(req.params.id);
    if (order.status !== "APPROVED") move(order, "APPROVED");
    const workOrder: WorkOrder = {
      orderId: order.orderId,
      material: order.material,
      quantity: order.quantity,
      modelKey: order.modelKey,
    };
    order.handedOverAt = new Date();
    try {
      await broker.publish(QUEUES.workOrders, workOrder);
    } catch (error) {
      if (!(error instanceof BrokerUnavailableError)) throw error;
      // Unless MES has answered meanwhile: then the work order got through although its confirm did not.
      if (order.status === "APPROVED") {
        log.warn(
          {
            orderId: order.orderId,
            error: error.message,
          },
          "handing the order to MES failed; it stays APPROVED",
        );
        res
          .status(503)
          .json({ error: "the message broker is unavailable; approve again to retry", ...statusView(order) });
        return;
      }
    }
    // MES's status event may have overtaken the broker's confirm; the consumer below then recorded the hand-over.
    if (order.status === "APPROVED") move(order, "SENT_TO_MES", order.handedOverAt);
    res.json(statusView(order));
  });

  app.post("/orders/:id/ship", (req, res) => {
    const order = orders.require(req.params.id);
    move(order, "SHIPPED");
    res.json(statusView(order));
  });

  app.post("/orders/:id/deliver", (req, res) => {
    const order = orders.require(req.params.id);
    move(order, "DELIVERED");
    res.json(statusView(order));
  });

  app.get("/orders/:id", (req, res) => {
    res.json(statusView(orders.require(req.params.id)));
  });

  app.use(errorHandler(log));

  // MES reports its status changes; CRM mirrors them (MES's instrumentation records the change).
  await broker.consume(QUEUES.statusEvents, async (body) => {
    const event = asStatusEvent(body);
    if (!event) {
      log.warn("ignoring a malformed status event");
      return "reject";
    }
    const order = orders.get(event.orderId);
    if (!order) {
      log.warn({ orderId: event.orderId, status: event.status }, "status event for an unknown order");
      return "reject";
    }
    if (!MES_STATUSES.includes(event.status)) {
      log.warn({ orderId: order.orderId, status: event.status }, "MES reported a status that only CRM sets");
      return "reject";
    }
    // MES can consume the work order and answer before the broker's confirm of that publish reaches
    // CRM (approve is still waiting for it). An event that leaves SENT_TO_MES proves the hand-over, so
    // CRM records it first instead of refusing the event as out of order and losing MES's status.
    if (order.status === "APPROVED" && event.previousStatus === "SENT_TO_MES") {
      move(order, "SENT_TO_MES", order.handedOverAt);
    }
    try {
      orders.move(order, event.status, new Date(event.changedAt));
    } catch (error) {
      log.warn(
        {
          orderId: order.orderId,
          status: event.status,
          error: errorMessage(error),
        },
        "status event out of order",
      );
      return "reject";
    }
    log.info({ orderId: order.orderId, status: event.status }, "order status changed by MES");
    return "ack";
  });

  return app;
}

function asStatusEvent(body: unknown): StatusEvent | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { orderId, status, previousStatus, changedAt } = body as Record<string, unknown>;
  if (typeof orderId !== "string" || !isOrderStatus(status) || !isOrderStatus(previousStatus)) return undefined;
  if (typeof changedAt !== "string" || Number.isNaN(Date.parse(changedAt))) return undefined;
  return { orderId, status, previousStatus, changedAt };
}
