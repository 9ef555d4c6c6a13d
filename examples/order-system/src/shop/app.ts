import { randomUUID } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import express from "express";
import { HttpError, createApp, errorHandler } from "../lib/http";
import { UpstreamError, requestJson } from "../lib/json-client";
import { Logger, errorMessage } from "../lib/log";
import { OrderStore, TrackedOrder } from "../lib/order-store";
import { ModelStorage } from "../lib/s3";
import { OrderStatus, isOrderStatus } from "../lib/statuses";
import { StatusReporter } from "../lib/order-status";
import { modelKey } from "../lib/topology";
import { asObject, integerField, objectField, oneOfField, stringField } from "../lib/validate";

/** What the shop sells. TPU is newer than MES's catalogue: see MES_MATERIALS in mes/catalogue.ts. */
export const SHOP_MATERIALS = ["PLA", "PETG", "ABS", "PA12", "TPU"] as const;

/** Model sources are uploaded inline as base64; 8 MiB of model is plenty for the reference system. */
const MAX_MODEL_BYTES = 8 * 1024 * 1024;
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

export interface ShopDeps {
  storage: ModelStorage;
  crmUrl: string;
  status: StatusReporter;
  log: Logger;
}

/**
 * Shop API: takes a customer's order with its 3D model, stores the model in S3 under
 * `models/<orderId>/<fileName>` and registers the order in CRM.
 */
export function createShopApp({ storage, crmUrl, status, log }: ShopDeps): express.Express {
  const app = createApp("12mb");
  const orders = new OrderStore<TrackedOrder>();

  app.post("/orders", async (req, res) => {
    const body = asObject(req.body);
    const customerFields = objectField(body, "customer");
    const customer = {
      name: stringField(customerFields, "name", 200),
      email: stringField(customerFields, "email", 200),
      phone: stringField(customerFields, "phone", 50),
      address: stringField(customerFields, "address", 500),
    };
    const model = objectField(body, "model");
    const fileName = stringField(model, "fileName", 121);
    if (!SAFE_FILE_NAME.test(fileName)) {
      throw new HttpError(400, `"fileName" must be letters, digits, '.', '_' or '-', starting with a letter or digit`);
    }
    const content = Buffer.from(stringField(model, "content", Math.ceil((MAX_MODEL_BYTES * 4) / 3) + 4), "base64");
    if (content.length === 0) throw new HttpError(400, `"content" must be the model file, base64-encoded`);
    const material = oneOfField(body, "material", SHOP_MATERIALS);
    const quantity = integerField(body, "quantity", 1, 1000);

    const now = new Date().toISOString();
    const order: TrackedOrder = { orderId: randomUUID(), status: "CREATED", statusChangedAt: now };
    orders.add(order);
    status.concerns(order.orderId);
    status.changed({ orderId: order.orderId, status: "CREATED", previousStatus: undefined, changedAt: now });
    log.info({ orderId: order.orderId, material, quantity }, "order created");

    const key = modelKey(order.orderId, fileName);
    try {
      await storage.client.send(
        new PutObjectCommand({
          Bucket: storage.bucket,
          Key: key,
          Body: content,
          ContentType: "application/octet-stream",
        }),
      );
    } catch (error) {
      log.error({ orderId: order.orderId, error: errorMessage(error) }, "storing the model failed");
      throw new HttpError(502, "the model could not be stored; the order stays CREATED");
    }

    let registered;
    try {
      registered = await requestJson("POST", `${crmUrl}/orders`, {
        orderId: order.orderId,
        customer,
        material,
        quantity,
        modelKey: key,
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      log.error({ orderId: order.orderId, error: error.message }, "registering the order in CRM failed");
      throw new HttpError(502, "CRM is unavailable; the order stays CREATED");
    }
    const crmStatus = statusOf(registered.body);
    if (registered.status !== 201 || crmStatus === undefined) {
      log.error({ orderId: order.orderId, httpStatus: registered.status }, "CRM refused the order");
      throw new HttpError(502, `CRM refused the order (HTTP ${registered.status}); the order stays CREATED`);
    }
    order.status = crmStatus;
    const changedAt = (registered.body as { statusChangedAt?: unknown }).statusChangedAt;
    if (typeof changedAt === "string") order.statusChangedAt = changedAt;
    res.status(201).json({ orderId: order.orderId, status: order.status });
  });

  app.get("/orders/:id", async (req, res) => {
    const order = orders.require(req.params.id);
    // CRM owns the order after registration; the shop shows what CRM knows, or its own record.
    try {
      const current = await requestJson("GET", `${crmUrl}/orders/${encodeURIComponent(order.orderId)}`);
      const crmStatus = statusOf(current.body);
      const changedAt = (current.body as { statusChangedAt?: unknown } | undefined)?.statusChangedAt;
      if (current.status === 200 && crmStatus && typeof changedAt === "string") {
        order.status = crmStatus;
        order.statusChangedAt = changedAt;
      }
    } catch (error) {
      log.warn(
        {
          orderId: order.orderId,
          error: errorMessage(error),
        },
        "CRM unavailable; answering with the shop's own record",
      );
    }
    res.json({ orderId: order.orderId, status: order.status, statusChangedAt: order.statusChangedAt });
  });

  app.use(errorHandler(log));
  return app;
}

function statusOf(body: unknown): OrderStatus | undefined {
  const status = (body as { status?: unknown } | undefined)?.status;
  return isOrderStatus(status) ? status : undefined;
}
