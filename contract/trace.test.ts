import { describe, expect, it } from "vitest";
import * as examples from "../examples/order-system/src/lib/statuses";
import { ALLOWED_ATTRIBUTE_KEYS } from "../infra/collector/pii";
import { isAllowedKey } from "../instrumentation/src/scrub";
import {
  AWS_ATTRIBUTE_KEYS,
  HAPPY_PATH,
  HTTP_ATTRIBUTE_KEYS,
  LEGACY_HTTP_ATTRIBUTE_KEYS,
  MESSAGING_ATTRIBUTE_KEYS,
  HEALTH_CHECK_PATHS,
  NO_PREVIOUS_STATUS,
  ORDER_ATTRIBUTE_KEYS,
  ORDER_ATTRIBUTES,
  ORDER_STATUSES,
  SECRET_ASSIGNMENT_SOURCE,
  TERMINAL_STATUSES,
  UNKNOWN_PREVIOUS_STATUS,
} from "./trace";

describe("the trace contract", () => {
  it("names every order attribute under order.*, once", () => {
    expect(ORDER_ATTRIBUTE_KEYS.every((key) => key.startsWith("order."))).toBe(true);
    expect(new Set(ORDER_ATTRIBUTE_KEYS).size).toBe(ORDER_ATTRIBUTE_KEYS.length);
    expect(Object.values(ORDER_ATTRIBUTES).sort()).toEqual([...ORDER_ATTRIBUTE_KEYS].sort());
  });

  it("keeps the 'no previous status' markers apart from every status", () => {
    expect(NO_PREVIOUS_STATUS).toBe("NONE");
    expect(UNKNOWN_PREVIOUS_STATUS).not.toBe(NO_PREVIOUS_STATUS);
    for (const marker of [NO_PREVIOUS_STATUS, UNKNOWN_PREVIOUS_STATUS]) {
      expect((ORDER_STATUSES as readonly string[]).includes(marker)).toBe(false);
    }
  });

  it("ends the happy path in a terminal status, and no other happy-path status is terminal", () => {
    expect(TERMINAL_STATUSES).toContain(HAPPY_PATH.at(-1));
    expect(HAPPY_PATH.slice(0, -1).filter((status) => TERMINAL_STATUSES.includes(status))).toEqual([]);
  });

  it("lists health paths as absolute paths without a trailing slash", () => {
    for (const path of HEALTH_CHECK_PATHS) expect(path).toMatch(/^\/[a-z]+$/);
  });

  it("writes the secret-assignment pattern so that JavaScript reads it (RE2 reads the same syntax)", () => {
    const pattern = new RegExp(SECRET_ASSIGNMENT_SOURCE, "i");
    expect(pattern.test("token=abc123")).toBe(true);
    expect(pattern.test("Authorization: xyz")).toBe(true);
    expect(pattern.test("tokens are fine")).toBe(false);
  });

  it("is kept whole by both privacy layers: the SDK's scrubber and the collector's allow-list", () => {
    const shared = [
      ...HTTP_ATTRIBUTE_KEYS,
      ...LEGACY_HTTP_ATTRIBUTE_KEYS,
      ...MESSAGING_ATTRIBUTE_KEYS,
      ...AWS_ATTRIBUTE_KEYS,
      ...ORDER_ATTRIBUTE_KEYS,
    ];
    expect(shared.filter((key) => !isAllowedKey(key))).toEqual([]);
    expect(shared.filter((key) => !(ALLOWED_ATTRIBUTE_KEYS as readonly string[]).includes(key))).toEqual([]);
  });

  // The reference order system is its own package: it links the contract through the
  // instrumentation's library (build/lib/contract), compiled from this very file.
  it("is what the reference order system's statuses are", () => {
    expect(examples.HAPPY_PATH).toEqual(HAPPY_PATH);
    expect(examples.ORDER_STATUSES).toEqual(ORDER_STATUSES);
    expect(examples.TERMINAL_STATUSES).toEqual(TERMINAL_STATUSES);
  });
});
