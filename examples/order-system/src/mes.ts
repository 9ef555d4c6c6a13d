// MES API process: `node --require <instrumentation>/register.js dist/mes.js`. No tracing code:
// MES is the third-party service; its traces come from the instrumentation's rules alone.
import { ReconnectingBroker } from "./lib/amqp";
import { closeServer, listen, stopOnSignals } from "./lib/http";
import { listenHost, portEnv, requiredEnv } from "./lib/env";
import { createLogger, errorMessage } from "./lib/log";
import { modelStorageFromEnv } from "./lib/s3";
import { QUEUES } from "./lib/topology";
import { createMesApp } from "./mes/app";

const log = createLogger("mes");

async function main(): Promise<void> {
  const storage = modelStorageFromEnv();
  const broker = new ReconnectingBroker(requiredEnv("AMQP_URL"), Object.values(QUEUES), log);
  await broker.start();
  const app = await createMesApp({ broker, storage, log });
  const server = await listen(app, listenHost(), portEnv("PORT", 8082));
  log.info({ address: server.address() }, "listening");
  stopOnSignals(log, async () => {
    await closeServer(server);
    await broker.close();
    storage.client.destroy();
  });
}

main().catch((error: unknown) => {
  log.error({ error: errorMessage(error) }, "could not start");
  process.exit(1);
});
