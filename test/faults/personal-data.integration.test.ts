import { pollUntil } from "../support/poll";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tracingFixture } from "../../instrumentation/test/tracing-fixture";
import type { OtlpAttribute } from "../support/collector";
import { startDevPipeline, type DevPipeline } from "./dev-pipeline";
import { CREDENTIAL_PROBES, leaksIn, pathSegment, PII_CORPUS, probesFoundIn, type Probe } from "./pii-corpus";

/**
 * Fault case 6 (issue 10): personal data, each line of defence proven on its own.
 * - The SDK alone: spans made by the real tracer provider wired as register.js wires it (order
 *   context, scrubbing exporter), no collector behind it.
 * - The collector alone: raw OTLP carrying the probes unscrubbed (the bundle has no switch to turn
 *   its scrubbing off, so the spans are written as an unscrubbed SDK would send them) through our
 *   built collector running the dev stack's generated pipeline.
 * Each probe of the corpus is placed in every place a request, a message, an upload or a failure
 * puts it; not one may come out.
 */

const ORDER_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

/** Where a probe rides: the attributes, exception message and status message of one span. */
interface Placement {
  name: string;
  attributes: Record<string, string>;
  exceptionMessage?: string;
  statusMessage?: string;
}

const enc = encodeURIComponent;

/**
 * The places of one probe. Every probe also goes in URL paths (of the request and of the S3
 * object), percent-encoded as a client sends it; values a pattern recognises (e-mails, phones,
 * cards, tokens) also go in exception and status messages. Names and addresses have no pattern:
 * in a path the segment rule catches them (instrumentation/src/url-path.ts); elsewhere they go
 * only where a key says what the value is.
 */
function placementsOf(probe: Probe): Placement[] {
  const patterned = probe.kind !== "name" && probe.kind !== "address";
  const query = `customer=${enc(probe.value)}&ref=${enc(probe.value).replace(/%20/g, "+")}`;
  const segment = `/${pathSegment(probe)}`;
  const placements: Placement[] = [
    {
      name: "HTTP server request",
      attributes: {
        "http.request.method": "POST",
        "url.full": `https://shop.example.internal/orders${segment}?${query}`,
        "url.path": `/orders${segment}`,
        "url.query": query,
        "http.target": `/orders${segment}?${query}`,
        "http.route": "/orders",
        "http.request.header.authorization": probe.value,
        "http.request.header.x-customer": probe.value,
        "http.request.header.cookie": `session=${enc(probe.value)}`,
        "http.request.body": JSON.stringify({ customer: { name: probe.value } }),
        "user_agent.original": `probe-client (${probe.value})`,
      },
    },
    {
      name: "AMQP publish",
      attributes: {
        "messaging.system": "rabbitmq",
        "messaging.operation": "publish",
        "messaging.destination.name": "mes.orders",
        "messaging.message.body": JSON.stringify({ orderId: ORDER_ID, customer: probe.value }),
        "messaging.rabbitmq.message.header.x-customer": probe.value,
        "messaging.header.x-customer": probe.value,
        "messaging.url": `amqp://orders:${enc(probe.value)}@rabbitmq.example.internal:5672/shop`,
      },
    },
    {
      name: "S3.PutObject",
      attributes: {
        "rpc.system": "aws-api",
        "rpc.service": "S3",
        "rpc.method": "PutObject",
        "aws.s3.bucket": "models",
        "aws.s3.key": `models/${ORDER_ID}/${probe.value}.stl`,
        "url.full": `https://s3.example.internal/models/models/${ORDER_ID}${segment}.stl`,
      },
    },
  ];
  if (patterned)
    placements.push({
      name: "order failed",
      attributes: { "order.id": ORDER_ID, "error.type": "ValidationError" },
      exceptionMessage: `rejected ${probe.value} for order ${ORDER_ID}`,
      statusMessage: `rejected ${probe.value}`,
    });
  else
    placements.push({
      name: "order failed",
      attributes: { "order.id": ORDER_ID, "customer.name": probe.value, "enduser.id": probe.value },
    });
  return placements;
}

/**
 * The corpus, and the credential assignments both layers mask: the same probes go through each layer
 * alone (parity: the collector must stop what the SDK stops, for services the SDK does not scrub).
 */
const PROBES: readonly Probe[] = [...PII_CORPUS, ...CREDENTIAL_PROBES];
const ALL_PLACEMENTS = PROBES.flatMap((probe) => placementsOf(probe).map((placement) => ({ probe, placement })));

describe("fault: personal data", () => {
  it("the corpus has at least 100 fake probes of every kind, and the search finds each one", () => {
    expect(PII_CORPUS.length).toBeGreaterThanOrEqual(100);
    const kinds = new Set(PII_CORPUS.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(["address", "card", "email", "name", "phone", "token"]);
    // The search is the whole proof below: it must find every probe where it is plainly present.
    for (const probe of PII_CORPUS) expect(probesFoundIn(JSON.stringify({ v: probe.value }))).toContainEqual(probe);
  });

  it("SDK scrubbing alone: no probe leaves the process", async () => {
    expect(probesFoundIn(JSON.stringify(ALL_PLACEMENTS), PROBES)).toHaveLength(PROBES.length);
    const fixture = tracingFixture();
    for (const { placement } of ALL_PLACEMENTS) {
      const span = fixture.tracer.startSpan(placement.name, { attributes: placement.attributes });
      if (placement.exceptionMessage) span.recordException(new Error(placement.exceptionMessage));
      if (placement.statusMessage) span.setStatus({ code: 2, message: placement.statusMessage });
      span.end();
    }
    await fixture.flush();
    const exported = fixture.exported();
    expect(exported.length).toBe(ALL_PLACEMENTS.length);
    const leaks = exported.flatMap((s) =>
      leaksIn(
        { attributes: s.attributes, events: s.events, status: s.status, resource: s.resource.attributes },
        s.name,
        PROBES,
      ),
    );
    expect([...new Set(leaks)]).toEqual([]);
    await fixture.provider.shutdown();
  });

  describe("collector scrubbing alone (dev stack pipeline, unscrubbed OTLP in)", () => {
    let pipeline: DevPipeline;
    const traceIds = new Set<string>();

    beforeAll(async () => {
      pipeline = await startDevPipeline();

      const now = BigInt(Date.now()) * 1_000_000n;
      const str = (key: string, value: string): OtlpAttribute => ({ key, value: { stringValue: value } });
      const resourceSpans = ALL_PLACEMENTS.map(({ probe, placement }) => {
        const traceId = randomBytes(16).toString("hex");
        traceIds.add(traceId);
        return {
          resource: {
            attributes: [
              str("service.name", "shop"),
              str("k8s.pod.name", "shop-7d9f8-abcde"),
              str("process.command_args", `node shop.js --customer=${probe.value}`),
            ],
          },
          scopeSpans: [
            {
              scope: { name: "probe-instrumentation" },
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString("hex"),
                  name: placement.name,
                  kind: 2,
                  startTimeUnixNano: now.toString(),
                  endTimeUnixNano: (now + 5_000_000n).toString(),
                  attributes: Object.entries(placement.attributes).map(([k, v]) => str(k, v)),
                  events: placement.exceptionMessage
                    ? [
                        {
                          name: "exception",
                          timeUnixNano: now.toString(),
                          attributes: [
                            str("exception.type", "Error"),
                            str("exception.message", placement.exceptionMessage),
                            str("exception.stacktrace", `Error: ${placement.exceptionMessage}\n    at order.js:1:1`),
                          ],
                        },
                      ]
                    : [],
                  status: placement.statusMessage ? { code: 2, message: placement.statusMessage } : { code: 0 },
                },
              ],
            },
          ],
        };
      });
      const body = JSON.stringify({ resourceSpans });
      // What goes in carries every probe: the zero below is the collector's doing.
      expect(probesFoundIn(body, PROBES)).toHaveLength(PROBES.length);
      const response = await pipeline.post(body);
      expect(response.status).toBe(200);

      await pollUntil(() => pipeline.spans().length >= traceIds.size, 60_000, 250);
    }, 120_000);

    afterAll(async () => {
      await pipeline?.stop();
    });

    it("every span arrives, and not one probe with it", () => {
      const received = pipeline.spans();
      expect(new Set(received.map((s) => s.traceId))).toEqual(traceIds);
      expect([...new Set(pipeline.receiver.requests.flatMap((r) => leaksIn(r, "", PROBES)))]).toEqual([]);
      expect(probesFoundIn(pipeline.receiver.rawBodies.join("\n"), PROBES).map((p) => `${p.kind}: ${p.value}`)).toEqual(
        [],
      );
    });
  });
});
