import { describe, expect, it } from "vitest";
import { DEFAULT_QUOTA } from "../config/guards";
import { recordResources, valueOf, type MockedResource } from "../testing/mocks";
import { settled } from "../testing/settle";
import { INSTRUMENTED_NAMESPACE_LABEL, PARTS, PORTS, selectorLabels } from "../topology";
import { TracingNamespace, type TracingNamespaceArgs } from "./tracing-namespace";

const ARGS: TracingNamespaceArgs = {
  name: "tracing",
  quota: { ...DEFAULT_QUOTA, storage: "30Gi", persistentVolumeClaims: 3 },
  pipeline: { storage: { kind: "pods" }, apiServer: { cidrs: ["10.0.0.0/16"], ports: [443] } },
};

type Policy = {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes: string[];
  ingress?: Rule[];
  egress?: Rule[];
};
type Rule = { from?: Peer[]; to?: Peer[]; ports?: { protocol: string; port: number }[] };
type Peer = {
  podSelector?: { matchLabels: Record<string, string> };
  namespaceSelector?: { matchLabels: Record<string, string> };
  ipBlock?: { cidr: string };
};

function policies(declared: readonly MockedResource[]): Map<string, Policy> {
  return new Map(
    declared
      .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .map((r) => [(r.inputs.metadata as { name: string }).name, r.inputs.spec as Policy]),
  );
}

const ports = (rule: Rule) => (rule.ports ?? []).map((p) => p.port);

describe("TracingNamespace", () => {
  it("declares one labelled namespace under the component and outputs its name", async () => {
    const declared = recordResources();
    const component = new TracingNamespace("tracing", ARGS);
    expect(await valueOf(component.name)).toBe("tracing");
    const namespaces = declared.filter((r) => r.type === "kubernetes:core/v1:Namespace");
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0].inputs).toMatchObject({
      metadata: { name: "tracing", labels: { "app.kubernetes.io/part-of": "order-tracing" } },
    });
  });

  it("caps the namespace's disk, claim count, CPU and memory with a ResourceQuota", async () => {
    const declared = recordResources();
    await valueOf(new TracingNamespace("tracing", ARGS).name);
    await settled(declared);
    const quota = declared.find((r) => r.type === "kubernetes:core/v1:ResourceQuota");
    expect(quota?.inputs).toMatchObject({
      metadata: { namespace: "tracing" },
      spec: {
        hard: {
          "requests.storage": "30Gi",
          persistentvolumeclaims: "3",
          "requests.cpu": DEFAULT_QUOTA.requestsCpu,
          "limits.cpu": DEFAULT_QUOTA.limitsCpu,
          "requests.memory": DEFAULT_QUOTA.requestsMemory,
          "limits.memory": DEFAULT_QUOTA.limitsMemory,
        },
      },
    });
  });

  it("gives containers defaults and maxima, and claims a maximum size, with a LimitRange", async () => {
    const declared = recordResources();
    await valueOf(new TracingNamespace("tracing", ARGS).name);
    await settled(declared);
    const limits = (
      declared.find((r) => r.type === "kubernetes:core/v1:LimitRange")?.inputs.spec as {
        limits: Array<Record<string, unknown>>;
      }
    ).limits;
    const container = limits.find((l) => l.type === "Container");
    expect(container).toMatchObject({
      max: { cpu: DEFAULT_QUOTA.maxContainerCpu, memory: DEFAULT_QUOTA.maxContainerMemory },
      default: { cpu: expect.any(String), memory: expect.any(String) },
      defaultRequest: { cpu: expect.any(String), memory: expect.any(String) },
    });
    expect(limits.find((l) => l.type === "PersistentVolumeClaim")).toMatchObject({
      max: { storage: DEFAULT_QUOTA.maxVolumeSize },
    });
  });

  it("denies all ingress and egress of every pod except DNS", async () => {
    const declared = recordResources();
    await valueOf(new TracingNamespace("tracing", ARGS).name);
    await settled(declared);
    const deny = policies(declared).get("default-deny")!;
    expect(deny.podSelector).toEqual({});
    expect(deny.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(deny.ingress).toBeUndefined();
    expect(deny.egress).toHaveLength(1);
    expect(deny.egress![0].ports).toEqual(
      expect.arrayContaining([
        { protocol: "UDP", port: PORTS.dns },
        { protocol: "TCP", port: PORTS.dns },
      ]),
    );
  });

  it("opens exactly the pipeline's flows, each on its port", async () => {
    const declared = recordResources();
    await valueOf(new TracingNamespace("tracing", ARGS).name);
    await settled(declared);
    const byName = policies(declared);

    const collectorIn = byName.get(`${PARTS.collector}-otlp`)!;
    expect(collectorIn.podSelector.matchLabels).toEqual(selectorLabels(PARTS.collector));
    expect(collectorIn.ingress![0].from).toEqual([
      {
        namespaceSelector: { matchLabels: { [INSTRUMENTED_NAMESPACE_LABEL.key]: INSTRUMENTED_NAMESPACE_LABEL.value } },
      },
    ]);
    expect(ports(collectorIn.ingress![0])).toEqual([PORTS.otlpGrpc, PORTS.otlpHttp]);

    const jaegerIn = byName.get(`${PARTS.jaeger}-otlp`)!;
    expect(jaegerIn.ingress).toHaveLength(1);
    expect(ports(jaegerIn.ingress![0])).toEqual([PORTS.otlpGrpc]);
    // Query is opened by the access path and the report job, not here.
    const everyJaegerPort = [...byName.values()]
      .filter((p) => p.podSelector.matchLabels?.["app.kubernetes.io/name"] === PARTS.jaeger)
      .flatMap((p) => (p.ingress ?? []).flatMap(ports));
    expect(everyJaegerPort).not.toContain(PORTS.jaegerQueryHttp);

    const collectorOut = byName.get(`${PARTS.collector}-egress`)!;
    expect(collectorOut.egress).toContainEqual({
      to: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
      ports: [{ protocol: "TCP", port: 443 }],
    });

    for (const part of [PARTS.jaeger, PARTS.indexCleaner]) {
      const out = byName.get(`${part}-storage`)!;
      expect(out.egress).toEqual([
        {
          to: [{ podSelector: { matchLabels: selectorLabels(PARTS.elasticsearch) } }],
          ports: [{ protocol: "TCP", port: PORTS.elasticsearchHttp }],
        },
      ]);
    }

    const elasticsearch = byName.get(PARTS.elasticsearch)!;
    expect(elasticsearch.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: selectorLabels(PARTS.jaeger) } },
          { podSelector: { matchLabels: selectorLabels(PARTS.indexCleaner) } },
        ],
        ports: [{ protocol: "TCP", port: PORTS.elasticsearchHttp }],
      },
      {
        from: [{ podSelector: { matchLabels: selectorLabels(PARTS.elasticsearch) } }],
        ports: [{ protocol: "TCP", port: PORTS.elasticsearchTransport }],
      },
    ]);
  });

  it("sends Jaeger and the cleaner to the outside storage's addresses and port when storage is not in the cluster", async () => {
    const declared = recordResources();
    const outside: TracingNamespaceArgs = {
      ...ARGS,
      pipeline: { ...ARGS.pipeline, storage: { kind: "cidrs", cidrs: ["10.20.0.0/16"], port: 443 } },
    };
    await valueOf(new TracingNamespace("tracing", outside).name);
    await settled(declared);
    const byName = policies(declared);
    expect(byName.get(`${PARTS.jaeger}-storage`)!.egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    expect(byName.has(PARTS.elasticsearch)).toBe(false);
  });
});
