import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_REFERENCE_PAGE, configReferencePage } from "./config-reference";

describe("docs/configuration.md", () => {
  it("is the page `npm run docs:config` generates from the key declarations in infra/config", async () => {
    // On a difference: run `npm run docs:config` and commit the page with the declarations.
    expect(readFileSync(CONFIG_REFERENCE_PAGE, "utf8")).toBe(await configReferencePage());
  });
});
