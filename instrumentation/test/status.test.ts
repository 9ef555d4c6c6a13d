import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GLOBAL_HOOK, InstrumentationHook } from "../src/global-hook";
import { LastStatusMemory } from "../src/order-context";
import { isInstrumentationLoaded, recordStatusChange, setOrderId } from "../src/status";
import { STATUS_CHANGE_SPAN } from "../../contract/trace";
import { StatusRecorder, statusChangeAttributes } from "../src/status-recorder";
import { tracingFixture } from "./tracing-fixture";

const globals = globalThis as { [GLOBAL_HOOK]?: InstrumentationHook };

describe("order.status_change attributes", () => {
  const fixedNow = () => new Date("2026-11-25T10:00:00.000Z");

  it("follows the trace contract", () => {
    const attributes = statusChangeAttributes(
      { orderId: "ORD-1", status: "approved", previousStatus: "SUBMITTED", changedAt: "2026-11-25T11:30:00+01:00" },
      new LastStatusMemory(),
      fixedNow,
    );
    expect(attributes).toEqual({
      "order.id": "ORD-1",
      "order.status": "APPROVED",
      "order.previous_status": "SUBMITTED",
      "order.status_changed_at": "2026-11-25T10:30:00.000Z",
    });
  });

  it("marks the first status and fills an unknown previous status from memory", () => {
    const memory = new LastStatusMemory();
    expect(
      statusChangeAttributes({ orderId: "A", status: "CREATED", previousStatus: null }, memory, fixedNow),
    ).toMatchObject({ "order.previous_status": "NONE", "order.status_changed_at": "2026-11-25T10:00:00.000Z" });
    expect(statusChangeAttributes({ orderId: "A", status: "SUBMITTED" }, memory, fixedNow)).toMatchObject({
      "order.previous_status": "UNKNOWN",
    });
    memory.set("A", "SUBMITTED");
    expect(statusChangeAttributes({ orderId: "A", status: "APPROVED" }, memory, fixedNow)).toMatchObject({
      "order.previous_status": "SUBMITTED",
    });
  });

  it("refuses unusable input instead of emitting a wrong span", () => {
    const memory = new LastStatusMemory();
    expect(statusChangeAttributes({ orderId: "a@b.example", status: "CREATED" }, memory)).toBe(
      "orderId is not a plausible order id",
    );
    expect(statusChangeAttributes({ orderId: "A", status: "two words" }, memory)).toMatch(/status/);
    expect(statusChangeAttributes({ orderId: "A", status: "CREATED", changedAt: "yesterday" }, memory)).toBe(
      "changedAt is not a date",
    );
  });
});

describe("StatusRecorder", () => {
  it("emits the span as a child of the current span and gives the tree the order id", async () => {
    const t = tracingFixture();
    const problems: string[] = [];
    const recorder = new StatusRecorder(t.tracer, t.orderContext, (reason) => problems.push(reason));
    const parent = t.tracer.startSpan("POST /orders/:id/approve");
    recorder.record(
      { orderId: "ORD-2", status: "APPROVED", previousStatus: "SUBMITTED" },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    parent.end();
    await t.flush();
    const change = t.byName(STATUS_CHANGE_SPAN);
    expect(change?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(change?.attributes).toMatchObject({ "order.id": "ORD-2", "order.status": "APPROVED" });
    expect(t.byName("POST /orders/:id/approve")?.attributes["order.id"]).toBe("ORD-2");
    recorder.record({ orderId: "", status: "APPROVED" });
    expect(problems).toEqual(["orderId is not a plausible order id"]);
  });

  it("skips a detected event that repeats the last status", async () => {
    const t = tracingFixture();
    const recorder = new StatusRecorder(t.tracer, t.orderContext, () => undefined);
    recorder.recordIfChanged({ orderId: "ORD-3", status: "IN_PRODUCTION" }, ROOT_CONTEXT);
    recorder.recordIfChanged({ orderId: "ORD-3", status: "IN_PRODUCTION" }, ROOT_CONTEXT);
    await t.flush();
    expect(t.exported().filter((span) => span.name === STATUS_CHANGE_SPAN)).toHaveLength(1);
  });
});

describe("the status API module", () => {
  afterEach(() => {
    delete globals[GLOBAL_HOOK];
  });

  it("is a no-op when the instrumentation is not loaded", () => {
    expect(isInstrumentationLoaded()).toBe(false);
    expect(() => recordStatusChange({ orderId: "ORD-1", status: "CREATED" })).not.toThrow();
    expect(() => setOrderId("ORD-1")).not.toThrow();
  });

  it("forwards to the loaded bundle and never throws into the caller", () => {
    const hook = { recordStatusChange: vi.fn(), setOrderId: vi.fn() };
    globals[GLOBAL_HOOK] = hook;
    expect(isInstrumentationLoaded()).toBe(true);
    recordStatusChange({ orderId: "ORD-1", status: "CREATED", previousStatus: null });
    setOrderId("ORD-1");
    expect(hook.recordStatusChange).toHaveBeenCalledWith({ orderId: "ORD-1", status: "CREATED", previousStatus: null });
    expect(hook.setOrderId).toHaveBeenCalledWith("ORD-1");
    hook.recordStatusChange.mockImplementation(() => {
      throw new Error("broken bundle");
    });
    expect(() => recordStatusChange({ orderId: "ORD-1", status: "CREATED" })).not.toThrow();
  });
});
