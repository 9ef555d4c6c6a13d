// Chain service 1 (can change its code): takes an order over HTTP, stores the model in S3, records
// CREATED with the status API and registers the order in CRM. Knows nothing of OpenTelemetry.
/* global Buffer, fetch */
const express = require("express");
const { randomUUID } = require("node:crypto");
const { PutObjectCommand } = require("@aws-sdk/client-s3");
const { recordStatusChange } = require("@order-tracing/instrumentation/status");
const { createLogger } = require("./loggers");
const { createS3Client } = require("./s3-client");

const log = createLogger("shop");

const s3 = createS3Client();
const app = express();
app.use(express.json({ limit: "1mb" }));
app.get("/healthz", (_req, res) => res.send("ok"));
app.post("/orders", async (req, res) => {
  try {
    const orderId = `ORD-${randomUUID()}`;
    recordStatusChange({ orderId, status: "CREATED", previousStatus: null });
    const { model, customer } = req.body;
    await s3.send(
      new PutObjectCommand({
        Bucket: process.env.S3_BUCKET,
        Key: `models/${orderId}/${model.fileName}`,
        Body: Buffer.from(model.content, "base64"),
      }),
    );
    const crm = await fetch(`${process.env.CRM_URL}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId, customer, material: req.body.material }),
    });
    if (!crm.ok) throw new Error(`crm answered ${crm.status}`);
    log.info({ orderId }, "order created");
    res.status(201).json({ orderId, status: "CREATED" });
  } catch (error) {
    res.status(500).json({ error: String(error) });
  }
});
app.listen(Number(process.env.PORT), "127.0.0.1");
