import { describe, expect, it } from "vitest";
import { asOrderId, matchFirst, matchTemplate, orderIdFromBody, parseJsonBody, pathOf, readField } from "../src/match";
import { DEFAULT_RULES } from "../src/rules";

describe("order id extraction rules", () => {
  it("reads the :orderId route parameter of an HTTP path", () => {
    const routes = DEFAULT_RULES.orderId.httpRoutes;
    expect(matchFirst(routes, "/orders/ORD-42")).toBe("ORD-42");
    expect(matchFirst(routes, "/orders/ORD-42/approve")).toBe("ORD-42");
    expect(matchFirst(routes, "/orders/b3c1f0e2-5d4a-4c4e-9f59-0a5b2e7c9d11/start/now")).toBe(
      "b3c1f0e2-5d4a-4c4e-9f59-0a5b2e7c9d11",
    );
    expect(matchFirst(routes, "/orders")).toBeUndefined();
    expect(matchFirst(routes, "/customers/ORD-42")).toBeUndefined();
    expect(matchTemplate("/orders/:orderId", "/orders/ORD%2D42")).toBe("ORD-42");
  });

  it("reads the order id from an S3 key prefix", () => {
    const patterns = DEFAULT_RULES.orderId.s3KeyPatterns;
    expect(matchFirst(patterns, "models/ORD-7/bracket.stl")).toBe("ORD-7");
    expect(matchFirst(patterns, "models/ORD-7/parts/a/b.stl")).toBe("ORD-7");
    expect(matchFirst(patterns, "models/ORD-7")).toBeUndefined();
    expect(matchFirst(patterns, "invoices/ORD-7/x.pdf")).toBeUndefined();
  });

  it("reads the order id from a JSON field of a message body, dotted paths included", () => {
    const fields = DEFAULT_RULES.orderId.amqpBodyFields;
    expect(orderIdFromBody({ orderId: "ORD-1", status: "APPROVED" }, fields)).toBe("ORD-1");
    expect(orderIdFromBody({ order: { id: 77 } }, fields)).toBe("77");
    expect(orderIdFromBody({ "order.id": "ORD-3" }, fields)).toBe("ORD-3");
    expect(orderIdFromBody({ id: "ORD-1" }, fields)).toBeUndefined();
    expect(readField({ a: { b: { c: 1 } } }, "a.b.c")).toBe(1);
  });

  it("refuses values that are not plausible order ids, so personal data never becomes one", () => {
    expect(asOrderId("probe.persona@example.invalid")).toBeUndefined();
    expect(asOrderId("Probe Persona")).toBeUndefined();
    expect(asOrderId("x".repeat(65))).toBeUndefined();
    expect(asOrderId(-1)).toBeUndefined();
    expect(matchFirst(["/orders/:orderId"], "/orders/a%40b.example")).toBeUndefined();
  });

  it("parses only small JSON objects", () => {
    expect(parseJsonBody(Buffer.from('{"orderId":"A"}'), 1024)).toEqual({ orderId: "A" });
    expect(parseJsonBody(Buffer.from('{"orderId":"A"}'), 5)).toBeUndefined();
    expect(parseJsonBody("not json", 1024)).toBeUndefined();
    expect(parseJsonBody("[1,2]", 1024)).toBeUndefined();
    expect(parseJsonBody(Buffer.alloc(0), 1024)).toBeUndefined();
  });

  it("drops query strings and fragments from request targets", () => {
    expect(pathOf("/orders/1?email=a@b.c#x")).toBe("/orders/1");
    expect(pathOf("/orders/1")).toBe("/orders/1");
  });
});
