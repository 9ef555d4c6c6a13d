import { describe, expect, it } from "vitest";
import { injectionTarget, localServiceEnv } from "./service-env";
import { readDevStack } from "./pipeline";
import { REPO } from "./paths";
import { sandboxServices } from "./sandbox";

const stack = readDevStack(REPO);
const local = { bundleDir: "/repo/instrumentation/build/bundle", otlpEndpoint: "http://127.0.0.1:43170" };
const serviceNamed = (name: string) => {
  const service = stack.instrumentation.services.find((s) => s.name === name);
  if (!service) throw new Error(`the dev stack lists no ${name}`);
  return service;
};

describe("localServiceEnv", () => {
  it("loads the bundle with --require from the local build and exports to the local collector", () => {
    const env = localServiceEnv(injectionTarget(serviceNamed("shop")), { PORT: "8080" }, stack.instrumentation, local);
    expect(env.NODE_OPTIONS).toBe("--require /repo/instrumentation/build/bundle/register.js");
    expect(env.OTEL_SERVICE_NAME).toBe("shop");
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://127.0.0.1:43170");
    expect(env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe("grpc");
    expect(env.PORT).toBe("8080");
  });

  it("leaves out the downward-API variables and the resource attributes that refer to them", () => {
    const env = localServiceEnv(injectionTarget(serviceNamed("crm")), {}, stack.instrumentation, local);
    expect(Object.keys(env).filter((name) => name.startsWith("OTEL_K8S_"))).toEqual([]);
    expect(Object.values(env).join(" ")).not.toContain("$(");
  });

  it("keeps the app's own NODE_OPTIONS and appends the bundle, as the injection does", () => {
    const env = localServiceEnv(
      injectionTarget(serviceNamed("crm")),
      { NODE_OPTIONS: "--max-old-space-size=256" },
      stack.instrumentation,
      local,
    );
    expect(env.NODE_OPTIONS).toBe("--max-old-space-size=256 --require /repo/instrumentation/build/bundle/register.js");
  });

  it("gives CRM the dev stack's rules that record MES's status events as CRM consumes them", () => {
    const env = localServiceEnv(injectionTarget(serviceNamed("crm")), {}, stack.instrumentation, local);
    expect(JSON.parse(env.ORDER_TRACING_RULES)).toEqual(JSON.parse(serviceNamed("crm").rules ?? "null"));
  });

  it("runs the JVM MES with the Java agent exactly as the injection loads it, from the local build", () => {
    const mes = sandboxServices(stack, "jvm").mes;
    const env = localServiceEnv(injectionTarget(mes), { PORT: "8082" }, stack.instrumentation, {
      ...local,
      javaAgentDir: "/repo/mes-jvm/build/agent",
    });
    expect(env.JAVA_TOOL_OPTIONS).toBe("-javaagent:/repo/mes-jvm/build/agent/javaagent.jar");
    expect(env.OTEL_SERVICE_NAME).toBe("mes");
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://127.0.0.1:43170");
    expect(env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe("grpc");
    expect(env.OTEL_JAVA_EXPERIMENTAL_SPAN_ATTRIBUTES_COPY_FROM_BAGGAGE_INCLUDE).toBe("order.id");
    expect([env.OTEL_TRACES_EXPORTER, env.OTEL_METRICS_EXPORTER, env.OTEL_LOGS_EXPORTER]).toEqual([
      "otlp",
      "none",
      "none",
    ]);
    expect(env.NODE_OPTIONS).toBeUndefined();
    expect(env.ORDER_TRACING_RULES).toBeUndefined();
    expect(env.PORT).toBe("8082");
  });
});
