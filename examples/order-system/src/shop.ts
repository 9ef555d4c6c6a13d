// Shop API process: `node --require <instrumentation>/register.js dist/shop.js`.
import { closeServer, listen, stopOnSignals } from "./lib/http";
import { listenHost, portEnv, requiredEnv } from "./lib/env";
import { createLogger, errorMessage } from "./lib/log";
import { statusReporter } from "./lib/order-status";
import { modelStorageFromEnv } from "./lib/s3";
import { createShopApp } from "./shop/app";

const log = createLogger("shop");

async function main(): Promise<void> {
  const storage = modelStorageFromEnv();
  const app = createShopApp({ storage, crmUrl: requiredEnv("CRM_URL"), status: statusReporter, log });
  const server = await listen(app, listenHost(), portEnv("PORT", 8080));
  log.info({ address: server.address() }, "listening");
  stopOnSignals(log, async () => {
    await closeServer(server);
    storage.client.destroy();
  });
}

main().catch((error: unknown) => {
  log.error({ error: errorMessage(error) }, "could not start");
  process.exit(1);
});
