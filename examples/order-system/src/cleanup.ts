// Model-source cleanup job: `node dist/cleanup.js <orderId>...` deletes the model sources of the
// given orders from the models bucket, as an over-eager lifecycle rule on the bucket does in
// production (the brief's third failure: models removed before MES reads them). The sandbox's
// `s3-model-deleted` scenario runs it. It is the bucket's own housekeeping, so it is not traced.
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createLogger, errorMessage } from "./lib/log";
import { modelStorageFromEnv } from "./lib/s3";
import { MODEL_PREFIX } from "./lib/topology";

const log = createLogger("model-cleanup");

async function main(orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) throw new Error("usage: node dist/cleanup.js <orderId>...");
  const { client, bucket } = modelStorageFromEnv();
  try {
    for (const orderId of orderIds) {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${MODEL_PREFIX}${orderId}/` }),
      );
      const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      for (const key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      log.info({ orderId, objects: keys.length }, "model sources deleted");
    }
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log.error({ error: errorMessage(error) }, "cleanup failed");
  process.exit(1);
});
