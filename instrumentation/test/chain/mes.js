// Chain service 3 (third party, no tracing code at all): consumes the MES queue, fetches the
// order's model from S3 and publishes a status event. The instrumentation's rules find the order
// id in the message and the S3 key, and turn the status event into an order.status_change span.
/* global Buffer */
const http = require("node:http");
const amqp = require("amqplib");
const { GetObjectCommand, ListObjectsV2Command } = require("@aws-sdk/client-s3");
const { createLogger } = require("./loggers");
const { createS3Client } = require("./s3-client");

const log = createLogger("mes");

const s3 = createS3Client();

async function main() {
  const connection = await amqp.connect(process.env.AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue(process.env.MES_QUEUE, { durable: false });
  await channel.assertQueue(process.env.STATUS_QUEUE, { durable: false });
  await channel.consume(process.env.MES_QUEUE, async (message) => {
    try {
      const { orderId } = JSON.parse(message.content.toString("utf8"));
      const listing = await s3.send(
        new ListObjectsV2Command({ Bucket: process.env.S3_BUCKET, Prefix: `models/${orderId}/` }),
      );
      const model = await s3.send(
        new GetObjectCommand({ Bucket: process.env.S3_BUCKET, Key: listing.Contents[0].Key }),
      );
      await model.Body.transformToByteArray();
      const event = { orderId, status: "ACCEPTED", previousStatus: "SUBMITTED" };
      log.info({ orderId, modelBytes: listing.Contents[0].Size }, "work order accepted");
      channel.sendToQueue(process.env.STATUS_QUEUE, Buffer.from(JSON.stringify(event)));
      channel.ack(message);
    } catch (error) {
      console.error("mes could not accept an order:", error.name);
      channel.nack(message, false, false);
    }
  });
  http.createServer((_req, res) => res.end("ok")).listen(Number(process.env.PORT), "127.0.0.1");
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
