import { describe, expect, it } from "vitest";
import { PII_CORPUS } from "../../test/faults/pii-corpus";
import {
  ALLOWED_ATTRIBUTE_KEYS,
  ALLOWED_VALUE_PATTERNS,
  BLOCKED_VALUE_PATTERNS,
  BODY_KEY_PATTERN,
  CLEAN_VALUE_SHAPES,
  REDACTION_ALLOWED_VALUES,
  type BlockedValuePattern,
} from "./pii";

/** The patterns are RE2 within the syntax JavaScript shares; a leading `(?i)` becomes the `i` flag. */
function jsRegExp(pattern: string, flags = ""): RegExp {
  return pattern.startsWith("(?i)") ? new RegExp(pattern.slice(4), `i${flags}`) : new RegExp(pattern, flags);
}

/**
 * What the redaction processor does to a value of an allowed key: a value matching an allowed
 * pattern stays whole, otherwise each blocked match becomes `****` (pattern after pattern).
 */
function maskWith(allowed: readonly BlockedValuePattern[], value: string): string {
  if (allowed.some(({ pattern }) => jsRegExp(pattern).test(value))) return value;
  return BLOCKED_VALUE_PATTERNS.reduce((v, { pattern }) => v.replace(jsRegExp(pattern, "g"), "****"), value);
}
/** The generated config's allowed values: the values we keep and the clean shapes, cheapest first. */
const mask = (value: string): string =>
  maskWith(
    REDACTION_ALLOWED_VALUES.map((pattern) => ({ name: pattern, pattern })),
    value,
  );
/** The same without the clean shapes: what they must never change. */
const maskWithoutShapes = (value: string): string => maskWith(ALLOWED_VALUE_PATTERNS, value);

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
  it("matches no allow-listed key, so the redaction processor removes every body and payload", () => {
    const body = jsRegExp(BODY_KEY_PATTERN);
    for (const key of ALLOWED_ATTRIBUTE_KEYS) expect(body.test(key), key).toBe(false);
  });

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

/** A small seeded generator, so a failure names a value that can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("clean value shapes", () => {
  const next = random(20261201);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const chars = (alphabet: string, min: number, max: number): string =>
    Array.from({ length: min + Math.floor(next() * (max - min + 1)) }, () => pick([...alphabet])).join("");
  const LOWER = "abcdefghijklmnopqrstuvwxyz";
  // Words the blocked patterns look for, so the generated values put them everywhere a shape allows.
  const KEYWORDS = ["password", "passwd", "pwd", "secret", "api_key", "api-key", "apikey", "access_token"];
  const MORE = [
    "refresh-token",
    "token",
    "authorization",
    "session",
    "sessionid",
    "bearer",
    "basic",
    "eyj",
    "akia",
    "asia",
    "shop",
    "orders",
    "vault",
  ];
  const words = [...KEYWORDS, ...MORE];
  // Order ids with digits in most places, so digit patterns get every chance.
  const uuid = () =>
    [8, 4, 4, 4, 12]
      .map((n) => Array.from({ length: n }, () => pick([..."0123456789012345678abcdef"])).join(""))
      .join("-");
  const segment = () =>
    pick([uuid, () => `:${chars(`${LOWER}_.-`, 1, 12)}`, () => pick(words) + chars(`${LOWER}_.-`, 0, 12)])();
  const path = () => (next() < 0.5 ? "/" : "") + Array.from({ length: 1 + Math.floor(next() * 4) }, segment).join("/");
  const host = () =>
    Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(words) + chars(LOWER, 0, 4)).join(pick([".", "-"]));
  const generators: Record<string, () => string> = {
    shortWord: () =>
      pick([
        () => chars(`${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ_-`, 1, 19),
        () => `AKIA${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1, 16)}`,
      ])(),
    path,
    url: () =>
      `${pick(["http", "https", "amqp", "amqps"])}://${host()}${next() < 0.7 ? `:${chars("0123456789", 1, 5)}` : ""}` +
      (next() < 0.8 ? `/${path().replace(/^\//, "")}` : ""),
    dottedNumber: () => Array.from({ length: 2 + Math.floor(next() * 3) }, () => chars("0123456789", 1, 9)).join("."),
  };
  const inShape = (value: string): boolean => CLEAN_VALUE_SHAPES.some(({ pattern }) => jsRegExp(pattern).test(value));

  it("hold no match of any blocked pattern (random values of every shape)", () => {
    for (const [kind, generate] of Object.entries(generators)) {
      let checked = 0;
      for (let i = 0; i < 5_000; i++) {
        const value = generate();
        if (!inShape(value)) continue;
        checked++;
        for (const { name, pattern } of BLOCKED_VALUE_PATTERNS) {
          expect(jsRegExp(pattern).exec(value)?.[0], `${name} inside ${kind} "${value}"`).toBeUndefined();
        }
      }
      // The generators aim at the shapes: most of what they make is in one.
      expect(checked, kind).toBeGreaterThan(2_500);
    }
    // 20,000 values through every pattern: a few seconds, more on a busy machine.
  }, 60_000);

  it("rest on every secret keyword ending in d, t, y or n (the URL shape's port rule)", () => {
    const secret = BLOCKED_VALUE_PATTERNS.find((p) => p.pattern.includes("password"))?.pattern ?? "";
    const keywords = /\\b\(([^)]+)\)/.exec(secret)?.[1].split("|") ?? [];
    expect(keywords.length).toBeGreaterThanOrEqual(7);
    for (const keyword of keywords) expect("dtyn", keyword).toContain(keyword.at(-1));
    // A host that ends in a keyword, with a port, is left to the blocked patterns.
    for (const keyword of KEYWORDS) expect(inShape(`http://vault-${keyword}:8200/`), keyword).toBe(false);
  });

  it("take in the frequent values of the order path", () => {
    for (const value of [
      "POST",
      "SUBMITTED",
      "IN_PRODUCTION",
      "PutObject",
      "http",
      "/orders/:id",
      "/orders/3f2504e0-4f89-41d3-9a0c-0305e82c3301/approve",
      "shop.shop.svc.cluster.local",
      "mes.orders",
      "http://shop.shop.svc.cluster.local:8080/orders/3f2504e0-4f89-41d3-9a0c-0305e82c3301",
      "amqp://rabbitmq.mq.svc:5672/",
      "1.1",
      "20.19.0",
    ]) {
      expect(inShape(value), value).toBe(true);
    }
  });

  it("take in no probe of either corpus, alone or in a URL", () => {
    for (const value of [...Object.values(PROBES), ...PII_CORPUS.map((p) => p.value)]) {
      for (const candidate of [value, `https://shop.example.internal/orders/${value}`, `/orders/${value}`]) {
        expect(inShape(candidate), candidate).toBe(false);
      }
    }
  });

  it("are allowed by the processor's cost-ordered list exactly when a pattern or a shape allows them", () => {
    const either = (value: string): boolean =>
      [...ALLOWED_VALUE_PATTERNS, ...CLEAN_VALUE_SHAPES].some(({ pattern }) => jsRegExp(pattern).test(value));
    const ordered = (value: string): boolean =>
      REDACTION_ALLOWED_VALUES.some((pattern) => jsRegExp(pattern).test(value));
    const values = [
      "",
      "POST",
      "1.1",
      "20.19.0",
      "1.2.3.4.5",
      "1234567890",
      "2026-12-06T05:00:00.123Z",
      "0B9F6A52-4A8E-4C83-9D55-3C1E8F0A7B21",
      ...Object.values(PROBES),
      ...PII_CORPUS.map((p) => p.value),
      ...Object.values(generators).flatMap((generate) => Array.from({ length: 2_000 }, generate)),
    ];
    let allowed = 0;
    for (const value of values) {
      expect(ordered(value), value).toBe(either(value));
      if (either(value)) allowed++;
    }
    // Both outcomes occur: the comparison is not vacuous.
    expect(allowed).toBeGreaterThan(1_000);
    expect(values.length - allowed).toBeGreaterThan(100);
  });

  it("change nothing the redaction processor exports", () => {
    const values = [
      ...Object.values(PROBES),
      ...PII_CORPUS.map((p) => p.value),
      ...Object.values(PROBES).map((p) => `order failed for ${p} at step 3`),
      ...Object.values(generators).flatMap((generate) => Array.from({ length: 500 }, generate)),
      "http://vault-secret:8200/",
      "password",
      "Quillon",
    ];
    for (const value of values) expect(mask(value), value).toBe(maskWithoutShapes(value));
  });
});
