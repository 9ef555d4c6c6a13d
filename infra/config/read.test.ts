import { describe, expect, it } from "vitest";
import { ConfigReader, secretKeysOf } from "./read";

describe("ConfigReader.secret", () => {
  it("accepts a set secret and refuses plain text or a missing required secret, saying how to set it", () => {
    const read = new ConfigReader({ clientSecret: "s3cr3t-value", cookie: "plain" }, new Set(["clientSecret"]));
    expect(read.secret("clientSecret", true)).toBe(true);
    expect(read.secret("cookie", true)).toBe(true);
    expect(read.secret("storagePassword", true, "storage.kind is external")).toBe(false);
    expect(read.secret("optional", false)).toBe(false);
    expect(read.errors.map((e) => e.message)).toEqual([
      "order-tracing:cookie: must be a Pulumi secret, not plain text; set it with `pulumi config set --secret order-tracing:cookie <value>`",
      "order-tracing:storagePassword: missing: storage.kind is external; set it with `pulumi config set --secret order-tracing:storagePassword <value>`",
    ]);
  });
});

describe("ConfigReader numbers", () => {
  it("parses numbers given as text and names the expected range", () => {
    const read = new ConfigReader({ a: "7", b: "-1", c: "x", d: 2.5 });
    expect(read.number("a", 1, { min: 1, integer: true })).toBe(7);
    expect(read.number("b", 1, { min: 1, integer: true })).toBe(1);
    expect(read.number("c", 3)).toBe(3);
    expect(read.number("d", 1, { integer: true })).toBe(1);
    expect(read.errors.map((e) => e.message)).toEqual([
      "order-tracing:b: expected an integer of at least 1, got -1",
      'order-tracing:c: expected a number, got string "x"',
      "order-tracing:d: expected an integer, got 2.5",
    ]);
  });
});

describe("ConfigReader.list", () => {
  it("returns a list, an empty list when unset, and names the key when the value is not a list", () => {
    const read = new ConfigReader({ a: { items: [{ name: "x" }] }, b: "text" });
    expect(read.list("a.items")).toEqual([{ name: "x" }]);
    expect(read.list("missing")).toEqual([]);
    expect(read.list("b")).toEqual([]);
    expect(read.errors.map((e) => e.message)).toEqual(['order-tracing:b: expected a list, got string "text"']);
  });
});

describe("secretKeysOf", () => {
  it("reads the namespace's secret keys from the language host's list", () => {
    const keys = secretKeysOf("order-tracing", {
      PULUMI_CONFIG_SECRET_KEYS: '["order-tracing:oidcClientSecret","aws:secretKey"]',
    });
    expect([...keys]).toEqual(["oidcClientSecret"]);
  });
});
