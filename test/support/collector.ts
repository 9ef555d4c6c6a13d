import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { renderCollectorConfig, type CollectorConfigDocument } from "../../infra/collector/config";
import type { StackConfig } from "../../infra/config";
import { readStackConfig } from "../../infra/config/stack-file";
import { LOOPBACK } from "../../sandbox/process";
import {
  placed,
  REPO,
  run,
  startUntilReady,
  toolBinary,
  type CommandResult,
  type Placement,
  type StartedProcess,
} from "./project";

/** Our collector distribution (collector/builder-config.yaml), built by tools/build.sh when missing. */
const collectorBinary = () => toolBinary("otelcol-ordertracing");

/** A stack file's config, parsed and validated as `pulumi up` would; values stored as secrets count as set. */
export function stackConfig(stack: string): StackConfig {
  return readStackConfig(REPO, stack);
}

/**
 * A generated config whose export goes to a test's OTLP/HTTP JSON receiver instead of Jaeger; every
 * receiver, processor and extension stays as generated.
 */
export function exportingTo(document: CollectorConfigDocument, receiverEndpoint: string): CollectorConfigDocument {
  return {
    ...document,
    exporters: { "otlp_http/receiver": { endpoint: receiverEndpoint, encoding: "json", compression: "none" } },
    service: {
      ...document.service,
      pipelines: { traces: { ...document.service.pipelines.traces, exporters: ["otlp_http/receiver"] } },
    },
  };
}

/** Writes a generated config to `<dir>/<name>.yaml`. */
export function writeCollectorConfig(document: CollectorConfigDocument, dir: string, name: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, renderCollectorConfig(document));
  return file;
}

/** `otelcol-ordertracing validate --config <file>`: the real binary's verdict on a config file. */
export function validateCollectorConfig(file: string): Promise<CommandResult> {
  return run(collectorBinary(), ["validate", `--config=${file}`], { cwd: path.dirname(file), timeoutMs: 120_000 });
}

export type RunningCollector = StartedProcess;

export interface CollectorRunOptions extends Placement {
  /** The process's (and its log file's) name; `otelcol` by default. */
  name?: string;
  /** Variables on top of this process's environment (GOMEMLIMIT, GOMAXPROCS as in the pod). */
  env?: Record<string, string>;
  /** Where the collector's log goes; a temporary folder, removed at stop, by default. */
  logDir?: string;
}

/** Runs our collector with a config and waits until its health_check extension reports ready. */
export async function startCollector(
  document: CollectorConfigDocument,
  healthPort: number,
  options: CollectorRunOptions = {},
): Promise<RunningCollector> {
  const dir = mkdtempSync(path.join(tmpdir(), "order-tracing-collector-"));
  const file = writeCollectorConfig(document, dir, "collector");
  return startUntilReady({
    name: options.name ?? "otelcol",
    ...placed(collectorBinary(), [`--config=${file}`], options),
    env: options.env ? { ...process.env, ...options.env } : undefined,
    logDir: options.logDir ?? dir,
    readyUrl: `http://${LOOPBACK}:${healthPort}/`,
    timeoutMs: 60_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}

/** One reading of a collector's own metrics (its Prometheus endpoint on the telemetry port). */
export interface CollectorMetrics {
  /**
   * Sum of a counter or gauge over its label sets, or over those with all of `labels` (e.g.
   * `{ transport: "http" }`); 0 when not exposed yet. `_total` suffixes count as the same name.
   */
  value(name: string, labels?: Record<string, string>): number;
}

export async function readCollectorMetrics(metricsPort: number): Promise<CollectorMetrics> {
  const response = await fetch(`http://${LOOPBACK}:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return {
    value: (name, labels) => {
      if (!labels) return counterSum(text, name);
      const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
      const lines = text.split("\n").filter((line) => {
        const labelText = /^[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*)\}/.exec(line)?.[1];
        return labelText !== undefined && wanted.every((pair) => labelText.split(",").includes(pair));
      });
      return counterSum(lines.join("\n"), name);
    },
  };
}

/** The parts of an OTLP/JSON ExportTraceServiceRequest the tests read. */
export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; arrayValue?: unknown };
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  attributes?: OtlpAttribute[];
  events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
  status?: { code?: number; message?: string };
}
export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpAttribute[] };
  scopeSpans: Array<{ spans: OtlpSpan[] }>;
}
export interface OtlpRequest {
  resourceSpans: OtlpResourceSpans[];
}

/**
 * A minimal OTLP/HTTP JSON receiver on loopback: records every export request exactly as the
 * collector sent it (raw text included, so a test can search all of it for a probe).
 */
export interface OtlpJsonReceiver {
  endpoint: string;
  requests: OtlpRequest[];
  rawBodies: string[];
  close(): Promise<void>;
}

export function startOtlpJsonReceiver(port: number): Promise<OtlpJsonReceiver> {
  const requests: OtlpRequest[] = [];
  const rawBodies: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let body = Buffer.concat(chunks);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const text = body.toString("utf8");
      if (request.method === "POST" && request.url === "/v1/traces") {
        rawBodies.push(text);
        requests.push(JSON.parse(text) as OtlpRequest);
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else {
        response.writeHead(404).end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () =>
      resolve({
        endpoint: `http://${LOOPBACK}:${port}`,
        requests,
        rawBodies,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}

/**
 * Sum of a Prometheus counter over all its label sets (0 when the collector has not exposed it yet),
 * with or without the `_total` suffix, which the collector's Prometheus exporter may add.
 */
export function counterSum(metricsText: string, name: string): number {
  let sum = 0;
  for (const line of metricsText.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && (match[1] === name || match[1] === `${name}_total`)) sum += Number(match[3]);
  }
  return sum;
}
