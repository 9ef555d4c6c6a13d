// The reference Shop API on its own, as the overhead benchmark and the collector-outage fault test
// run it: gofakes3 for its model uploads, a stub CRM (crm-stub.ts) for its two CRM calls, and Shop
// itself plain or with the instrumentation exactly as the injection sets it up.
import * as path from "node:path";
import { BUNDLE_DIR, ORDER_SYSTEM_DIR } from "../../cli/local/paths";
import { injectionTarget, localServiceEnv } from "../../cli/local/service-env";
import type { StackConfig } from "../../infra/config";
import { freePort, LOOPBACK, startProcess, waitForPort, type ManagedProcess } from "../../sandbox/process";
import { SANDBOX_S3_CREDENTIALS, SANDBOX_S3_REGION, startS3Server, type S3Server } from "../../sandbox/s3";
import { REPO as ROOT } from "./project";

/** A 4 KiB model file: small enough that the measure is Shop's work, not the copying of bytes. */
const MODEL = Buffer.alloc(4096, "solid cube\n").toString("base64");
/** Deliberately fake customer: no personal data in benchmarks or tests. */
export const ORDER_BODY = JSON.stringify({
  customer: { name: "Bench Customer", email: "bench@example.invalid", phone: "+00 0000", address: "Nowhere 1" },
  model: { fileName: "cube.stl", content: MODEL },
  material: "PLA",
  quantity: 1,
});

/** How a Shop process is started, beyond its instrumentation. */
export interface ShopRun {
  /** The node binary; this process's own by default. */
  node?: string;
  /** Node.js options before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /**
   * Variables over the plain Shop's environment when it is not instrumented by us (no
   * `otlpEndpoint`): another instrumentation's, e.g. the overhead benchmark's anchor.
   */
  env?: Record<string, string>;
}

export interface ShopBackends {
  s3: S3Server;
  crm: ManagedProcess;
  /**
   * Starts a Shop on a free port: plain (no `otlpEndpoint`) or instrumented, exporting to
   * `otlpEndpoint` (`host:port` of an OTLP gRPC receiver), with `instrumentationEnv` over the
   * injected variables, and `run` for the binary, its options and another instrumentation. Resolves
   * once it accepts connections.
   */
  startShop(
    name: string,
    otlpEndpoint?: string,
    instrumentationEnv?: Record<string, string>,
    run?: ShopRun,
  ): Promise<{ shop: ManagedProcess; url: string }>;
  stop(): Promise<void>;
}

export async function startShopBackends(stack: StackConfig, logDir: string): Promise<ShopBackends> {
  const shopService = stack.instrumentation.services.find((s) => s.name === "shop");
  if (!shopService) throw new Error("the stack lists no shop in order-tracing:instrumentation.services");
  const s3 = await startS3Server({ logDir });
  const crmPort = await freePort();
  const crm = startProcess({
    name: "crm-stub",
    command: process.execPath,
    args: ["-r", "ts-node/register/transpile-only", path.join(__dirname, "crm-stub.ts")],
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(crmPort) },
    logDir,
  });
  try {
    await waitForPort(crmPort, { process: crm, timeoutMs: 30_000 });
  } catch (error) {
    await crm.stop();
    await s3.stop();
    throw error;
  }

  const appEnv = (port: number): Record<string, string> => ({
    HOST: LOOPBACK,
    PORT: String(port),
    CRM_URL: `http://${LOOPBACK}:${crmPort}`,
    S3_ENDPOINT: s3.endpoint,
    MODELS_BUCKET: s3.bucket,
    AWS_REGION: SANDBOX_S3_REGION,
    AWS_ACCESS_KEY_ID: SANDBOX_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_S3_CREDENTIALS.secretAccessKey,
  });
  const envOf = (
    port: number,
    otlpEndpoint: string | undefined,
    instrumentationEnv: Record<string, string>,
    otherEnv: Record<string, string>,
  ): NodeJS.ProcessEnv => {
    const base = { PATH: process.env.PATH, HOME: process.env.HOME };
    if (otlpEndpoint === undefined) return { ...base, ...appEnv(port), ...otherEnv };
    return {
      ...base,
      ...localServiceEnv(injectionTarget(shopService), appEnv(port), stack.instrumentation, {
        bundleDir: BUNDLE_DIR,
        otlpEndpoint: `http://${otlpEndpoint}`,
      }),
      ...instrumentationEnv,
    };
  };

  return {
    s3,
    crm,
    startShop: async (name, otlpEndpoint, instrumentationEnv = {}, run = {}) => {
      const port = await freePort();
      const shop = startProcess({
        name,
        command: run.node ?? process.execPath,
        args: [...(run.nodeArgs ?? []), "dist/shop.js"],
        cwd: ORDER_SYSTEM_DIR,
        env: envOf(port, otlpEndpoint, instrumentationEnv, run.env ?? {}),
        logDir,
      });
      try {
        await waitForPort(port, { process: shop, timeoutMs: 60_000 });
      } catch (error) {
        await shop.stop();
        throw error;
      }
      return { shop, url: `http://${LOOPBACK}:${port}` };
    },
    stop: async () => {
      await crm.stop();
      await s3.stop();
    },
  };
}

/** Places `count` orders through Shop's API and returns their ids. */
export async function createOrders(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: ORDER_BODY,
    });
    if (response.status !== 201) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { orderId: string }).orderId);
  }
  return ids;
}
