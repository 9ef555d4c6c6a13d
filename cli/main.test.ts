import { afterEach, describe, expect, it, vi } from "vitest";
import { main, usage } from "./main";

describe("order-tracing --help", () => {
  afterEach(() => vi.restoreAllMocks());

  it("names every command with what it does", () => {
    const lines = usage().split("\n");
    for (const name of ["report", "local"]) {
      const line = lines.find((l) => l.trimStart().startsWith(`${name} `));
      expect(line, name).toMatch(new RegExp(`^  ${name}\\s+\\S.{20,}\\(docs/\\w+\\.md\\)$`));
    }
  });

  it("prints the usage and exits 0; with no command it exits 2", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(await main(["--help"])).toBe(0);
    expect(await main([])).toBe(2);
    expect(log.mock.calls.map(([text]) => text)).toEqual([usage(), usage()]);
  });

  it("`<command> --help` prints that command's own usage and exits 0", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    expect(await main(["local", "--help"])).toBe(0);
    expect(await main(["report", "-h"])).toBe(0);
    expect(log.mock.calls[0][0]).toMatch(/order-tracing local up/);
    expect(log.mock.calls[1][0]).toMatch(/order-tracing report/);
  });

  it("refuses an unknown command with the usage, exit 2", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["toString"])).toBe(2);
    expect(error.mock.calls[0][0]).toContain('unknown command "toString"');
  });
});
