import { describe, expect, it } from "vitest";
import { isAllowedKey, scrubAttributes, scrubText, stripUrl } from "../src/scrub";
import { leakedProbes, PII_PROBES, probeQueryString } from "./pii-probes";

describe("PII scrubbing of attributes", () => {
  it("strips query strings, fragments and user info from URLs and targets", () => {
    const scrubbed = scrubAttributes({
      "url.full": `http://probe-user:${PII_PROBES.password}@shop.internal:8080/orders/ORD-1?${probeQueryString()}#frag`,
      "http.url": `https://crm.internal/orders?${probeQueryString()}`,
      "http.target": `/orders/ORD-1?${probeQueryString()}`,
      "url.path": "/orders/ORD-1",
      "messaging.url": `amqp://probe-user:${PII_PROBES.password}@rabbitmq:5672`,
    });
    expect(scrubbed).toEqual({
      "url.full": "http://shop.internal:8080/orders/ORD-1",
      "http.url": "https://crm.internal/orders",
      "http.target": "/orders/ORD-1",
      "url.path": "/orders/ORD-1",
      "messaging.url": "amqp://rabbitmq:5672",
    });
  });

  it("drops headers, bodies and every key outside the allow-list", () => {
    const scrubbed = scrubAttributes({
      "http.request.header.authorization": [PII_PROBES.bearer],
      "http.request.header.cookie": ["session=abc"],
      "http.request.body": JSON.stringify({ customer: { name: PII_PROBES.name, email: PII_PROBES.email } }),
      "messaging.message.body": `{"email":"${PII_PROBES.email}"}`,
      "aws.s3.key": `models/ORD-1/${PII_PROBES.name}.stl`,
      "enduser.id": PII_PROBES.email,
      "client.address": "203.0.113.7",
      "user_agent.original": "curl/8",
      "customer.phone": PII_PROBES.phone,
      "http.request.method": "POST",
      "http.response.status_code": 201,
      "service.name": "shop",
      "order.id": "ORD-1",
    });
    expect(scrubbed).toEqual({
      "http.request.method": "POST",
      "http.response.status_code": 201,
      "service.name": "shop",
      "order.id": "ORD-1",
    });
    expect(isAllowedKey("k8s.pod.name")).toBe(true);
    expect(isAllowedKey("exception.message")).toBe(true);
    expect(isAllowedKey("exception.user_email")).toBe(false);
  });

  it("redacts e-mails, phones, card numbers and tokens inside allowed values", () => {
    const message =
      `order for ${PII_PROBES.email} (phone ${PII_PROBES.phone}) paid with ${PII_PROBES.card}; ` +
      `auth ${PII_PROBES.bearer}, jwt ${PII_PROBES.jwt}, password=${PII_PROBES.password}`;
    const scrubbed = scrubAttributes({
      "exception.message": message,
      "exception.stacktrace": `Error: ${message}\n    at handler (/app/shop.js:10:5)`,
      "db.statement": `SELECT * FROM customers WHERE email = '${PII_PROBES.email}'`,
    });
    for (const value of Object.values(scrubbed)) expect(leakedProbes(String(value))).toEqual([]);
    expect(scrubbed["exception.message"]).toContain("[REDACTED:email]");
    expect(scrubbed["exception.message"]).toContain("[REDACTED:phone]");
    expect(scrubbed["exception.message"]).toContain("[REDACTED:card]");
    expect(scrubbed["exception.message"]).toContain("[REDACTED:token]");
    expect(scrubbed["exception.message"]).toContain("[REDACTED:jwt]");
    expect(scrubbed["exception.message"]).toContain("[REDACTED:secret]");
    expect(scrubbed["exception.stacktrace"]).toContain("at handler (/app/shop.js:10:5)");
  });

  it("leaves ids, dates, versions and paths alone", () => {
    const safe = [
      "/orders/b3c1f0e2-5d4a-4c4e-9f59-0a5b2e7c9d11/approve",
      "11111111-2222-3333-4444-555555555555",
      "2026-11-25T10:15:00.000Z",
      "order ORD-2026-000123 failed: material PLA-X unknown",
      "v20.20.2",
      "1234567890123", // 13 digits that fail the Luhn check
    ];
    for (const value of safe) expect(scrubText(value)).toBe(value);
  });

  it("keeps the trusted order attributes exactly as recorded", () => {
    const attributes = {
      "order.id": "ORD-1",
      "order.status": "APPROVED",
      "order.previous_status": "SUBMITTED",
      "order.status_changed_at": "2026-11-25T10:15:00.000Z",
    };
    expect(scrubAttributes(attributes)).toEqual(attributes);
  });

  it("scrubs a value seen before exactly as the first time (the cache never hands back the raw value)", () => {
    const values = [
      `order for ${PII_PROBES.email}`,
      `call ${PII_PROBES.phone}`,
      `card ${PII_PROBES.card}`,
      `auth ${PII_PROBES.bearer}`,
      "GET",
      "/orders/:id",
    ];
    const first = values.map(scrubText);
    const again = values.map(scrubText);
    expect(again).toEqual(first);
    for (const value of again) expect(leakedProbes(value)).toEqual([]);
    // A value longer than the cache takes is scrubbed all the same.
    const long = `${"x".repeat(400)} ${PII_PROBES.email}`;
    expect(scrubText(long)).toContain("[REDACTED:email]");
    expect(scrubText(long)).toBe(scrubText(long));
  });

  it("keeps a URL that does not parse as a path without query", () => {
    expect(stripUrl(`/relative?email=${PII_PROBES.email}`)).toBe("/relative");
  });
});
