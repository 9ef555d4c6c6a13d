import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration";
import { parseReportArgs, statusOwnersArg } from "./options";

describe("parseDuration", () => {
  it("reads the forms people type", () => {
    expect(parseDuration("30m")).toBe(30 * 60_000);
    expect(parseDuration("24h")).toBe(24 * 3_600_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(parseDuration("1h30m")).toBe(90 * 60_000);
    expect(parseDuration("500ms")).toBe(500);
  });

  it("refuses anything else, and zero", () => {
    for (const text of ["", "30", "m", "1.5h", "-1h", "3x", "0m", "1h 30m"])
      expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("keeps two units at most", () => {
    expect(formatDuration(null)).toBe("-");
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(4_200)).toBe("4.2s");
    expect(formatDuration(12 * 60_000 + 5_000)).toBe("12m 5s");
    expect(formatDuration(3 * 3_600_000)).toBe("3h");
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000 + 60_000)).toBe("2d 4h");
  });
});

describe("parseReportArgs", () => {
  it("applies the defaults of the contract", () => {
    const options = parseReportArgs(["--jaeger-url", "http://127.0.0.1:16686"]);
    expect(options).toMatchObject({
      jaegerUiUrl: "http://127.0.0.1:16686/",
      sinceMs: 24 * 3_600_000,
      stuckAfterMs: 30 * 60_000,
      format: "table",
      pageSize: 1000,
    });
    expect(options.logsUrlTemplate).toBeUndefined();
    expect(options.jaegerUrl.href).toBe("http://127.0.0.1:16686/");
  });

  it("takes --flag value and --flag=value", () => {
    const options = parseReportArgs([
      "--jaeger-url=http://jaeger:16686/jaeger",
      "--since",
      "7d",
      "--stuck-after=2h",
      "--format",
      "json",
      "--jaeger-ui-url",
      "https://tracing.internal.example/jaeger",
      "--page-size=200",
      "--logs-url-template",
      "https://logs.internal.example/?q=trace_id:{traceId}",
    ]);
    expect(options).toMatchObject({
      jaegerUiUrl: "https://tracing.internal.example/jaeger",
      sinceMs: 7 * 86_400_000,
      stuckAfterMs: 2 * 3_600_000,
      format: "json",
      pageSize: 200,
      logsUrlTemplate: "https://logs.internal.example/?q=trace_id:{traceId}",
    });
  });

  it("reads the output file and the status owners", () => {
    const options = parseReportArgs([
      "--jaeger-url",
      "http://j",
      "--format",
      "html",
      "--output",
      "report.html",
      "--status-owners",
      "ACCEPTED=mes, IN_PRODUCTION=mes",
    ]);
    expect(options).toMatchObject({
      format: "html",
      output: "report.html",
      statusOwners: { ACCEPTED: "mes", IN_PRODUCTION: "mes" },
    });
    expect(statusOwnersArg(options.statusOwners)).toBe("ACCEPTED=mes,IN_PRODUCTION=mes");
    expect(parseReportArgs(["--jaeger-url", "http://j"]).statusOwners).toEqual({});
  });

  it.each([
    [[], /--jaeger-url: required/],
    [["--jaeger-url", "localhost:16686"], /--jaeger-url: expected an http:\/\/ or https:\/\/ URL/],
    [["--jaeger-url", "not a url"], /--jaeger-url: expected an http\(s\) URL such as http:\/\/localhost:16686/],
    [["--jaeger-url", "http://j:16686/?x=1"], /without query or fragment/],
    [["--jaeger-url", "http://j", "--since", "yesterday"], /--since: expected a duration like 30m, 24h or 7d/],
    [["--jaeger-url", "http://j", "--stuck-after", "0m"], /--stuck-after: expected a duration/],
    [["--jaeger-url", "http://j", "--format", "yaml"], /--format: expected one of table, json, html, got "yaml"/],
    [
      ["--jaeger-url", "http://j", "--status-owners", "ACCEPTED"],
      /--status-owners: "ACCEPTED" is not STATUS=SERVICE; expected/,
    ],
    [
      ["--jaeger-url", "http://j", "--status-owners", "ACCEPTED=mes,ACCEPTED=crm"],
      /--status-owners: ACCEPTED is given twice/,
    ],
    [
      ["--jaeger-url", "http://j", "--status-owners", "IN PRODUCTION=mes"],
      /--status-owners: "IN PRODUCTION" is not a status/,
    ],
    [["--jaeger-url", "http://j", "--output", " "], /--output: expected a file name/],
    [["--jaeger-url", "http://j", "--page-size", "0"], /--page-size: expected an integer from 1 to 100000/],
    [["--jaeger-url", "http://j", "--since"], /--since: missing value/],
    [["--jaeger-url", "http://j", "--color"], /unknown flag --color/],
    [["--jaeger-url", "http://j", "extra"], /unexpected argument "extra"/],
    [["--jaeger-url", "http://j", "--jaeger-url", "http://k"], /--jaeger-url: given twice/],
    [
      ["--jaeger-url", "http://j", "--logs-url-template", "https://l/?q={span}"],
      /--logs-url-template: unknown placeholder \{span\}/,
    ],
    [
      ["--jaeger-url", "http://j", "--logs-url-template", "https://l/?from={from}"],
      /--logs-url-template: expected \{traceId\} or \{orderId\}/,
    ],
  ])("refuses %j with a message naming the flag", (args, message) => {
    expect(() => parseReportArgs(args)).toThrow(message);
  });
});
