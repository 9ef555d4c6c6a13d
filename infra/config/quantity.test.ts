import { describe, expect, it } from "vitest";
import { cpuQuantity, memoryQuantity, parseQuantity } from "./quantity";

describe("parseQuantity", () => {
  it("reads binary and decimal suffixes, millis and exponents", () => {
    expect(parseQuantity("64Mi")).toBe(64 * 2 ** 20);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseQuantity("500M")).toBe(500e6);
    expect(parseQuantity("250m")).toBe(0.25);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("1e3")).toBe(1000);
  });

  it("refuses what Kubernetes would refuse", () => {
    for (const text of ["", "Mi", "64MB", "-1Gi", "1 Gi", "0x10"]) expect(parseQuantity(text)).toBeUndefined();
  });
});

describe("quantity checks", () => {
  it("accept sizes and CPU amounts and describe the expected form otherwise", () => {
    expect(memoryQuantity("128Mi")).toBeUndefined();
    expect(memoryQuantity("0")).toMatch(/expected a memory size such as "128Mi"/);
    expect(memoryQuantity("128MB")).toBe(
      'expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "128MB"',
    );
    expect(cpuQuantity("250m")).toBeUndefined();
    expect(cpuQuantity("0.5")).toBeUndefined();
    expect(cpuQuantity("1Gi")).toMatch(/expected a CPU amount/);
    expect(cpuQuantity("0m")).toMatch(/expected a CPU amount/);
  });
});
