import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ORDER_ID_KEY } from "../../contract/trace";
import { renderJaegerConfig, type JaegerConfigDocument, type JaegerPorts } from "../../infra/jaeger/config";
import { freePorts, LOOPBACK, type ManagedProcess } from "../../sandbox/process";
import { run, startUntilReady, toolBinary } from "./project";

/** Free loopback ports for every listener of one Jaeger. */
export async function loopbackJaegerPorts(): Promise<JaegerPorts> {
  const [otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc] = await freePorts(6);
  return { otlpGrpc, otlpHttp, queryHttp, queryGrpc, health, healthGrpc };
}

export interface RunningJaeger {
  process: ManagedProcess;
  configFile: string;
  stop(): Promise<void>;
}

/** Writes the generated config to a file, runs `jaeger validate` on it, and returns the file. */
export async function validatedConfigFile(document: JaegerConfigDocument, dir: string): Promise<string> {
  const configFile = path.join(dir, "jaeger.yaml");
  writeFileSync(configFile, renderJaegerConfig(document));
  const validate = await run(toolBinary("jaeger"), ["validate", "--config", configFile], {
    cwd: dir,
    timeoutMs: 60_000,
  });
  if (validate.code !== 0) throw new Error(`jaeger validate failed:\n${validate.stdout}${validate.stderr}`);
  return configFile;
}

/** Runs our built Jaeger with a generated config and waits until its health check reports OK. */
export async function startJaeger(document: JaegerConfigDocument, healthPort: number): Promise<RunningJaeger> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-jaeger-"));
  const configFile = await validatedConfigFile(document, dir);
  const jaeger = await startUntilReady({
    name: "jaeger",
    command: toolBinary("jaeger"),
    args: ["--config", configFile],
    logDir: dir,
    readyUrl: `http://${LOOPBACK}:${healthPort}/status`,
    timeoutMs: 120_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  return { ...jaeger, configFile };
}

/** One span of an order, as an OTLP/HTTP JSON export request (fake, PII-free values). */
export function orderSpan(options: {
  traceId: string;
  spanId: string;
  name: string;
  orderId: string;
  startMs: number;
}) {
  const start = BigInt(options.startMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "shop" } }] },
        scopeSpans: [
          {
            scope: { name: "order-tracing-test" },
            spans: [
              {
                traceId: options.traceId,
                spanId: options.spanId,
                name: options.name,
                kind: 2,
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 25_000_000n),
                attributes: [
                  { key: ORDER_ID_KEY, value: { stringValue: options.orderId } },
                  { key: "http.request.method", value: { stringValue: "POST" } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Posts an OTLP/HTTP JSON export request to a traces URL and fails on anything but 2xx. */
export async function postOtlpJson(tracesUrl: string, request: unknown): Promise<void> {
  const response = await fetch(tracesUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  if (!response.ok) throw new Error(`OTLP export failed: HTTP ${response.status} ${await response.text()}`);
}

/** Posts an OTLP/HTTP JSON export request to a loopback receiver's `/v1/traces`. */
export function sendOtlp(otlpHttpPort: number, request: unknown): Promise<void> {
  return postOtlpJson(`http://${LOOPBACK}:${otlpHttpPort}/v1/traces`, request);
}
