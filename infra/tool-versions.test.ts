import { describe, expect, it } from "vitest";
import { toolVersion } from "./tool-versions";

describe("toolVersion", () => {
  it("reads a pinned version from tools/versions.env and refuses a name that is not pinned", () => {
    expect(toolVersion("OAUTH2_PROXY_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    expect(() => toolVersion("NO_SUCH_TOOL_VERSION")).toThrow(/NO_SUCH_TOOL_VERSION is not pinned/);
  });
});
