import { describe, expect, it } from "vitest";
import { DEFAULT_RULES, parseRules } from "../src/rules";

describe("parseRules", () => {
  it("uses the defaults when the variable is unset or blank", () => {
    expect(parseRules(undefined)).toEqual({ rules: DEFAULT_RULES, problems: [] });
    expect(parseRules("  ")).toEqual({ rules: DEFAULT_RULES, problems: [] });
  });

  it("replaces the sections it is given and keeps the others", () => {
    const { rules, problems } = parseRules(
      JSON.stringify({
        orderId: { httpRoutes: ["/api/v1/orders/:orderId/*"] },
        statusEvents: {
          amqp: [{ direction: "publish", routingKey: "mes.status", orderIdField: "orderId", statusField: "status" }],
          http: [{ method: "POST", route: "/orders/:orderId/start", statusField: "status" }],
        },
      }),
    );
    expect(problems).toEqual([]);
    expect(rules.orderId.httpRoutes).toEqual(["/api/v1/orders/:orderId/*"]);
    expect(rules.orderId.s3KeyPatterns).toEqual(DEFAULT_RULES.orderId.s3KeyPatterns);
    expect(rules.statusEvents.amqp).toHaveLength(1);
    expect(rules.statusEvents.http[0].route).toBe("/orders/:orderId/start");
    expect(rules.baggageAllowList).toEqual(["order.id"]);
  });

  it("reports every problem at once and falls back to the defaults", () => {
    const { rules, problems } = parseRules(
      JSON.stringify({
        orderIds: {},
        orderId: { httpRoutes: ["/orders/:id"], s3KeyPatterns: "models/" },
        statusEvents: { amqp: [{ direction: "sideways", statusField: "status" }] },
        maxInspectedBodyBytes: -1,
      }),
    );
    expect(rules).toBe(DEFAULT_RULES);
    expect(problems).toEqual(
      expect.arrayContaining([
        'unknown key "orderIds"',
        'orderId.httpRoutes: "/orders/:id" has no :orderId parameter',
        "orderId.s3KeyPatterns must be an array of non-empty strings",
        'statusEvents.amqp[0].direction must be "publish" or "consume"',
        "statusEvents.amqp[0].orderIdField must be a JSON field",
        "maxInspectedBodyBytes must be an integer between 0 and 1048576",
      ]),
    );
  });

  it("names invalid JSON", () => {
    const { rules, problems } = parseRules("{orderId:");
    expect(rules).toBe(DEFAULT_RULES);
    expect(problems[0]).toMatch(/^not valid JSON/);
  });
});
