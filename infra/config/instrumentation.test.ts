import { parseRules } from "../../instrumentation/src/rules";
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readInstrumentationConfig } from "./instrumentation";
import { ConfigReader } from "./read";

const NODE_IMAGE = "ghcr.io/order-tracing/instrumentation-nodejs:0.1.0";
const shop = { name: "shop", namespace: "shop", deployment: "shop-api", container: "api", language: "nodejs" };

function problemsOf(instrumentation: unknown): string[] {
  const read = new ConfigReader({ instrumentation });
  readInstrumentationConfig(read, true);
  return read.errors.map((e) => e.message);
}

describe("readInstrumentationConfig", () => {
  it("instruments nothing by default, with the Operator's agent images and hardened small init containers", () => {
    const read = new ConfigReader({});
    const config = readInstrumentationConfig(read);
    expect(read.errors).toEqual([]);
    expect(config.services).toEqual([]);
    expect(config.forceConflicts).toBe(false);
    expect(config.agents.nodejs).toEqual({ image: undefined, volumeSizeLimit: "64Mi" });
    expect(config.agents.java.image).toBe(
      "ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.31.1",
    );
    expect(config.initContainerResources).toEqual({
      requests: { cpu: "10m", memory: "16Mi" },
      limits: { cpu: "100m", memory: "32Mi" },
    });
  });

  it("reads the services, the images and the limits", () => {
    const read = new ConfigReader({
      instrumentation: {
        nodejs: { image: NODE_IMAGE, volumeSizeLimit: "48Mi" },
        resources: { limits: { memory: "96Mi" } },
        forceConflicts: "true",
        services: [
          {
            ...shop,
            nodeModuleFormat: "esm",
            rules: { statusEvents: { http: [{ route: "/orders/:orderId", statusField: "status" }] } },
          },
          { name: "mes", namespace: "mes", container: "mes", language: "java" },
        ],
      },
    });
    const config = readInstrumentationConfig(read);
    expect(read.errors).toEqual([]);
    expect(config.agents.nodejs).toEqual({ image: NODE_IMAGE, volumeSizeLimit: "48Mi" });
    expect(config.initContainerResources.limits).toEqual({ cpu: "100m", memory: "96Mi" });
    expect(config.forceConflicts).toBe(true);
    expect(config.services).toEqual([
      {
        ...shop,
        nodeModuleFormat: "esm",
        rules: '{"statusEvents":{"http":[{"route":"/orders/:orderId","statusField":"status"}]}}',
      },
      { name: "mes", namespace: "mes", deployment: "mes", container: "mes", language: "java" },
    ]);
  });

  it("needs the bundle image as soon as a Node.js service is listed", () => {
    expect(problemsOf({ services: [shop, { ...shop, name: "crm", namespace: "crm" }] })).toEqual([
      "order-tracing:instrumentation.nodejs.image: missing: the init-container image of our Node.js bundle " +
        "(instrumentation-nodejs) is required because shop, crm use language nodejs; publish our images and record " +
        "their references with `npm run images -- --push <registry> --stack <stack>` (docs/images.md)",
    ]);
  });

  it("names every wrong service field with its index, and refuses unknown languages", () => {
    expect(
      problemsOf({
        nodejs: { image: NODE_IMAGE },
        services: [
          { name: "Shop_API", namespace: "shop", language: "nodejs" },
          { name: "mes", namespace: "mes", container: "mes", language: "cobol", contianer: "x" },
          "crm",
        ],
      }),
    ).toEqual([
      "order-tracing:instrumentation.services[0].name: expected a DNS-1123 label (lower-case letters, digits and '-', at most 63), got \"Shop_API\"",
      "order-tracing:instrumentation.services[0].container: missing: the name of the app container in the pod template",
      'order-tracing:instrumentation.services[1].language: expected one of "nodejs", "java", "python", "dotnet", got "cobol"',
      "order-tracing:instrumentation.services[1].contianer: unknown key; known keys are name, namespace, deployment, container, language, nodeModuleFormat, rules (is it a typo?)",
      'order-tracing:instrumentation.services[2]: expected an object with name, namespace, deployment, container, language, got "crm"',
    ]);
  });

  it("refuses a missing language, duplicate names and two services on one deployment", () => {
    expect(
      problemsOf({
        nodejs: { image: NODE_IMAGE },
        services: [
          shop,
          { ...shop, container: "worker" },
          { ...shop, name: "shop-worker" },
          { name: "crm", namespace: "crm", container: "crm" },
        ],
      }),
    ).toEqual([
      "order-tracing:instrumentation.services[3].language: missing: one of nodejs, java, python, dotnet",
      'order-tracing:instrumentation.services[1].name: "shop" is already the name of item 0; names must be unique',
      "order-tracing:instrumentation.services[1].deployment: shop/shop-api is already instrumented by item 0; one instrumented container per deployment",
      "order-tracing:instrumentation.services[2].deployment: shop/shop-api is already instrumented by item 0; one instrumented container per deployment",
    ]);
  });

  it("keeps Node.js-only settings to Node.js services", () => {
    expect(
      problemsOf({
        services: [
          {
            name: "mes",
            namespace: "mes",
            container: "mes",
            language: "java",
            rules: { statusEvents: { amqp: [] } },
            nodeModuleFormat: "esm",
          },
        ],
      }),
    ).toEqual([
      "order-tracing:instrumentation.services[0].nodeModuleFormat: applies to language nodejs only (the Node.js bundle), not java",
      "order-tracing:instrumentation.services[0].rules: applies to language nodejs only (the Node.js bundle), not java",
    ]);
  });

  it("checks quantities, images and typos in the sections", () => {
    expect(
      problemsOf({
        java: { image: "https://ghcr.io/agent:1", volumeSizeLimt: "1Gi" },
        python: { volumeSizeLimit: "lots" },
        resources: { requests: { cpu: "2", memory: "256Mi" } },
        service: [],
      }),
    ).toEqual([
      "order-tracing:instrumentation.service: unknown key; known keys are nodejs, java, python, dotnet, resources, forceConflicts, services (is it a typo?)",
      "order-tracing:instrumentation.java.volumeSizeLimt: unknown key; known keys are image, volumeSizeLimit (is it a typo?)",
      'order-tracing:instrumentation.java.image: expected an image reference with a tag or digest such as registry.example.com/order-tracing/otelcol-ordertracing@sha256:<digest> (what `npm run images -- --push` prints), got "https://ghcr.io/agent:1"',
      'order-tracing:instrumentation.python.volumeSizeLimit: expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "lots"',
      "order-tracing:instrumentation.resources.requests.cpu: must not exceed limits.cpu (100m), got 2",
      "order-tracing:instrumentation.resources.requests.memory: must not exceed limits.memory (32Mi), got 256Mi",
    ]);
  });
});

describe("the stack files", () => {
  it.each(["dev", "prod"])("Pulumi.%s.yaml instruments Shop, CRM and MES", (stack) => {
    const file = yaml.load(readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    };
    const read = new ConfigReader({ instrumentation: file.config["order-tracing:instrumentation"] });
    const config = readInstrumentationConfig(read);
    expect(read.errors).toEqual([]);
    expect(config.services.map((s) => `${s.namespace}/${s.deployment}`)).toEqual(["shop/shop", "crm/crm", "mes/mes"]);
  });

  it.each(["dev", "prod"])(
    "Pulumi.%s.yaml records MES's statuses where CRM consumes its status events, whatever MES runs on",
    (stack) => {
      const file = yaml.load(readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      const config = readInstrumentationConfig(
        new ConfigReader({ instrumentation: file.config["order-tracing:instrumentation"] }),
      );
      const rulesOf = (name: string) => {
        const text = config.services.find((s) => s.name === name)?.rules;
        return text === undefined ? undefined : parseRules(text);
      };
      const crm = rulesOf("crm");
      expect(crm?.problems).toEqual([]);
      expect(crm?.rules.statusEvents.amqp).toEqual([
        {
          direction: "consume",
          routingKey: "crm.order-status",
          orderIdField: "orderId",
          statusField: "status",
          previousStatusField: "previousStatus",
          changedAtField: "changedAt",
        },
      ]);
      // MES needs no rules of its own (the Java agent takes none): one mechanism for both runtimes.
      expect(rulesOf("mes")).toBeUndefined();
    },
  );
});
