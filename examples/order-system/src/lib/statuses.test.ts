import { describe, expect, it } from "vitest";
import { HAPPY_PATH, ORDER_STATUSES, TERMINAL_STATUSES, canMove } from "./statuses";
import { OrderStore, type TrackedOrder } from "./order-store";

describe("order statuses", () => {
  it("allow the happy path of ../shared/DESIGN.md step by step, and no skipping", () => {
    for (let i = 1; i < HAPPY_PATH.length; i++) expect(canMove(HAPPY_PATH[i - 1], HAPPY_PATH[i])).toBe(true);
    expect(canMove("SUBMITTED", "SENT_TO_MES")).toBe(false);
    expect(canMove("ACCEPTED", "MANUFACTURED")).toBe(false);
  });

  it("let nothing leave a terminal status", () => {
    for (const terminal of TERMINAL_STATUSES) {
      expect(ORDER_STATUSES.filter((to) => canMove(terminal, to))).toEqual([]);
    }
  });

  it("record each change with its previous status and time, and refuse a wrong move", () => {
    const store = new OrderStore<TrackedOrder>();
    const order: TrackedOrder = { orderId: "o-1", status: "SUBMITTED", statusChangedAt: "2026-01-01T00:00:00.000Z" };
    store.add(order);
    const at = new Date("2026-11-25T10:00:00.000Z");
    expect(store.move(order, "APPROVED", at)).toEqual({
      orderId: "o-1",
      status: "APPROVED",
      previousStatus: "SUBMITTED",
      changedAt: "2026-11-25T10:00:00.000Z",
    });
    expect(store.get("o-1")).toMatchObject({ status: "APPROVED", statusChangedAt: "2026-11-25T10:00:00.000Z" });
    expect(() => store.move(order, "DELIVERED")).toThrow("order o-1 is APPROVED; it cannot move to DELIVERED");
  });
});
