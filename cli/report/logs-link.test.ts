import { describe, expect, it } from "vitest";
import {
  buildLogsUrl,
  fullTraceId,
  LOGS_URL_TEMPLATE_EXAMPLE,
  logsUrlTemplateProblem,
  type LogsLinkValues,
} from "./logs-link";

const VALUES: LogsLinkValues = {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  orderId: "ORD-7f3a",
  service: "mes",
  from: "2026-12-05T10:00:00.000Z",
  to: "2026-12-05T11:30:00.000Z",
};

describe("buildLogsUrl", () => {
  it("fills every placeholder, URL-encoded", () => {
    expect(
      buildLogsUrl("https://logs.internal/search?q=trace_id:{traceId}&svc={service}&from={from}&to={to}", VALUES),
    ).toBe(
      "https://logs.internal/search?q=trace_id:0af7651916cd43dd8448eb211c80319c&svc=mes" +
        "&from=2026-12-05T10%3A00%3A00.000Z&to=2026-12-05T11%3A30%3A00.000Z",
    );
  });

  it("encodes values that could break out of their place", () => {
    const url = buildLogsUrl("https://logs.internal/?order={orderId}&x=1", { ...VALUES, orderId: "a&b=c#d/e f" });
    expect(url).toBe("https://logs.internal/?order=a%26b%3Dc%23d%2Fe%20f&x=1");
    expect(new URL(url).searchParams.get("order")).toBe("a&b=c#d/e f");
  });

  it("fills a placeholder used twice, and leaves other braces (an encoded or literal JSON query) alone", () => {
    const template = 'https://grafana.internal/explore?left={"expr":"{service=\\"x\\"}"}&t={traceId}&t2={traceId}';
    expect(buildLogsUrl(template, VALUES)).toBe(
      `https://grafana.internal/explore?left={"expr":"{service=\\"x\\"}"}&t=${VALUES.traceId}&t2=${VALUES.traceId}`,
    );
  });

  it("fills the documented Kibana example", () => {
    expect(buildLogsUrl(LOGS_URL_TEMPLATE_EXAMPLE, VALUES)).toBe(
      "https://kibana.internal.example/app/discover#/?_g=(time:(from:'2026-12-05T10%3A00%3A00.000Z'," +
        "to:'2026-12-05T11%3A30%3A00.000Z'))&_a=(query:(language:kuery,query:'trace_id:0af7651916cd43dd8448eb211c80319c'))",
    );
  });
});

describe("logsUrlTemplateProblem", () => {
  it.each([
    LOGS_URL_TEMPLATE_EXAMPLE,
    "http://loki.internal/search?order={orderId}",
    "https://opensearch.internal/_dashboards/app/discover#/?_a=(query:(query:'order.id:\"{orderId}\"'))&svc={service}",
  ])("accepts %s", (template) => {
    expect(logsUrlTemplateProblem(template)).toBeUndefined();
  });

  it.each([
    [
      "https://logs.internal/?q={traceID}",
      "unknown placeholder {traceID}; known: {traceId}, {orderId}, {service}, {from}, {to}",
    ],
    ["https://logs.internal/?from={from}&to={to}", "expected {traceId} or {orderId} in the template"],
    ["logs.internal/?q={traceId}", "expected an http(s) URL such as https://kibana"],
    ["ftp://logs.internal/{traceId}", "expected an http:// or https:// URL such as https://kibana"],
    ["", "expected {traceId} or {orderId}"],
  ])("refuses %j: %s", (template, problem) => {
    expect(logsUrlTemplateProblem(template)).toContain(problem);
  });
});

describe("fullTraceId", () => {
  it("restores the leading zeros Jaeger may drop", () => {
    expect(fullTraceId("af7651916cd43dd8448eb211c80319c")).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(fullTraceId("0AF7651916CD43DD8448EB211C80319C")).toBe("0af7651916cd43dd8448eb211c80319c");
  });
});
