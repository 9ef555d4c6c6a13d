import { describe, expect, it } from "vitest";
import { ConfigReader } from "./read";
import { readReportConfig, readStatusOwners } from "./report";

function read(raw: Record<string, unknown>) {
  const reader = new ConfigReader(raw);
  const config = readReportConfig(reader);
  return { config, errors: reader.errors.map((e) => e.message) };
}

describe("readReportConfig", () => {
  it("is off by default", () => {
    expect(read({})).toEqual({ config: undefined, errors: [] });
    expect(read({ report: { enabled: "false", image: "cli:1" } })).toEqual({ config: undefined, errors: [] });
  });

  it("takes the command's defaults when enabled", () => {
    expect(read({ report: { enabled: true, image: "cli:1" } }).config).toEqual({
      cronJob: true,
      schedule: "*/15 * * * *",
      since: "24h",
      stuckAfter: "30m",
      image: "cli:1",
      jaegerUiUrl: undefined,
      logsUrlTemplate: undefined,
    });
  });

  it("reads the logs URL template, and names what is wrong with one", () => {
    const template = "https://logs.internal.example/search?q=order.id:{orderId}&from={from}&to={to}";
    expect(read({ report: { enabled: true, image: "cli:1", logsUrlTemplate: template } }).config?.logsUrlTemplate).toBe(
      template,
    );
    expect(
      read({ report: { enabled: true, image: "cli:1", logsUrlTemplate: "https://logs/?q={trace}" } }).errors,
    ).toEqual([
      "order-tracing:report.logsUrlTemplate: unknown placeholder {trace}; known: {traceId}, {orderId}, {service}, {from}, {to}",
    ]);
  });

  it("reads an enabled report (Pulumi passes scalars as text)", () => {
    const { config, errors } = read({
      report: {
        enabled: "true",
        schedule: "0 * * * *",
        since: "7d",
        stuckAfter: "2h",
        image: "registry.example.com/order-tracing-cli@sha256:" + "a".repeat(64),
        jaegerUiUrl: "https://tracing.internal.example",
      },
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      schedule: "0 * * * *",
      since: "7d",
      stuckAfter: "2h",
      jaegerUiUrl: "https://tracing.internal.example",
    });
  });

  it("requires the image when enabled", () => {
    expect(read({ report: { enabled: true } }).errors).toEqual([
      "order-tracing:report.image: missing: report.enabled is true, so the report CronJob needs our order-report image; publish our images and record their references with `npm run images -- --push <registry> --stack <stack>` (docs/images.md)",
    ]);
  });

  it("names every wrong key with the expected form", () => {
    const { errors } = read({
      report: {
        enabled: "yes",
        schedule: "every 15 minutes",
        since: "1 day",
        stuckAfter: "30",
        image: "https://registry/cli",
        jaegerUiUrl: "tracing.internal",
        stuckAfterr: "1h",
      },
    });
    expect(errors).toEqual([
      "order-tracing:report.stuckAfterr: unknown key; known keys are enabled, cronJob, serve, schedule, since, stuckAfter, image, jaegerUiUrl, logsUrlTemplate, statusOwners, interval, scraperNamespace (is it a typo?)",
      'order-tracing:report.enabled: expected true or false, got string "yes"',
      'order-tracing:report.image: expected an image reference with a tag or digest such as registry.example.com/order-tracing/otelcol-ordertracing@sha256:<digest> (what `npm run images -- --push` prints), got "https://registry/cli"',
      expect.stringMatching(/^order-tracing:report\.schedule: expected a cron schedule of five fields/),
      expect.stringMatching(/^order-tracing:report\.since: expected a duration like 30m, 24h or 7d .*got "1 day"$/),
      expect.stringMatching(/^order-tracing:report\.stuckAfter: expected a duration .*got "30"$/),
      'order-tracing:report.jaegerUiUrl: expected an http(s) URL such as https://tracing.internal.example, got "tracing.internal"',
    ]);
  });
});

describe("readReportConfig: the exporter (report.serve)", () => {
  it("adds the exporter beside the CronJob, or instead of it", () => {
    expect(read({ report: { enabled: true, image: "cli:1", serve: "true" } }).config).toMatchObject({
      cronJob: true,
      serve: { interval: "60s", scraperNamespace: "monitoring" },
    });
    const { config, errors } = read({
      report: {
        enabled: true,
        image: "cli:1",
        serve: true,
        cronJob: "false",
        interval: "30s",
        scraperNamespace: "prom",
      },
    });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({ cronJob: false, serve: { interval: "30s", scraperNamespace: "prom" } });
    expect(read({ report: { enabled: true, image: "cli:1" } }).config?.serve).toBeUndefined();
  });

  it("names the wrong exporter settings and the fix", () => {
    expect(
      read({
        report: { enabled: true, image: "cli:1", cronJob: false, interval: "often", scraperNamespace: "Prom NS" },
      }).errors,
    ).toEqual([
      expect.stringMatching(/^order-tracing:report\.interval: expected a duration .*got "often"$/),
      expect.stringMatching(/^order-tracing:report\.scraperNamespace: expected a DNS-1123 label .*got "Prom NS"$/),
      "order-tracing:report.cronJob: false and report.serve is false too, so nothing would run; set report.serve: true (the exporter) or report.cronJob: true, or report.enabled: false",
    ]);
  });
});

describe("report.statusOwners", () => {
  const owners = (raw: Record<string, unknown>) => {
    const reader = new ConfigReader(raw);
    return { owners: readStatusOwners(reader), errors: reader.errors.map((e) => e.message) };
  };

  it("names the service that owns a status another service records, with or without the CronJob", () => {
    expect(owners({ report: { statusOwners: { ACCEPTED: "mes", IN_PRODUCTION: "mes" } } })).toEqual({
      owners: { ACCEPTED: "mes", IN_PRODUCTION: "mes" },
      errors: [],
    });
    expect(owners({})).toEqual({ owners: {}, errors: [] });
    // The report section's own reader knows the key (it is no typo).
    expect(read({ report: { statusOwners: { ACCEPTED: "mes" } } }).errors).toEqual([]);
  });

  it("names each wrong pair and the expected form", () => {
    const { errors } = owners({
      report: { statusOwners: { "IN PRODUCTION": "mes", ACCEPTED: "m e s", SHIPPED: 3 } },
    });
    expect(errors).toEqual([
      'order-tracing:report.statusOwners.IN PRODUCTION: "IN PRODUCTION" is not a status (letters, digits, _ or -); expected STATUS=SERVICE pairs separated by commas, such as ACCEPTED=mes,IN_PRODUCTION=mes',
      'order-tracing:report.statusOwners.ACCEPTED: "m e s" is not a service name (no spaces, commas or =); expected STATUS=SERVICE pairs separated by commas, such as ACCEPTED=mes,IN_PRODUCTION=mes',
      "order-tracing:report.statusOwners.SHIPPED: expected a string, got number 3",
      expect.stringMatching(/^order-tracing:report\.statusOwners\.SHIPPED: expected a service name/),
    ]);
    expect(owners({ report: { statusOwners: "ACCEPTED=mes" } }).errors).toEqual([
      'order-tracing:report.statusOwners: expected an object, got string "ACCEPTED=mes"',
    ]);
  });
});
