import { describe, expect, it } from "vitest";
import { recordResources, valueOf } from "../testing/mocks";
import { TracingNamespace } from "./tracing-namespace";

describe("TracingNamespace", () => {
  it("declares one labelled namespace under the component and outputs its name", async () => {
    const declared = recordResources();
    const component = new TracingNamespace("tracing", { name: "tracing" });
    expect(await valueOf(component.name)).toBe("tracing");
    const namespaces = declared.filter((r) => r.type === "kubernetes:core/v1:Namespace");
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0].inputs).toMatchObject({
      metadata: { name: "tracing", labels: { "app.kubernetes.io/part-of": "order-tracing" } },
    });
  });
});
