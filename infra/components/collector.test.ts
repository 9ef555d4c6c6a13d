import { IMAGE_USER } from "../../images/definitions";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { buildCollectorConfig, renderCollectorConfig, type CollectorConfigDocument } from "../collector/config";
import { collectorTiers, QUEUE_DIRECTORY } from "../collector/settings";
import { readCollectorConfig, type CollectorConfig } from "../config/collector";
import { ConfigReader } from "../config/read";
import { recordResources, valueOf, type MockedResource } from "../testing/mocks";
import { settled } from "../testing/settle";
import { PORTS } from "../topology";
import { CollectorGateway } from "./collector";

function collectorConfig(raw: Record<string, unknown> = {}): CollectorConfig {
  const read = new ConfigReader({ collector: raw });
  const config = readCollectorConfig(read);
  expect(read.errors).toEqual([]);
  return config;
}

async function declare(raw: Record<string, unknown> = {}): Promise<{
  component: CollectorGateway;
  declared: readonly MockedResource[];
}> {
  const declared = recordResources();
  const component = new CollectorGateway("collector", { namespace: "tracing", collector: collectorConfig(raw) });
  await valueOf(component.otlpGrpcEndpoint);
  return { component, declared: await settled(declared) };
}

const ofType = (declared: readonly MockedResource[], type: string) =>
  declared.filter((r) => r.type === `kubernetes:${type}`);
const named = (declared: readonly MockedResource[], type: string, name: string) =>
  ofType(declared, type).find((r) => (r.inputs.metadata as { name: string }).name === name);

interface Container {
  image: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: unknown;
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface DeploymentSpec {
  replicas: number;
  template: {
    metadata: { annotations: Record<string, string> };
    spec: {
      serviceAccountName: string;
      automountServiceAccountToken: boolean;
      securityContext: { runAsNonRoot: boolean; runAsUser: number };
      containers: Container[];
      volumes: Array<{ name: string; emptyDir?: { sizeLimit: string } }>;
    };
  };
}

function deployment(declared: readonly MockedResource[], name: string): DeploymentSpec {
  const found = named(declared, "apps/v1:Deployment", name);
  expect(found, name).toBeDefined();
  return found!.inputs.spec as DeploymentSpec;
}

function configOf(declared: readonly MockedResource[], name: string): string {
  const configMap = named(declared, "core/v1:ConfigMap", name);
  return (configMap!.inputs.data as Record<string, string>)["config.yaml"];
}

describe("CollectorGateway (single layout)", () => {
  it("outputs the OTLP endpoints apps send to", async () => {
    const { component } = await declare();
    expect(await valueOf(component.otlpGrpcEndpoint)).toBe("http://otel-collector.tracing.svc.cluster.local:4317");
    expect(await valueOf(component.otlpHttpEndpoint)).toBe("http://otel-collector.tracing.svc.cluster.local:4318");
  });

  it("carries exactly the generated config in its ConfigMap", async () => {
    const config = collectorConfig();
    const { declared } = await declare();
    const [tier] = collectorTiers(config, "tracing");
    const text = configOf(declared, "otel-collector");
    expect(text).toBe(renderCollectorConfig(buildCollectorConfig(tier.settings)));
    const document = yaml.load(text) as CollectorConfigDocument;
    expect(document.service.pipelines.traces.processors).toContain("redaction/pii");
    expect(document.exporters["otlp_grpc/jaeger"]).toMatchObject({ endpoint: "jaeger.tracing.svc.cluster.local:4317" });
  });

  it("exposes OTLP gRPC and HTTP through a ClusterIP Service only, and no headless Service", async () => {
    const { declared } = await declare();
    const services = ofType(declared, "core/v1:Service");
    expect(services).toHaveLength(1);
    expect(services[0].inputs).toMatchObject({
      metadata: { name: "otel-collector", namespace: "tracing" },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "otel-collector" },
        ports: [
          { name: "otlp-grpc", port: PORTS.otlpGrpc },
          { name: "otlp-http", port: PORTS.otlpHttp },
        ],
      },
    });
  });

  it("runs our image, non-root on a read-only root, with the stack's resources and probes on health_check", async () => {
    const { declared } = await declare({
      resources: { requests: { cpu: "200m", memory: "300Mi" }, limits: { cpu: "1500m", memory: "1Gi" } },
    });
    const spec = deployment(declared, "otel-collector");
    expect(spec.replicas).toBe(1);
    const pod = spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: IMAGE_USER, runAsGroup: IMAGE_USER });
    const [container] = pod.containers;
    expect(container.image).toBe(collectorConfig().image);
    expect(container.args).toEqual(["--config=/conf/config.yaml"]);
    expect(container.resources).toEqual({
      requests: { cpu: "200m", memory: "300Mi" },
      limits: { cpu: "1500m", memory: "1Gi" },
    });
    // GOMEMLIMIT follows the memory limiter: 80% of the 1Gi limit.
    expect(container.env).toContainEqual({ name: "GOMEMLIMIT", value: "819MiB" });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/", port: "health" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/", port: "health" });
    expect(container.ports.find((p) => p.name === "health")?.containerPort).toBe(PORTS.collectorHealth);
    expect(spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("may read pods, namespaces and replicasets cluster-wide for k8s_attributes, and nothing more", async () => {
    const { declared } = await declare();
    const [role] = ofType(declared, "rbac.authorization.k8s.io/v1:ClusterRole");
    expect(role.inputs).toMatchObject({ metadata: { name: "tracing-otel-collector" } });
    expect(role.inputs.rules).toEqual([
      { apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "watch", "list"] },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "watch", "list"] },
    ]);
    const [binding] = ofType(declared, "rbac.authorization.k8s.io/v1:ClusterRoleBinding");
    expect(binding.inputs).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "tracing-otel-collector" },
      subjects: [{ kind: "ServiceAccount", name: "otel-collector", namespace: "tracing" }],
    });
    const pod = deployment(declared, "otel-collector").template.spec;
    expect(pod.serviceAccountName).toBe("otel-collector");
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it("has no disruption budget with a single replica (it would block node drains)", async () => {
    const { declared } = await declare();
    expect(ofType(declared, "policy/v1:PodDisruptionBudget")).toHaveLength(0);
  });

  it("keeps the persistent queue on an emptyDir of the configured size", async () => {
    const { declared } = await declare({ queue: { persistent: true, diskSize: "2Gi" } });
    const pod = deployment(declared, "otel-collector").template.spec;
    expect(pod.volumes).toContainEqual({ name: "queue", emptyDir: { sizeLimit: "2Gi" } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: "queue", mountPath: QUEUE_DIRECTORY });
    expect(configOf(declared, "otel-collector")).toContain(`directory: ${QUEUE_DIRECTORY}`);
  });
});

describe("CollectorGateway (two-tier layout)", () => {
  const raw = { layout: "two-tier", replicas: 3, samplerReplicas: 2, queue: { persistent: true } };

  it("runs routers behind the apps' Service and samplers behind a headless Service", async () => {
    const { declared } = await declare(raw);
    expect(deployment(declared, "otel-collector").replicas).toBe(3);
    expect(deployment(declared, "otel-collector-sampler").replicas).toBe(2);
    const headless = named(declared, "core/v1:Service", "otel-collector-sampler");
    expect(headless?.inputs).toMatchObject({
      spec: {
        clusterIP: "None",
        selector: { "app.kubernetes.io/name": "otel-collector-sampler" },
        ports: [{ name: "otlp-grpc", port: PORTS.otlpGrpc }],
      },
    });
    const apps = named(declared, "core/v1:Service", "otel-collector");
    expect(apps?.inputs).toMatchObject({
      spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": "otel-collector" } },
    });
  });

  it("routes by trace id to the samplers, which alone sample and queue towards Jaeger", async () => {
    const { declared } = await declare(raw);
    const router = yaml.load(configOf(declared, "otel-collector")) as CollectorConfigDocument;
    const sampler = yaml.load(configOf(declared, "otel-collector-sampler")) as CollectorConfigDocument;
    expect(router.exporters["load_balancing/samplers"]).toMatchObject({
      routing_key: "traceID",
      resolver: { dns: { hostname: "otel-collector-sampler.tracing.svc.cluster.local" } },
    });
    expect(sampler.service.pipelines.traces.processors).toContain("tail_sampling");
    const routerPod = deployment(declared, "otel-collector").template.spec;
    const samplerPod = deployment(declared, "otel-collector-sampler").template.spec;
    expect(routerPod.volumes.map((v) => v.name)).toEqual(["config"]);
    expect(samplerPod.volumes.map((v) => v.name)).toEqual(["config", "queue"]);
  });

  it("gives the Kubernetes token only to the routers, and budgets disruptions of both tiers", async () => {
    const { declared } = await declare(raw);
    expect(deployment(declared, "otel-collector").template.spec.automountServiceAccountToken).toBe(true);
    const samplerPod = deployment(declared, "otel-collector-sampler").template.spec;
    expect(samplerPod.automountServiceAccountToken).toBe(false);
    expect(samplerPod.serviceAccountName).toBe("otel-collector-sampler");
    expect(ofType(declared, "rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toHaveLength(1);
    const budgets = ofType(declared, "policy/v1:PodDisruptionBudget").map((r) => r.inputs);
    expect(budgets).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: "otel-collector" }) }),
      expect.objectContaining({ metadata: expect.objectContaining({ name: "otel-collector-sampler" }) }),
    ]);
  });
});
