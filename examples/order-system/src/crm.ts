// CRM API process: `node --require <instrumentation>/register.js dist/crm.js`.
import { ReconnectingBroker } from "./lib/amqp";
import { closeServer, listen, stopOnSignals } from "./lib/http";
import { listenHost, portEnv, requiredEnv } from "./lib/env";
import { createLogger, errorMessage } from "./lib/log";
import { statusReporter } from "./lib/order-status";
import { QUEUES } from "./lib/topology";
import { createCrmApp } from "./crm/app";

const log = createLogger("crm");

async function main(): Promise<void> {
  const broker = new ReconnectingBroker(requiredEnv("AMQP_URL"), Object.values(QUEUES), log);
  await broker.start();
  const app = await createCrmApp({ broker, status: statusReporter, log });
  const server = await listen(app, listenHost(), portEnv("PORT", 8081));
  log.info({ address: server.address() }, "listening");
  stopOnSignals(log, async () => {
    await closeServer(server);
    await broker.close();
  });
}

main().catch((error: unknown) => {
  log.error({ error: errorMessage(error) }, "could not start");
  process.exit(1);
});
