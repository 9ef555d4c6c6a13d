import { describe, expect, it } from "vitest";
import { ALLOWED_ATTRIBUTE_KEYS, ALLOWED_VALUE_PATTERNS, BLOCKED_VALUE_PATTERNS, BODY_KEY_PATTERN } from "./pii";

/** The patterns are RE2 within the syntax JavaScript shares; a leading `(?i)` becomes the `i` flag. */
function jsRegExp(pattern: string, flags = ""): RegExp {
  return pattern.startsWith("(?i)") ? new RegExp(pattern.slice(4), `i${flags}`) : new RegExp(pattern, flags);
}

/** What the redaction processor does to an allowed value: each blocked match becomes `****`. */
function mask(value: string): string {
  if (ALLOWED_VALUE_PATTERNS.some(({ pattern }) => jsRegExp(pattern).test(value))) return value;
  return BLOCKED_VALUE_PATTERNS.reduce((v, { pattern }) => v.replace(jsRegExp(pattern, "g"), "****"), value);
}

// Deliberately fake probes: reserved example domains, fictional numbers, test card numbers.
const PROBES = {
  email: "probe.person@example.com",
  encodedEmail: "probe.person%40example.org",
  intlPhone: "+1 (555) 010-4477",
  compactIntlPhone: "+79990001122",
  nationalPhone: "(555) 010-4477",
  groupedPhone: "999 000-11-22",
  card: "4111111111111111",
  groupedCard: "4111 1111 1111 1111",
  dashedCard: "5500-0000-0000-0004",
  amex: "3782 822463 10005",
  bearer: "Bearer abcdefghijklmnop.qrstuvwx",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.c2lnbmF0dXJlLXByb2Jl",
  basic: "Basic cHJvYmU6cHJvYmUtcGFzc3dvcmQ=",
  urlCredentials: "amqp://probe-user:probe-pass@rabbitmq:5672/orders",
  secret: "password=probe-secret-value",
  awsKey: "AKIAPROBEPROBEPROBE0",
};

describe("blocked value patterns", () => {
  it("mask every kind of probe, alone and inside a sentence", () => {
    for (const [kind, probe] of Object.entries(PROBES)) {
      expect(mask(probe), kind).not.toContain(probe);
      const sentence = `order failed for ${probe} at step 3`;
      const masked = mask(sentence);
      expect(masked, kind).toContain("****");
      expect(masked, kind).not.toContain(probe);
      expect(masked.startsWith("order failed for"), kind).toBe(true);
    }
  });

  it("leave the values we must keep untouched", () => {
    const kept = [
      "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      "12345678-1234-1234-1234-123456789012",
      "2026-11-25T10:20:30.123Z",
      "2026-11-25T10:20:30Z",
      "10.244.12.34",
      "172.217.16.14",
      "192.168.100.200",
      "/orders/3f2504e0-4f89-41d3-9a0c-0305e82c3301/approve",
      "https://shop.example.internal/orders/42",
      "IN_PRODUCTION",
      "orders.mes publish",
      "PutObject",
      "models/3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      "v20.19.0",
      "node.js 20.19.0 x64",
      "1.2.3",
      "ORD-2026-000042",
    ];
    for (const value of kept) expect(mask(value), value).toBe(value);
  });
});

describe("allowed value patterns", () => {
  it("match only whole UUIDs and ISO-8601 UTC timestamps, not values that embed them", () => {
    const allowed = (v: string): boolean => ALLOWED_VALUE_PATTERNS.some(({ pattern }) => jsRegExp(pattern).test(v));
    expect(allowed("3f2504e0-4f89-41d3-9a0c-0305e82c3301")).toBe(true);
    expect(allowed("2026-11-25T10:20:30.123Z")).toBe(true);
    expect(allowed(`3f2504e0-4f89-41d3-9a0c-0305e82c3301 ${PROBES.email}`)).toBe(false);
    expect(allowed(`2026-11-25T10:20:30Z ${PROBES.intlPhone}`)).toBe(false);
  });
});

describe("allowed attribute keys", () => {
  it("carry the trace-content contract and nothing that names a person or a payload", () => {
    for (const key of [
      "service.name",
      "k8s.node.name",
      "k8s.pod.name",
      "host.name",
      "http.request.method",
      "url.full",
      "url.path",
      "order.id",
      "order.status",
      "order.previous_status",
      "order.status_changed_at",
    ]) {
      expect(ALLOWED_ATTRIBUTE_KEYS).toContain(key);
    }
    for (const key of ALLOWED_ATTRIBUTE_KEYS) {
      expect(key).not.toMatch(/body|payload|email|phone|user|password|token|cookie|query|header|address\.|client/i);
    }
    expect(new Set(ALLOWED_ATTRIBUTE_KEYS).size).toBe(ALLOWED_ATTRIBUTE_KEYS.length);
  });

  it("leave out what carries customer data: query strings, user agents, callers' addresses, S3 object names", () => {
    for (const key of ["url.query", "user_agent.original", "client.address", "network.peer.address", "aws.s3.key"]) {
      expect(ALLOWED_ATTRIBUTE_KEYS).not.toContain(key);
    }
  });
});

describe("body key pattern", () => {
  it("matches body and payload attributes, not keys that merely contain the letters", () => {
    const body = jsRegExp(BODY_KEY_PATTERN);
    for (const key of ["http.request.body", "http.response.body.content", "messaging.message.payload", "Body"]) {
      expect(body.test(key), key).toBe(true);
    }
    for (const key of ["order.id", "antibody.count", "http.route", "payloads_total"]) {
      expect(body.test(key), key).toBe(false);
    }
  });
});
