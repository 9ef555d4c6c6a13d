import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OTEL_ENV, REGISTER_ENTRY } from "../../instrumentation/src/env";
import { freePorts, LOOPBACK, startProcess, waitForHttp, type ManagedProcess } from "../../sandbox/process";
import {
  startOtlpJsonReceiver,
  type OtlpJsonReceiver,
  type OtlpSpan,
  type RunningCollector,
} from "../support/collector";
import { startDevPipeline, type DevPipeline } from "./dev-pipeline";
import { pollUntil } from "../support/poll";
import { REPO } from "../support/project";
import { PII_CORPUS, probesFoundIn } from "./pii-corpus";

/**
 * Fault case 5 (issue 10): hostile input to the OTLP endpoint (our collector on the dev pipeline) and
 * to an instrumented service (a Node.js HTTP server with the built bundle preloaded as the init
 * container does it): malformed OTLP, invalid UTF-8, oversized bodies and attributes, a huge baggage
 * header, forged and malformed traceparent. Nothing may crash, the limits must hold, nothing
 * personal may leak.
 */

const BUNDLE = path.join(REPO, "instrumentation", "build", "bundle", REGISTER_ENTRY);
/** The SDK limits the test sets, as an operator would through the standard variables. */
const SDK_LIMITS = { valueLength: 512, attributeCount: 64 };

/** Every byte value in turn: not UTF-8, not JSON, not protobuf (deterministic, unlike random bytes). */
const BINARY_GARBAGE = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7 + 128) % 256));

const spansOf = (receiver: OtlpJsonReceiver): OtlpSpan[] =>
  receiver.requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));

/** Polls a condition on what the receiver has recorded (pollUntil every 200 ms). */
const until = (done: () => boolean, timeoutMs: number) => pollUntil(done, timeoutMs, 200);

/** Writes raw bytes to a TCP port and returns whatever comes back before the peer closes or 2 s pass. */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, LOOPBACK, () => socket.end(bytes));
    const finish = () => resolve(Buffer.concat(chunks).toString("latin1"));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", finish);
    socket.on("close", finish);
    socket.setTimeout(2_000, () => socket.destroy());
  });
}

function oneSpanRequest(name: string, attributes: Array<{ key: string; value: { stringValue: string } }>): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "shop" } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString("hex"),
                spanId: randomBytes(8).toString("hex"),
                name,
                kind: 2,
                startTimeUnixNano: now.toString(),
                endTimeUnixNano: (now + 1_000_000n).toString(),
                attributes,
              },
            ],
          },
        ],
      },
    ],
  });
}

describe("fault: hostile input to the collector's OTLP endpoint", () => {
  let pipeline: DevPipeline;
  let receiver: OtlpJsonReceiver;
  let collector: RunningCollector;
  let ports: DevPipeline["ports"];
  let post: DevPipeline["post"];

  beforeAll(async () => {
    pipeline = await startDevPipeline();
    ({ receiver, collector, ports, post } = pipeline);
  }, 90_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("refuses malformed OTLP (garbage protobuf, broken JSON, wrong types, binary as JSON)", async () => {
    const cases: Array<[Buffer | string, string]> = [
      [randomBytes(4096), "application/x-protobuf"],
      [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), "application/x-protobuf"],
      ['{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": ', "application/json"],
      ['{"resourceSpans": "not a list"}', "application/json"],
      [BINARY_GARBAGE, "application/json"],
    ];
    const statuses: number[] = [];
    for (const [body, type] of cases) statuses.push((await post(body, type)).status);
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    // Bytes that are not UTF-8 on the JSON endpoint: refused too, though v0.161.0 answers 500 (its
    // error reply quotes the bytes); the client is told to stop, the receiver keeps running.
    expect(statuses[4]).toBeGreaterThanOrEqual(400);
    expect(collector.process.running()).toBe(true);
  });

  it("does not pass on invalid UTF-8: refused, or repaired before export", async () => {
    const valid = oneSpanRequest("utf8-probe", [{ key: "url.path", value: { stringValue: "/orders/MARK" } }]);
    const body = Buffer.from(valid.replace("MARK", "\u0000MARK"));
    // Replace the marker's NUL with bytes that are not UTF-8 (a lone continuation byte, 0xFF).
    const at = body.indexOf(0x00);
    const broken = Buffer.concat([body.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), body.subarray(at + 1)]);
    const response = await post(broken, "application/json");
    expect([200, 400]).toContain(response.status);
    await new Promise((r) => setTimeout(r, 3_000));
    for (const raw of receiver.rawBodies) expect(Buffer.from(raw, "utf8").includes(Buffer.from([0xff]))).toBe(false);
    expect(collector.process.running()).toBe(true);
  });

  it("refuses a request above the receiver's 8 MiB body limit and survives garbage on the gRPC port", async () => {
    const huge = oneSpanRequest("oversized", [{ key: "url.path", value: { stringValue: "x".repeat(9 * 2 ** 20) } }]);
    const response = await post(huge, "application/json");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    // Not an HTTP/2 preface: the gRPC server closes the connection and keeps serving.
    await rawExchange(ports.otlpGrpc, Buffer.concat([Buffer.from("PRI * HTTP/9.9\r\n\r\n"), randomBytes(8192)]));
    expect(collector.process.running()).toBe(true);
  });

  it("keeps only allow-listed keys of a span with 5,000 attributes, and stays healthy for the next span", async () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      key: `app.field_${i}`,
      value: { stringValue: PII_CORPUS[i % PII_CORPUS.length].value },
    }));
    const before = spansOf(receiver).length;
    expect((await post(oneSpanRequest("many-attributes", many), "application/json")).status).toBe(200);
    expect((await post(oneSpanRequest("after-the-storm", []), "application/json")).status).toBe(200);
    // Both, in either order: separate traces are decided and exported in batches of their own, so
    // the small span may well arrive first.
    const arrived = (name: string) => spansOf(receiver).some((s) => s.name === name);
    await until(() => arrived("many-attributes") && arrived("after-the-storm"), 30_000);
    expect(arrived("after-the-storm"), "the next span arrived").toBe(true);
    const wide = spansOf(receiver).find((s) => s.name === "many-attributes");
    expect(wide, "the wide span arrived").toBeDefined();
    expect(wide?.attributes?.filter((a) => a.key.startsWith("app.")) ?? []).toEqual([]);
    expect(spansOf(receiver).length).toBeGreaterThan(before);
    expect(probesFoundIn(receiver.rawBodies.join("\n"))).toEqual([]);
    expect((await fetch(`http://${LOOPBACK}:${ports.health}/`)).status).toBe(200);
  }, 60_000);
});

describe("fault: hostile input to an instrumented service", () => {
  let receiver: OtlpJsonReceiver;
  let service: ManagedProcess;
  let base: string;
  let port: number;
  let logDir: string;

  beforeAll(async () => {
    const [servicePort, receiverPort] = await freePorts(2);
    port = servicePort;
    base = `http://${LOOPBACK}:${port}`;
    receiver = await startOtlpJsonReceiver(receiverPort);
    logDir = mkdtempSync(path.join(tmpdir(), "order-tracing-hostile-"));
    // The smallest service that routes like Shop: the bundle's HTTP instrumentation does the rest.
    const server = `require("node:http").createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url.length }));
    }).listen(${port}, "${LOOPBACK}");`;
    service = startProcess({
      name: "hostile-shop",
      command: process.execPath,
      args: ["-e", server],
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: `--require ${BUNDLE}`,
        [OTEL_ENV.serviceName]: "shop",
        [OTEL_ENV.endpoint]: `http://${LOOPBACK}:${receiverPort}`,
        [OTEL_ENV.protocol]: "http/json",
        [OTEL_ENV.bspScheduleDelay]: "200",
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: String(SDK_LIMITS.valueLength),
        OTEL_ATTRIBUTE_COUNT_LIMIT: String(SDK_LIMITS.attributeCount),
      },
      logDir,
    });
    await waitForHttp(`${base}/ready`, { process: service, timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  const FORGED = "4bf92f3577b34da6a3ce929d0e0e4736";
  const TRACEPARENTS: Array<[what: string, header: string, continues: boolean]> = [
    ["well-formed but forged", `00-${FORGED}-00f067aa0ba902b7-01`, true],
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false],
    ["all-zero span id", `00-${FORGED}-0000000000000000-01`, false],
    ["version ff", `ff-${FORGED}-00f067aa0ba902b7-01`, false],
    ["not hex", "00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-00f067aa0ba902b7-01", false],
    ["truncated", "00-4bf92f35", false],
    ["garbage", "\u00e9\u00e9 not a traceparent ;;; ===", false],
    ["very long", `00-${FORGED}-00f067aa0ba902b7-01-${"a".repeat(8000)}`, false],
  ];

  it("answers every forged or malformed traceparent; only a well-formed one is continued", async () => {
    for (const [what, header] of TRACEPARENTS) {
      const response = await fetch(`${base}/orders/tp-${TRACEPARENTS.findIndex((t) => t[0] === what)}`, {
        headers: { traceparent: header },
      });
      expect(response.status, what).toBe(200);
    }
    await until(() => spansOf(receiver).filter((s) => s.name.startsWith("GET")).length >= TRACEPARENTS.length, 20_000);
    const served = spansOf(receiver).filter((s) => s.name.startsWith("GET"));
    expect(served.length).toBeGreaterThanOrEqual(TRACEPARENTS.length);
    for (const span of served) expect(span.traceId).not.toBe("00000000000000000000000000000000");
    const continued = served.filter((s) => s.traceId === FORGED);
    expect(continued.length, "only the well-formed header is continued").toBe(1);
  }, 60_000);

  it("answers a huge baggage header without passing its entries on, and refuses one above Node's header limit", async () => {
    const entries = PII_CORPUS.map((p, i) => `customer.field${i}=${encodeURIComponent(p.value)}`);
    const baggage = ["order.id=3f2504e0-4f89-41d3-9a0c-0305e82c3301", ...entries].join(",").slice(0, 12_000);
    const response = await fetch(`${base}/orders/baggage`, { headers: { baggage } });
    expect(response.status).toBe(200);
    const oversized = await fetch(`${base}/orders/baggage-oversized`, { headers: { baggage: "k=v,".repeat(20_000) } });
    expect(oversized.status).toBe(431);
    await until(() => spansOf(receiver).some((s) => JSON.stringify(s).includes("/orders/baggage")), 20_000);
    expect(spansOf(receiver).some((s) => JSON.stringify(s).includes("/orders/baggage"))).toBe(true);
    expect(probesFoundIn(receiver.rawBodies.join("\n"))).toEqual([]);
    expect(receiver.rawBodies.join("\n")).not.toContain("customer.field");
  }, 60_000);

  it("enforces the SDK's attribute value length limit on a 6 KiB URL path", async () => {
    const long = `/orders/${"p".repeat(6 * 1024)}`;
    expect((await fetch(`${base}${long}`)).status).toBe(200);
    await until(() => spansOf(receiver).some((s) => JSON.stringify(s).includes("pppppppppp")), 20_000);
    const span = spansOf(receiver).find((s) => JSON.stringify(s).includes("pppppppppp"));
    expect(span, "the long request's span arrived").toBeDefined();
    for (const attribute of span?.attributes ?? []) {
      const value = attribute.value.stringValue;
      if (value !== undefined) expect(value.length, attribute.key).toBeLessThanOrEqual(SDK_LIMITS.valueLength);
    }
    expect((span?.attributes ?? []).length).toBeLessThanOrEqual(SDK_LIMITS.attributeCount);
    // Cut at the limit, not dropped: the path is still there, 512 characters of it.
    const lengths = (span?.attributes ?? []).map((a) => a.value.stringValue?.length ?? 0);
    expect(lengths).toContain(SDK_LIMITS.valueLength);
  }, 60_000);

  it("survives invalid UTF-8 and garbage on its HTTP port, and still answers", async () => {
    const replies = await Promise.all([
      rawExchange(
        port,
        Buffer.concat([
          Buffer.from("GET /orders/"),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ]),
      ),
      rawExchange(port, randomBytes(4096)),
      rawExchange(
        port,
        Buffer.from(
          "GET / HTTP/1.1\r\nHost: x\r\ntraceparent: \u00ff\u00fe\r\nbaggage: \u00ff=\u00fe\r\n\r\n",
          "latin1",
        ),
      ),
    ]);
    for (const reply of replies) expect(reply).toMatch(/^HTTP\/1\.1 (200|400)/);
    expect(service.running()).toBe(true);
    expect((await fetch(`${base}/orders/still-here`)).status).toBe(200);
  }, 30_000);
});
