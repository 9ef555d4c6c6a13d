import { describe, expect, it } from "vitest";
import { SHOP_MATERIALS } from "../shop/app";
import { MES_MATERIALS, planPrintJob } from "./catalogue";

describe("MES material catalogue", () => {
  it("plans a print job for a material it knows", () => {
    expect(planPrintJob({ orderId: "o-1", material: "PETG", quantity: 3 })).toEqual({
      orderId: "o-1",
      copies: 3,
      nozzleTemperatureC: 240,
      bedTemperatureC: 80,
      layerHeightMm: 0.2,
    });
  });

  it("has the documented defect: the shop sells TPU, which MES does not know, and planning it throws", () => {
    expect(SHOP_MATERIALS.filter((material) => !(material in MES_MATERIALS))).toEqual(["TPU"]);
    expect(() => planPrintJob({ orderId: "o-2", material: "TPU", quantity: 1 })).toThrow(TypeError);
  });
});
