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

  // Output goes through cli/report/output.ts (stdout written in full before the process exits).
  const stdout = () => vi.spyOn(process.stdout, "write").mockImplementation(() => true);

  it("prints the usage and exits 0; with no command it exits 2", async () => {
    const write = stdout();
    expect(await main(["--help"])).toBe(0);
    expect(await main([])).toBe(2);
    expect(write.mock.calls.map(([text]) => text)).toEqual([`${usage()}\n`, `${usage()}\n`]);
  });

  it("`<command> --help` prints that command's own usage and exits 0", async () => {
    const write = stdout();
    expect(await main(["local", "--help"])).toBe(0);
    expect(await main(["report", "-h"])).toBe(0);
    expect(String(write.mock.calls[0][0])).toMatch(/order-tracing local up/);
    expect(String(write.mock.calls[1][0])).toMatch(/order-tracing report/);
  });

  it("refuses an unknown command with the usage, exit 2", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["toString"])).toBe(2);
    expect(error.mock.calls[0][0]).toContain('unknown command "toString"');
  });
});
