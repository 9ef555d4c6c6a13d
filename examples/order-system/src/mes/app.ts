import { GetObjectCommand } from "@aws-sdk/client-s3";
import express from "express";
import type { OrderBroker } from "../lib/amqp";
import { createApp, errorHandler } from "../lib/http";
import { Logger } from "../lib/log";
import { OrderStore, TrackedOrder, statusView } from "../lib/order-store";
import { ModelStorage } from "../lib/s3";
import { OrderStatus, StatusEvent, WorkOrder } from "../lib/statuses";
import { QUEUES } from "../lib/topology";
import { PrintJob, planPrintJob } from "./catalogue";

interface MesOrder extends TrackedOrder, WorkOrder {
  modelBytes: number;
  printJob?: PrintJob;
}

export interface MesDeps {
  broker: OrderBroker;
  storage: ModelStorage;
  log: Logger;
}

/**
 * MES API, the third-party manufacturing system: it takes work orders from the broker, fetches each
 * order's model from S3, and reports every status change back to CRM as a status event. It has no
 * tracing code at all: its order context and status changes come from the instrumentation's rules.
 */
export async function createMesApp({ broker, storage, log }: MesDeps): Promise<express.Express> {
  const app = createApp();
  const orders = new OrderStore<MesOrder>();

  // The event goes out first: if the broker is down the order keeps its status and the caller retries.
  const moveAndReport = async (order: MesOrder, to: OrderStatus, before?: () => void): Promise<void> => {
    orders.checkMove(order, to);
    before?.();
    const event: StatusEvent = {
      orderId: order.orderId,
      status: to,
      previousStatus: order.status,
      changedAt: new Date().toISOString(),
    };
    await broker.publish(QUEUES.statusEvents, event);
    orders.move(order, to, new Date(event.changedAt));
    log.info({ orderId: order.orderId, status: to, previousStatus: event.previousStatus }, "order status changed");
  };

  app.post("/orders/:id/start", async (req, res) => {
    const order = orders.require(req.params.id);
    await moveAndReport(order, "IN_PRODUCTION", () => {
      order.printJob = planPrintJob(order);
    });
    res.json(statusView(order));
  });

  app.post("/orders/:id/complete", async (req, res) => {
    const order = orders.require(req.params.id);
    await moveAndReport(order, "MANUFACTURED");
    res.json(statusView(order));
  });

  app.get("/orders/:id", (req, res) => {
    res.json(statusView(orders.require(req.params.id)));
  });

  app.use(errorHandler(log));

  await broker.consume(QUEUES.workOrders, async (body) => {
    const workOrder = asWorkOrder(body);
    if (!workOrder) {
      log.warn("rejecting a malformed work order");
      return "reject";
    }
    if (orders.get(workOrder.orderId)) {
      log.warn({ orderId: workOrder.orderId }, "work order received twice");
      return "ack";
    }
    // Fetching the model is what "accepted" means: a missing model (a bucket cleanup deleted it)
    // throws here, the work order is rejected and the order never reaches ACCEPTED.
    const model = await storage.client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: workOrder.modelKey }));
    const bytes = (await model.Body?.transformToByteArray())?.length ?? 0;
    const order: MesOrder = {
      ...workOrder,
      status: "SENT_TO_MES",
      statusChangedAt: new Date().toISOString(),
      modelBytes: bytes,
    };
    await moveAndReport(order, "ACCEPTED");
    orders.add(order);
    return "ack";
  });

  return app;
}

function asWorkOrder(body: unknown): WorkOrder | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { orderId, material, quantity, modelKey } = body as Record<string, unknown>;
  if (typeof orderId !== "string" || typeof material !== "string" || typeof modelKey !== "string") return undefined;
  if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity < 1) return undefined;
  return { orderId, material, quantity, modelKey };
}
