import { describe, expect, it } from "vitest";
import { formatTable } from "./table";

describe("formatTable", () => {
  it("pads columns to the widest cell, right-aligns where asked and trims line ends", () => {
    expect(
      formatTable(
        ["STATUS", "STUCK", "NOTE"],
        [
          ["ACCEPTED", "12", "mes"],
          ["SHIPPED", "3", ""],
        ],
        ["left", "right"],
      ),
    ).toEqual(["STATUS    STUCK  NOTE", "ACCEPTED     12  mes", "SHIPPED       3"]);
  });

  it("prints only the header when there are no rows", () => {
    expect(formatTable(["A", "B"], [])).toEqual(["A  B"]);
  });
});
