import { describe, expect, it } from "vitest";
import { scrubAttributes } from "../src/scrub";
import {
  PATH_MAY_NEED_REDACTION,
  PATH_REDACTION,
  PATH_SEGMENT_REPLACEMENTS,
  redactPathSegments,
} from "../src/url-path";

const R = PATH_REDACTION;

/** The collector's way: every pattern in order, with no precondition. */
function byPatterns(path: string): string {
  return PATH_SEGMENT_REPLACEMENTS.reduce(
    (value, [pattern, replacement]) => value.replace(new RegExp(pattern, "g"), replacement),
    path,
  );
}

const CASES: Array<[path: string, expected: string]> = [
  // Route words and ids stay.
  ["/orders", "/orders"],
  ["/orders/b3c1f0e2-5d4a-4c4e-9f59-0a5b2e7c9d11/approve", "/orders/b3c1f0e2-5d4a-4c4e-9f59-0a5b2e7c9d11/approve"],
  ["/orders/ORD-2026-000123", "/orders/ORD-2026-000123"],
  ["/models/ORD-1/cube.stl", "/models/ORD-1/cube.stl"],
  ["/work-orders/42/start", "/work-orders/42/start"],
  ["/api/v2/orders:search", "/api/v2/orders:search"],
  ["/", "/"],
  // Names, addresses and encoded values go.
  ["/customers/Quillon%20Probewright/orders", `/customers/${R}/orders`],
  ["/customers/Quillon/Probewright", `/customers/${R}/${R}`],
  ["/a/Quillon/Marvessa/Tobrin/Yselde", `/a/${R}/${R}/${R}/${R}`],
  ["/customers/QuillonProbewright", `/customers/${R}`],
  ["/ship/10%20Probe%20Lane%2C%20Testville%20North", `/ship/${R}`],
  ["/call/+1%20555%20010%204400", `/call/${R}`],
  ["/by-email/probe.customer0@example.invalid", `/by-email/${R}`],
  ["/files/Quillon Probewright bracket.stl", `/files/${R}`],
  ["/files/Bracket.stl", `/files/${R}`],
  ["/кто/Иван", `/${R}/${R}`],
];

describe("path segments that may carry a person", () => {
  it.each(CASES)("%s → %s", (path, expected) => {
    expect(redactPathSegments(path)).toBe(expected);
  });

  it("changes nothing when applied again", () => {
    for (const [, expected] of CASES) expect(redactPathSegments(expected)).toBe(expected);
  });

  it("needs the patterns only where the precondition matches", () => {
    const precondition = new RegExp(PATH_MAY_NEED_REDACTION);
    // Every case it would change is one the precondition lets through…
    for (const [path, expected] of CASES) if (expected !== path) expect(precondition.test(path), path).toBe(true);
    // …and skipping the values it does not match changes no result, over random paths.
    const alphabet = "abcXYZ019/._~:-%@+ ,[]é";
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let i = 0; i < 5_000; i++) {
      const path = Array.from({ length: 1 + (next() % 24) }, () => alphabet[next() % alphabet.length]).join("");
      if (!precondition.test(path)) expect(byPatterns(path), path).toBe(path);
      expect(byPatterns(path), path).toBe(redactPathSegments(path));
    }
  });

  it("applies to URLs and request targets, not to route templates", () => {
    expect(
      scrubAttributes({
        "url.full": "http://shop.internal:8080/customers/Quillon%20Probewright?x=1",
        "url.path": "/customers/Quillon%20Probewright",
        "http.target": "/customers/Quillon?x=1",
        "http.route": "/customers/:name",
      }),
    ).toEqual({
      "url.full": `http://shop.internal:8080/customers/${R}`,
      "url.path": `/customers/${R}`,
      "http.target": `/customers/${R}`,
      "http.route": "/customers/:name",
    });
  });
});
