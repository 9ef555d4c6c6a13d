import { setTimeout as delay } from "node:timers/promises";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, freePorts, LOOPBACK, ManagedProcess, startProcess, waitForHttp } from "../../sandbox/process";
import { RabbitMq, startRabbitMq } from "../../sandbox/rabbitmq";
import { S3Server, SANDBOX_S3_CREDENTIALS, startS3Server } from "../../sandbox/s3";
import { run } from "../../test/support/project";
import { DOWNWARD_API_ENV, ORDER_TRACING_ENV, OTEL_ENV, REGISTER_ENTRY } from "../src/env";
import { OtlpJsonReceiver, ReceivedSpan } from "./otlp-json-receiver";
import { leakedProbes, PII_PROBES, probeQueryString } from "./pii-probes";
import { LOG_CORRELATION_KEYS } from "../src/log-correlation";

/**
 * The issue-4 chain: Shop (HTTP, S3 put, HTTP to CRM) → CRM (AMQP publish to real RabbitMQ) →
 * MES (AMQP consume, S3 list/get, status event), each a Node.js process with the built bundle
 * preloaded through NODE_OPTIONS exactly as the init container does it, exporting over OTLP gRPC
 * to our built collector, which forwards OTLP/JSON to a receiver in this test. Run on Node.js 20
 * (this process's node), 22 and 24 (binaries from instrumentation's devDependencies). Each service
 * logs every record through pino, winston and bunyan (test/chain/loggers.js), and the lines must
 * carry the ids of the span they were written in (log correlation, issue 21).
 */

const PACKAGE_DIR = path.resolve(__dirname, "..");
const REPO = path.resolve(PACKAGE_DIR, "..");
const BUNDLE_DIR = path.join(PACKAGE_DIR, "build", "bundle");
const COLLECTOR = path.join(REPO, ".tools", "bin", "otelcol-ordertracing");
const CHAIN_DIR = path.join(__dirname, "chain");

/** The loggers of test/chain/loggers.js, and the record each chain service logs inside its span. */
const LOGGERS = ["pino", "winston", "bunyan"] as const;
const LOGGED = { shop: "order created", crm: "order sent to MES", mes: "work order accepted" } as const;

interface LogRecord {
  logger: string;
  msg?: string;
  message?: string;
  [key: string]: unknown;
}

/** The JSON records a chain service wrote through one of the loggers (its stdout is its log file). */
function logRecords(logFile: string): LogRecord[] {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogRecord)
    .filter((record) => (LOGGERS as readonly string[]).includes(record.logger));
}

/** Each logger's record of `message` in a service's log, keyed by logger. */
function recordsOf(logFile: string, message: string): Record<string, LogRecord | undefined> {
  const records = logRecords(logFile).filter((record) => (record.msg ?? record.message) === message);
  return Object.fromEntries(LOGGERS.map((logger) => [logger, records.find((record) => record.logger === logger)]));
}

const NODE_RUNTIMES = [
  { label: "Node.js 20", binary: process.execPath },
  { label: "Node.js 22", binary: path.join(PACKAGE_DIR, "node_modules", "node22", "bin", "node") },
  { label: "Node.js 24", binary: path.join(PACKAGE_DIR, "node_modules", "node24", "bin", "node") },
];

/** MES cannot change its code: its status events are detected by rule. */
const MES_RULES = JSON.stringify({
  statusEvents: {
    amqp: [
      {
        direction: "publish",
        orderIdField: "orderId",
        statusField: "status",
        previousStatusField: "previousStatus",
      },
    ],
  },
});

/** Everything the order request carries that must never reach a span. */
function orderRequest(): { path: string; headers: Record<string, string>; body: string } {
  return {
    path: `/orders?${probeQueryString()}`,
    headers: {
      "content-type": "application/json",
      authorization: PII_PROBES.bearer,
      cookie: `session=${PII_PROBES.jwt}`,
      "x-customer-email": PII_PROBES.email,
      // Foreign baggage: filtered at the edge, it must reach neither a span nor a log line.
      baggage: `customer.email=${encodeURIComponent(PII_PROBES.email)},customer.name=${encodeURIComponent(PII_PROBES.name)}`,
    },
    body: JSON.stringify({
      customer: {
        name: PII_PROBES.name,
        email: PII_PROBES.email,
        phone: PII_PROBES.phone,
        address: PII_PROBES.address,
      },
      model: { fileName: `${PII_PROBES.name} bracket.stl`, content: Buffer.from("solid bracket").toString("base64") },
      material: "PLA",
      quantity: 2,
    }),
  };
}

function collectorConfig(grpcPort: number, healthPort: number, receiverPort: number): string {
  // JSON is YAML: the collector reads it as its config file.
  return JSON.stringify({
    extensions: { health_check: { endpoint: `${LOOPBACK}:${healthPort}` } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `${LOOPBACK}:${grpcPort}` } } } },
    processors: { batch: { timeout: "200ms" } },
    exporters: {
      otlphttp: { endpoint: `http://${LOOPBACK}:${receiverPort}`, encoding: "json", compression: "none" },
    },
    service: {
      extensions: ["health_check"],
      telemetry: { metrics: { level: "none" } },
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["otlphttp"] } },
    },
  });
}

interface Chain {
  shopUrl: string;
  services: ManagedProcess[];
  stop(): Promise<void>;
}

async function startChain(options: {
  node: string;
  otlpEndpoint: string;
  tag: string;
  logDir: string;
  rabbit: RabbitMq;
  s3: S3Server;
  /** Extra variables for every service. */
  env?: Record<string, string>;
}): Promise<Chain> {
  const [shopPort, crmPort, mesPort] = await freePorts(3);
  const common = {
    PATH: process.env.PATH,
    NODE_OPTIONS: `--require ${path.join(BUNDLE_DIR, REGISTER_ENTRY)}`,
    [OTEL_ENV.endpoint]: options.otlpEndpoint,
    [OTEL_ENV.protocol]: "grpc",
    [OTEL_ENV.bspScheduleDelay]: "200",
    [DOWNWARD_API_ENV.nodeName]: "node-a",
    [DOWNWARD_API_ENV.namespaceName]: "orders",
    AMQP_URL: options.rabbit.url,
    MES_QUEUE: `mes.orders.${options.tag}`,
    STATUS_QUEUE: `mes.status.${options.tag}`,
    S3_ENDPOINT: options.s3.endpoint,
    S3_BUCKET: options.s3.bucket,
    S3_ACCESS_KEY_ID: SANDBOX_S3_CREDENTIALS.accessKeyId,
    S3_SECRET_ACCESS_KEY: SANDBOX_S3_CREDENTIALS.secretAccessKey,
    ...options.env,
  };
  const service = (name: string, port: number, extra: Record<string, string> = {}) =>
    startProcess({
      name: `${name}-${options.tag}`,
      command: options.node,
      args: [path.join(CHAIN_DIR, `${name}.js`)],
      cwd: CHAIN_DIR,
      env: {
        ...common,
        [OTEL_ENV.serviceName]: name,
        [DOWNWARD_API_ENV.podName]: `${name}-7d9f6c-x2x4q`,
        PORT: String(port),
        ...extra,
      },
      logDir: options.logDir,
    });
  const services = [
    service("mes", mesPort, { [ORDER_TRACING_ENV.rules]: MES_RULES }),
    service("crm", crmPort),
    service("shop", shopPort, { CRM_URL: `http://${LOOPBACK}:${crmPort}` }),
  ];
  const ports = [mesPort, crmPort, shopPort];
  await Promise.all(
    services.map((process, i) => waitForHttp(`http://${LOOPBACK}:${ports[i]}/healthz`, { process, timeoutMs: 60_000 })),
  );
  return {
    shopUrl: `http://${LOOPBACK}:${shopPort}`,
    services,
    stop: async () => void (await Promise.all(services.map((process) => process.stop()))),
  };
}

async function placeOrder(shopUrl: string): Promise<{ status: number; orderId?: string }> {
  const request = orderRequest();
  const response = await fetch(`${shopUrl}${request.path}`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  const body = (await response.json()) as { orderId?: string };
  return { status: response.status, orderId: body.orderId };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

function statusChange(spans: ReceivedSpan[], orderId: string, status: string): ReceivedSpan | undefined {
  return spans.find(
    (span) =>
      span.name === "order.status_change" &&
      span.attributes["order.id"] === orderId &&
      span.attributes["order.status"] === status,
  );
}

describe("instrumentation chain: HTTP → AMQP (RabbitMQ) → S3, exported through our collector", () => {
  const workDir = mkdtempSync(path.join(tmpdir(), "order-tracing-chain-"));
  const logDir = path.join(workDir, "logs");
  const receiver = new OtlpJsonReceiver();
  let rabbit: RabbitMq;
  let s3: S3Server;
  let collector: ManagedProcess;
  let otlpEndpoint: string;

  beforeAll(async () => {
    const build = await run(process.execPath, [path.join(PACKAGE_DIR, "scripts", "build-bundle.mjs")], {
      cwd: PACKAGE_DIR,
    });
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/build\/bundle: \d+\.\d+ MiB/);

    const [receiverPort, [grpcPort, healthPort]] = await Promise.all([receiver.start(), freePorts(2)]);
    const configFile = path.join(workDir, "collector.yaml");
    writeFileSync(configFile, collectorConfig(grpcPort, healthPort, receiverPort));
    collector = startProcess({
      name: "otelcol",
      command: COLLECTOR,
      args: ["--config", `file:${configFile}`],
      logDir,
    });
    otlpEndpoint = `http://${LOOPBACK}:${grpcPort}`;
    // Each server is kept as soon as it is up, so that afterAll stops it even if another failed.
    await Promise.all([
      startRabbitMq({ workDir: path.join(workDir, "rabbitmq"), logDir }).then((started) => (rabbit = started)),
      startS3Server({ logDir }).then((started) => (s3 = started)),
      waitForHttp(`http://${LOOPBACK}:${healthPort}/`, { process: collector, timeoutMs: 60_000 }),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([collector?.stop(), rabbit?.stop(), s3?.stop(), receiver.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each([
    [
      "an endpoint that is no URL",
      { [OTEL_ENV.endpoint]: "::not-a-url" },
      /instrumentation disabled, the service runs untraced/,
    ],
    ["rules that are no JSON", { [ORDER_TRACING_ENV.rules]: "{orderId:" }, /ORDER_TRACING_RULES ignored/],
    ["an unknown protocol", { [OTEL_ENV.protocol]: "carrier-pigeon" }, /is not grpc, http\/protobuf or http\/json/],
  ])("starts the app with %s, after one warning", async (_case, env, warning) => {
    const app = `require("node:http").createServer().listen(0, "${LOOPBACK}", function () { console.log("app ran"); this.close(); });`;
    const result = await run(process.execPath, ["-e", app], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: `--require ${path.join(BUNDLE_DIR, REGISTER_ENTRY)}`,
        // A reachable collector, so that the only warning is the one about the configuration.
        [OTEL_ENV.endpoint]: otlpEndpoint,
        ...env,
      },
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("app ran");
    const warnings = result.stderr.split("\n").filter((line) => line.startsWith("[order-tracing]"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(warning);
  });

  it(`with ${ORDER_TRACING_ENV.logCorrelation}=false still traces, and leaves every log line as it was`, async () => {
    const chain = await startChain({
      node: process.execPath,
      otlpEndpoint,
      tag: "log-correlation-off",
      logDir,
      rabbit,
      s3,
      env: { [ORDER_TRACING_ENV.logCorrelation]: "false" },
    });
    let orderId: string | undefined;
    try {
      const order = await placeOrder(chain.shopUrl);
      expect(order.status).toBe(201);
      orderId = order.orderId as string;
      const id = orderId;
      await waitFor("MES's ACCEPTED status change", () => statusChange(receiver.spans, id, "ACCEPTED"));
    } finally {
      await chain.stop();
    }
    for (const service of chain.services) {
      const name = service.name.replace("-log-correlation-off", "") as keyof typeof LOGGED;
      const records = recordsOf(service.logFile, LOGGED[name]);
      for (const logger of LOGGERS) {
        expect(records[logger], `${name} ${logger}`).toMatchObject({ orderId });
        for (const key of Object.values(LOG_CORRELATION_KEYS)) {
          expect(Object.keys(records[logger] ?? {}), `${name} ${logger}`).not.toContain(key);
        }
      }
    }
  });

  describe.each(NODE_RUNTIMES)("on $label", ({ label, binary }) => {
    const tag = label.replace(/\D/g, "");

    it("exports one connected trace with every required attribute and no personal data", async () => {
      const chain = await startChain({ node: binary, otlpEndpoint, tag, logDir, rabbit, s3 });
      try {
        const order = await placeOrder(chain.shopUrl);
        expect(order.status).toBe(201);
        const orderId = order.orderId as string;
        const accepted = await waitFor("MES's ACCEPTED status change", () =>
          statusChange(receiver.spans, orderId, "ACCEPTED"),
        );
        // Let the last batches (ends of server spans) arrive.
        await delay(1_500);

        const trace = receiver.spans.filter((span) => span.traceId === accepted.traceId);
        const ofOrder = receiver.spans.filter((span) => span.attributes["order.id"] === orderId);
        expect(new Set(ofOrder.map((span) => span.traceId))).toEqual(new Set([accepted.traceId]));
        expect(new Set(trace.map((span) => span.resource["service.name"]))).toEqual(new Set(["shop", "crm", "mes"]));

        // Connected: one root, every other span's parent is in the trace.
        const spanIds = new Set(trace.map((span) => span.spanId));
        expect(trace.filter((span) => span.parentSpanId === "")).toHaveLength(1);
        for (const span of trace) if (span.parentSpanId) expect(spanIds).toContain(span.parentSpanId);

        for (const span of trace) {
          const where = `${span.resource["service.name"]}: ${span.name}`;
          expect(span.traceId, where).toMatch(/^[0-9a-f]{32}$/);
          expect(span.spanId, where).toMatch(/^[0-9a-f]{16}$/);
          expect(span.resource["k8s.node.name"] ?? span.resource["host.name"], where).toBeTruthy();
          expect(span.resource["k8s.pod.name"], where).toMatch(/-7d9f6c-x2x4q$/);
          expect(span.resource["k8s.namespace.name"], where).toBe("orders");
          expect(span.attributes["order.id"], where).toBe(orderId);
          if (span.attributes["http.request.method"] !== undefined) {
            expect(span.attributes["url.full"] ?? span.attributes["url.path"], where).toBeTruthy();
          }
        }

        const names = trace.map((span) => `${span.resource["service.name"]}: ${span.name}`);
        expect(names).toEqual(
          expect.arrayContaining([
            "shop: POST /orders",
            "shop: S3.PutObject",
            "crm: POST /orders",
            "mes: S3.ListObjectsV2",
            "mes: S3.GetObject",
          ]),
        );
        const server = trace.find((span) => span.name === "POST /orders" && span.resource["service.name"] === "shop");
        expect(server?.attributes).toMatchObject({ "http.request.method": "POST", "url.path": "/orders" });
        expect(trace.some((span) => span.resource["service.name"] === "crm" && span.kind === 4)).toBe(true); // producer
        expect(trace.some((span) => span.resource["service.name"] === "mes" && span.kind === 5)).toBe(true); // consumer

        const changes = ["CREATED", "SUBMITTED", "ACCEPTED"].map((status) => statusChange(trace, orderId, status));
        expect(changes.map((span) => span?.resource["service.name"])).toEqual(["shop", "crm", "mes"]);
        expect(changes.map((span) => span?.attributes["order.previous_status"])).toEqual([
          "NONE",
          "CREATED",
          "SUBMITTED",
        ]);
        for (const change of changes) {
          expect(change?.attributes["order.status_changed_at"]).toMatch(
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
          );
        }

        expect(leakedProbes(receiver.rawBodies.join("\n"))).toEqual([]);

        // Log correlation: each logger's line carries the trace, the span it was written in and the order.
        for (const service of chain.services) {
          const name = service.name.replace(`-${tag}`, "") as keyof typeof LOGGED;
          const spansOfService = new Set(
            trace.filter((span) => span.resource["service.name"] === name).map((span) => span.spanId),
          );
          const records = recordsOf(service.logFile, LOGGED[name]);
          for (const logger of LOGGERS) {
            const record = records[logger];
            expect(record, `${name} ${logger}: no "${LOGGED[name]}" line`).toBeDefined();
            expect(record?.[LOG_CORRELATION_KEYS.traceId], `${name} ${logger}`).toBe(accepted.traceId);
            expect(spansOfService, `${name} ${logger}`).toContain(record?.[LOG_CORRELATION_KEYS.spanId]);
            expect(record?.[LOG_CORRELATION_KEYS.traceFlags], `${name} ${logger}`).toBe("01");
            expect(record?.[LOG_CORRELATION_KEYS.orderId], `${name} ${logger}`).toBe(orderId);
          }
          expect(leakedProbes(readFileSync(service.logFile, "utf8")), service.name).toEqual([]);
        }

        writeFileSync(
          path.join(PACKAGE_DIR, "build", `chain-trace-node${tag}.json`),
          JSON.stringify(
            trace.map(({ traceId, spanId, parentSpanId, name, attributes, resource }) => ({
              traceId,
              spanId,
              parentSpanId,
              service: resource["service.name"],
              node: resource["k8s.node.name"],
              pod: resource["k8s.pod.name"],
              name,
              attributes,
            })),
            null,
            2,
          ),
        );
      } finally {
        await chain.stop();
      }
    });

    it("keeps serving every request while the collector is unreachable, warning once and counting the loss", async () => {
      const deadCollector = `http://${LOOPBACK}:${await freePort()}`;
      const chain = await startChain({
        node: binary,
        otlpEndpoint: deadCollector,
        tag: `${tag}-dead-collector`,
        logDir,
        rabbit,
        s3,
      });
      try {
        const results = [];
        for (let i = 0; i < 20; i++) results.push(await placeOrder(chain.shopUrl));
        expect(results.map((result) => result.status)).toEqual(Array(20).fill(201));
        // Give the batch processors time to try (and fail) an export.
        await delay(2_000);
        for (const service of chain.services) expect(service.running(), service.name).toBe(true);
        // The bundle flushes on SIGTERM, then lets the signal end the process as it would without it.
        const exits = await Promise.all(chain.services.map((service) => service.stop()));
        expect(exits).toEqual(chain.services.map(() => ({ code: null, signal: "SIGTERM" })));
      } finally {
        await chain.stop();
      }
      for (const service of chain.services) {
        const warnings = readFileSync(service.logFile, "utf8")
          .split("\n")
          .filter((line) => line.startsWith("[order-tracing]"));
        // One warning when the outage starts, and at shutdown one line that counts what it cost.
        expect(warnings, service.name).toHaveLength(2);
        expect(warnings[0]).toContain(`exporting spans to ${deadCollector}/ failed`);
        const lost = /^\[order-tracing\] at shutdown, (\d+) spans were dropped \(\1 while the collector failed/.exec(
          warnings[1],
        );
        expect(Number(lost?.[1]), warnings[1]).toBeGreaterThan(0);
      }
    });
  });
});
