/**
 * The local sandbox, in process: RabbitMQ, an S3-compatible server, our collector and Jaeger v2
 * running the configs that infra/ generates for the dev stack, and Shop, CRM and MES started with
 * their agent exactly as the injection loads it: the bundle for the Node.js services, the
 * OpenTelemetry Java agent for the JVM MES (`mes: "jvm"`). Everything on loopback, on free
 * ports, with its logs in one folder. `local up` runs this inside a supervisor process (supervisor.ts);
 * tests may run it directly.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { startRabbitMq, type RabbitMq } from "../../sandbox/rabbitmq";
import { SANDBOX_S3_CREDENTIALS, SANDBOX_S3_REGION, startS3Server, type S3Server } from "../../sandbox/s3";
import {
  LOOPBACK,
  freePorts,
  startProcess,
  waitForHttp,
  waitForPort,
  type ManagedProcess,
} from "../../sandbox/process";
import { configKey, type StackConfig } from "../../infra/config";
import type { InstrumentedService } from "../../infra/config/instrumentation";
import { SANDBOX_SERVICES, type MesVariant, type SandboxEndpoints, type SandboxService } from "./endpoints";
import {
  BUNDLE_DIR,
  JAVA_AGENT_DIR,
  MES_JVM_DIR,
  MES_JVM_JAR,
  ORDER_SYSTEM_DIR,
  REPO,
  TOOLS_BIN,
  checkPrerequisites,
} from "./paths";
import { SANDBOX_STACK, localPipeline, readDevStack, type LocalPipeline } from "./pipeline";
import { injectionTarget, localServiceEnv } from "./service-env";
import type { ProcessIdentity } from "./state";
import { identify } from "./state";

/** How long a service may take to listen (CRM and MES first connect to the broker). */
const SERVICE_START_TIMEOUT_MS = 60_000;
const PIPELINE_START_TIMEOUT_MS = 60_000;

export interface SandboxOptions {
  /** The sandbox's folder: configs, data and `logs/` (best empty: `local up` empties it). */
  dir: string;
  /** Which MES runs (default: the Node.js one). */
  mes?: MesVariant;
}

/** What a scenario may do to the running sandbox besides calling the services. */
export interface SandboxControl {
  stopService(name: SandboxService): Promise<void>;
  startService(name: SandboxService): Promise<void>;
  /** Stops the broker and starts it again on the same port and data: a broker restart. */
  restartBroker(): Promise<void>;
  /**
   * The two halves of a restart, for a caller that keeps the broker down for a while (the fault
   * suite drives traffic through the outage): `startBroker` resolves once it accepts connections.
   */
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
}

export interface RunningSandbox extends SandboxControl {
  endpoints: SandboxEndpoints;
  logDir: string;
  /** Every running process-group leader the sandbox started. */
  processes(): ProcessIdentity[];
  stop(): Promise<void>;
}

/** The service entry points in examples/order-system/dist. */
const ENTRY: Record<SandboxService, string> = { shop: "dist/shop.js", crm: "dist/crm.js", mes: "dist/mes.js" };

/** How a service's process starts: Node.js services from dist/, the JVM MES from its jar. */
function serviceCommand(service: SandboxService, mes: MesVariant): { command: string; args: string[]; cwd: string } {
  if (service === "mes" && mes === "jvm") return { command: "java", args: ["-jar", MES_JVM_JAR], cwd: MES_JVM_DIR };
  return { command: process.execPath, args: [ENTRY[service]], cwd: ORDER_SYSTEM_DIR };
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const mes = options.mes ?? "nodejs";
  checkPrerequisites(mes);
  const dir = path.resolve(options.dir);
  const logDir = path.join(dir, "logs");
  const configDir = path.join(dir, "config");
  mkdirSync(logDir, { recursive: true });
  mkdirSync(configDir, { recursive: true });

  const stack = readDevStack(REPO);
  const instrumented = sandboxServices(stack, mes);
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const pipelineProcesses: ManagedProcess[] = [];
  const services = new Map<SandboxService, ManagedProcess>();
  let rabbit: RabbitMq | undefined;
  let s3: S3Server | undefined;

  const stopAll = async (): Promise<void> => {
    // Services first, so their last spans still reach the collector; the broker last but one.
    await Promise.all([...services.values()].map((p) => p.stop()));
    services.clear();
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    started.length = 0;
  };

  try {
    const pipeline = await localPipeline(stack, dir);
    const [, s3Server, rabbitMq] = await Promise.all([
      startPipeline(pipeline, configDir, logDir, pipelineProcesses, started),
      startS3Server({ logDir }),
      startRabbitMq({ workDir: path.join(dir, "rabbitmq"), logDir }),
    ]);
    s3 = s3Server;
    rabbit = rabbitMq;
    started.push(s3Server, rabbitMq);

    const [shopPort, crmPort, mesPort] = await freePorts(3);
    const ports: Record<SandboxService, number> = { shop: shopPort, crm: crmPort, mes: mesPort };
    const url = (service: SandboxService): string => `http://${LOOPBACK}:${ports[service]}`;
    const endpoints: SandboxEndpoints = {
      shop: url("shop"),
      crm: url("crm"),
      mes: url("mes"),
      jaegerQuery: pipeline.jaegerQuery,
      otlpGrpc: pipeline.otlpGrpc,
      s3: { endpoint: s3Server.endpoint, bucket: s3Server.bucket, ...SANDBOX_S3_CREDENTIALS },
      amqp: rabbitMq.url,
    };

    const appEnv = (service: SandboxService): Record<string, string> => {
      const storage = {
        S3_ENDPOINT: endpoints.s3.endpoint,
        MODELS_BUCKET: endpoints.s3.bucket,
        AWS_REGION: SANDBOX_S3_REGION,
        AWS_ACCESS_KEY_ID: endpoints.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: endpoints.s3.secretAccessKey,
      };
      const own = { HOST: LOOPBACK, PORT: String(ports[service]) };
      if (service === "shop") return { ...own, ...storage, CRM_URL: endpoints.crm };
      if (service === "crm") return { ...own, AMQP_URL: endpoints.amqp };
      return { ...own, ...storage, AMQP_URL: endpoints.amqp };
    };
    const envOf = (service: SandboxService): NodeJS.ProcessEnv => {
      const target = injectionTarget(instrumented[service]);
      return {
        // Only what a container would have: no OTEL_* or NODE_OPTIONS leaking in from this shell.
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...localServiceEnv(target, appEnv(service), stack.instrumentation, {
          bundleDir: BUNDLE_DIR,
          javaAgentDir: JAVA_AGENT_DIR,
          otlpEndpoint: pipeline.otlpGrpc,
        }),
      };
    };
    const startService = async (service: SandboxService): Promise<void> => {
      if (services.get(service)?.running()) return;
      const child = startProcess({ name: service, ...serviceCommand(service, mes), env: envOf(service), logDir });
      services.set(service, child);
      await waitForPort(ports[service], { process: child, timeoutMs: SERVICE_START_TIMEOUT_MS });
    };
    const broker = (): RabbitMq => {
      if (!rabbit) throw new Error("the sandbox has no broker");
      return rabbit;
    };
    // CRM first: the shop registers orders there, and both CRM and MES declare the queues.
    await startService("crm");
    await Promise.all([startService("mes"), startService("shop")]);

    return {
      endpoints,
      logDir,
      processes: () => [
        ...pipelineProcesses.filter((p) => p.running()).map((p) => identify(p.name, p.pid)),
        ...(s3 ? [identify("gofakes3", s3.pid)] : []),
        ...(rabbit ? rabbit.pids().map((pid, i) => identify(i === 0 ? "epmd" : "rabbitmq", pid)) : []),
        ...[...services.values()].filter((p) => p.running()).map((p) => identify(p.name, p.pid)),
      ],
      stopService: async (service) => {
        await services.get(service)?.stop();
        services.delete(service);
      },
      startService,
      restartBroker: async () => {
        await broker().stopBroker();
        await broker().startBroker();
      },
      stopBroker: () => broker().stopBroker(),
      startBroker: () => broker().startBroker(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The stack's entries for Shop, CRM and MES: the sandbox instruments them exactly as the stack does,
 * so the stack must list them (Pulumi.dev.yaml, `order-tracing:instrumentation.services`). The JVM
 * MES is the same entry with language `java`, as the prod stack declares its MES.
 */
export function sandboxServices(
  stack: StackConfig,
  mes: MesVariant = "nodejs",
): Record<SandboxService, InstrumentedService> {
  const found = {} as Record<SandboxService, InstrumentedService>;
  const missing: string[] = [];
  for (const name of SANDBOX_SERVICES) {
    const service = stack.instrumentation.services.find((s) => s.name === name);
    if (service) found[name] = service;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new Error(
      `${configKey("instrumentation")}.services of the ${SANDBOX_STACK} stack lists no ${missing.join(", ")}: ` +
        "the sandbox instruments Shop, CRM and MES exactly as the stack does, so add them there",
    );
  }
  if (mes === "jvm") {
    // Node.js-only settings (the bundle's module format and rules) do not apply to the Java agent.
    const { name, namespace, deployment, container } = found.mes;
    found.mes = { name, namespace, deployment, container, language: "java" };
  }
  return found;
}

async function startPipeline(
  pipeline: LocalPipeline,
  configDir: string,
  logDir: string,
  processes: ManagedProcess[],
  started: Array<{ stop(): Promise<unknown> }>,
): Promise<void> {
  const jaegerConfig = path.join(configDir, "jaeger.yaml");
  const collectorConfig = path.join(configDir, "collector.yaml");
  writeFileSync(jaegerConfig, pipeline.jaegerYaml);
  writeFileSync(collectorConfig, pipeline.collectorYaml);

  // Jaeger first: the collector exports to it from its first batch on.
  const startTool = async (name: string, binary: string, config: string, ready: string): Promise<void> => {
    const child = startProcess({ name, command: path.join(TOOLS_BIN, binary), args: ["--config", config], logDir });
    processes.push(child);
    started.push(child);
    await waitForHttp(ready, { process: child, timeoutMs: PIPELINE_START_TIMEOUT_MS });
  };
  await startTool("jaeger", "jaeger", jaegerConfig, pipeline.jaegerReady);
  await startTool("collector", "otelcol-ordertracing", collectorConfig, pipeline.collectorReady);
}
