import { describe, expect, it } from "vitest";
import {
  cpuQuantity,
  cronSchedule,
  dnsLabel,
  dnsName,
  dnsSubdomain,
  imageReferenceCheck,
  memoryQuantity,
  parseImageReference,
  parseQuantity,
  registryAddress,
  urlPort,
  urlProblem,
} from "./validators";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("cronSchedule", () => {
  it("accepts five-field schedules and every macro a CronJob takes (the retention and report jobs alike)", () => {
    for (const ok of [
      "15 0 * * *",
      "*/15 * * * *",
      "0 6 * * MON-FRI",
      "5,35 8-18 * JAN-DEC 1-5",
      "@hourly",
      "@daily",
      "@midnight",
      "@weekly",
      "@monthly",
      "@yearly",
      "@annually",
    ]) {
      expect(cronSchedule(ok), ok).toBeUndefined();
    }
  });

  it("refuses the rest, naming the forms it takes", () => {
    for (const bad of ["* * * *", "*/15 * * * * *", "@sometimes", "0 6 * * ?", "daily", ""]) {
      expect(cronSchedule(bad), bad).toBe(
        `expected a cron schedule of five fields such as "15 0 * * *" or a macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly), got "${bad}"`,
      );
    }
  });
});

describe("image references", () => {
  const check = imageReferenceCheck("registry.example.com/x@sha256:<digest>");

  it("reads registry, repository, tag and digest", () => {
    expect(parseImageReference("127.0.0.1:5000/otelcol-ordertracing:0.161.0")).toEqual({
      registry: "127.0.0.1:5000",
      repository: "otelcol-ordertracing",
      tag: "0.161.0",
      digest: undefined,
    });
    expect(parseImageReference(`ghcr.io/org/repo:v1@${DIGEST}`)).toEqual({
      registry: "ghcr.io",
      repository: "org/repo",
      tag: "v1",
      digest: DIGEST,
    });
    // Without a dot, a port or `localhost`, the first part is a Docker Hub namespace, not a registry.
    expect(parseImageReference("jaegertracing/jaeger:2.11.0")).toEqual({
      registry: undefined,
      repository: "jaegertracing/jaeger",
      tag: "2.11.0",
      digest: undefined,
    });
  });

  it("accepts references that pin a tag or a digest", () => {
    for (const ok of [
      "docker.elastic.co/elasticsearch/elasticsearch:8.19.0",
      "redis:7",
      "localhost/x:1",
      `registry.test/order-tracing/instrumentation-nodejs@${DIGEST}`,
      `registry.test:5000/a/b:v1@${DIGEST}`,
    ]) {
      expect(check(ok), ok).toBeUndefined();
    }
  });

  it("refuses bare repositories, schemes, upper-case paths and short digests", () => {
    for (const bad of [
      "jaegertracing/jaeger",
      "https://registry.test/x:1",
      "Library/x:1",
      "registry.test/x@sha256:abc",
      "registry.test/x:",
      "x y:1",
    ]) {
      expect(check(bad), bad).toBe(
        `expected an image reference with a tag or digest such as registry.example.com/x@sha256:<digest>, got "${bad}"`,
      );
    }
  });

  it("checks push targets as host[:port][/path]", () => {
    for (const ok of ["127.0.0.1:5000", "ghcr.io/my-org", "registry.test:5000/a/b"])
      expect(registryAddress(ok), ok).toBe(undefined);
    for (const bad of ["http://127.0.0.1:5000", "ghcr.io/my-org/", "ghcr.io/My-Org", ""]) {
      expect(registryAddress(bad), bad).toMatch(/^expected a registry address such as 127\.0\.0\.1:5000/);
    }
  });
});

describe("URLs", () => {
  it("accepts http(s) URLs and names the example when it refuses one", () => {
    const rules = { example: "https://es.internal:9200" };
    expect(urlProblem("http://es.internal:9200", rules)).toBeUndefined();
    expect(urlProblem("https://es.internal", rules)).toBeUndefined();
    expect(urlProblem("es.internal:9200", rules)).toBe(
      'expected an http:// or https:// URL such as https://es.internal:9200, got "es.internal:9200"',
    );
    expect(urlProblem("not a url", rules)).toBe(
      'expected an http(s) URL such as https://es.internal:9200, got "not a url"',
    );
  });

  it("refuses http, query strings and credentials where the setting says so", () => {
    const issuer = { example: "https://login.example.com/realms/staff", httpsOnly: true, base: true };
    expect(urlProblem("https://login.example.com/realms/staff", issuer)).toBeUndefined();
    expect(urlProblem("http://login.example.com/realms/staff", issuer)).toBe(
      'expected an https:// URL such as https://login.example.com/realms/staff, got "http://login.example.com/realms/staff"',
    );
    expect(urlProblem("https://login.example.com/?a=1", issuer)).toMatch(
      /^expected a base URL without query or fragment/,
    );
    expect(urlProblem("https://u:p@es.internal", { example: "x", credentialsBelongIn: "the secret" })).toBe(
      "credentials do not belong in the URL; use the secret",
    );
  });

  it("gives the port a URL reaches", () => {
    expect(urlPort("https://sso.example.com/realms/staff")).toBe(443);
    expect(urlPort("http://es.internal")).toBe(80);
    expect(urlPort("https://es.internal:9200")).toBe(9200);
    expect(urlPort(new URL("http://127.0.0.1:8080/x"))).toBe(8080);
  });
});

describe("DNS names", () => {
  it("checks labels, subdomains and fully qualified host names", () => {
    expect(dnsLabel("order-tracing")).toBeUndefined();
    expect(dnsLabel("a".repeat(64))).toMatch(/^expected a DNS-1123 label/);
    expect(dnsLabel("Tracing")).toMatch(/^expected a DNS-1123 label/);
    expect(dnsSubdomain("gp3.csi")).toBeUndefined();
    expect(dnsSubdomain("a..b")).toMatch(/^expected a Kubernetes object name/);
    expect(dnsSubdomain(`${"a".repeat(64)}.b`)).toMatch(/^expected a Kubernetes object name/);
    expect(dnsName("jaeger.internal.example.com")).toBeUndefined();
    for (const bad of ["jaeger", "https://jaeger.internal", "jaeger.internal:443", "*.internal"]) {
      expect(dnsName(bad), bad).toMatch(/^expected a host name such as jaeger\.internal\.example\.com/);
    }
  });
});

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
