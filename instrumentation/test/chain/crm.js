// Chain service 2 (can change its code): registers the order, records SUBMITTED and publishes it
// to the MES queue. The order id reaches it as baggage; the message body carries customer data
// that must never show up in a span.
/* global Buffer */
const express = require("express");
const amqp = require("amqplib");
const { recordStatusChange } = require("@order-tracing/instrumentation/status");
const { createLogger } = require("./loggers");

const log = createLogger("crm");

async function main() {
  const connection = await amqp.connect(process.env.AMQP_URL);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(process.env.MES_QUEUE, { durable: false });
  const app = express();
  app.use(express.json());
  app.get("/healthz", (_req, res) => res.send("ok"));
  app.post("/orders", async (req, res) => {
    const { orderId, customer, material } = req.body;
    recordStatusChange({ orderId, status: "SUBMITTED", previousStatus: "CREATED" });
    channel.sendToQueue(process.env.MES_QUEUE, Buffer.from(JSON.stringify({ orderId, material, contact: customer })));
    await channel.waitForConfirms();
    log.info({ orderId }, "order sent to MES");
    res.status(202).json({ orderId, status: "SUBMITTED" });
  });
  app.listen(Number(process.env.PORT), "127.0.0.1");
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
