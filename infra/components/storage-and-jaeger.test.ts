import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../config";
import { parseQuantity } from "../config/validators";
import { STORAGE_PASSWORD_KEY } from "../config/storage";
import { recordResources, valueOf, type MockedResource } from "../testing/mocks";
import { settled } from "../testing/settle";
import { toolVersion } from "../tool-versions";
import { PARTS, PORTS } from "../topology";
import { Jaeger } from "./jaeger";
import { TraceStorage } from "./trace-storage";

type Container = {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
};

/** Recorded inputs are untyped JSON; the assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** How the engine marks a secret value in resource inputs (sdk/go/common/resource/sig). */
const PULUMI_SECRET_SIGNATURE = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

const ofType = (declared: readonly MockedResource[], type: string) => declared.filter((r) => r.type === type);
const one = (declared: readonly MockedResource[], type: string) => {
  const found = ofType(declared, type);
  expect(found, type).toHaveLength(1);
  return found[0].inputs as Loose;
};

async function storageOf(raw: Record<string, unknown>, secretKeys: string[] = [], stack = "dev") {
  const config = parseStackConfig(stack, raw, new Set(secretKeys));
  const declared = recordResources(stack);
  const storage = new TraceStorage("trace-storage", {
    namespace: config.namespace,
    storage: config.storage,
    password: config.storage.passwordSecret ? "not-a-real-password" : undefined,
  });
  const connection = await valueOf(storage.connection);
  await settled(declared);
  return { config, declared, connection, storage };
}

describe("TraceStorage: in-cluster Elasticsearch", () => {
  const prodLike = {
    quota: {
      storage: "320Gi",
      persistentVolumeClaims: 4,
      maxVolumeSize: "100Gi",
      maxContainerMemory: "8Gi",
      limitsMemory: "40Gi",
      requestsMemory: "32Gi",
    },
    storage: {
      diskSize: "100Gi",
      indexReplicas: 1,
      retentionDays: 14,
      elasticsearch: { nodes: 3, memory: "8Gi", cpu: "2" },
    },
  };

  it("keeps every node's PVC within the namespace's storage quota", async () => {
    const { config, declared } = await storageOf(prodLike);
    const statefulSet = one(declared, "kubernetes:apps/v1:StatefulSet");
    const claim = statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage as string;
    expect(claim).toBe("100Gi");
    expect(parseQuantity(claim)! * statefulSet.spec.replicas).toBeLessThanOrEqual(parseQuantity(config.quota.storage)!);
    expect(statefulSet.spec.replicas).toBeLessThanOrEqual(config.quota.persistentVolumeClaims);
  });

  it("sizes the JVM heap at half the memory limit, with memory requests equal to limits", async () => {
    const { declared } = await storageOf(prodLike);
    const container = one(declared, "kubernetes:apps/v1:StatefulSet").spec.template.spec.containers[0] as Container;
    expect(container.resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } });
    expect(container.env).toContainEqual({ name: "ES_JAVA_OPTS", value: "-Xms4096m -Xmx4096m" });
  });

  it("configures the disk watermarks and three-node discovery in elasticsearch.yml", async () => {
    const { declared } = await storageOf(prodLike);
    const configMap = ofType(declared, "kubernetes:core/v1:ConfigMap").find(
      (r) => (r.inputs.metadata as { name: string }).name === PARTS.elasticsearch,
    )!;
    const settings = yaml.load((configMap.inputs.data as Record<string, string>)["elasticsearch.yml"]) as Record<
      string,
      unknown
    >;
    expect(settings).toMatchObject({
      "cluster.routing.allocation.disk.watermark.low": "80%",
      "cluster.routing.allocation.disk.watermark.high": "85%",
      "cluster.routing.allocation.disk.watermark.flood_stage": "90%",
      "cluster.initial_master_nodes": ["elasticsearch-0", "elasticsearch-1", "elasticsearch-2"],
    });
  });

  it("raises vm.max_map_count in a privileged init container, runs Elasticsearch itself as non-root", async () => {
    const { declared } = await storageOf(prodLike);
    const pod = one(declared, "kubernetes:apps/v1:StatefulSet").spec.template.spec;
    expect(pod.initContainers[0]).toMatchObject({ name: "raise-max-map-count", securityContext: { privileged: true } });
    expect(pod.initContainers[0].command.join(" ")).toContain("vm.max_map_count=262144");
    // Non-root for the pod; only the privileged init container overrides it, as root.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(pod.initContainers[0].securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    expect(pod.containers[0].securityContext.runAsNonRoot).toBeUndefined();
  });

  it("serves HTTP on a ClusterIP Service and discovery on a headless one; a PDB keeps two of three nodes up", async () => {
    const { declared, connection } = await storageOf(prodLike);
    const services = ofType(declared, "kubernetes:core/v1:Service").map(
      (s) => s.inputs.spec as Record<string, unknown>,
    );
    expect(services).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "ClusterIP" }),
        expect.objectContaining({ clusterIP: "None", publishNotReadyAddresses: true }),
      ]),
    );
    expect(one(declared, "kubernetes:policy/v1:PodDisruptionBudget").spec.maxUnavailable).toBe(1);
    expect(connection).toEqual({
      engine: "elasticsearch",
      url: `http://elasticsearch.tracing.svc.cluster.local:${PORTS.elasticsearchHttp}`,
      version: 8,
    });
  });

  it("deletes indices older than retentionDays on the configured schedule, with Jaeger's cleaner of the pinned release", async () => {
    const { declared } = await storageOf({
      ...prodLike,
      storage: { ...prodLike.storage, retentionSchedule: "30 1 * * *" },
    });
    const cronJob = one(declared, "kubernetes:batch/v1:CronJob");
    expect(cronJob.spec).toMatchObject({ schedule: "30 1 * * *", concurrencyPolicy: "Forbid" });
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0] as Container;
    expect(container.image).toBe(`jaegertracing/jaeger-es-index-cleaner:${toolVersion("JAEGER_VERSION")}`);
    expect(container.args).toEqual([
      "14",
      "http://elasticsearch.tracing.svc.cluster.local:9200",
      "--index-prefix=order-tracing",
    ]);
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe(PARTS.indexCleaner);
  });

  it("runs one node without a PDB and with mmap off when the sysctl init container is disabled", async () => {
    const { declared } = await storageOf({ storage: { elasticsearch: { sysctlInitContainer: false } } });
    expect(ofType(declared, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);
    const statefulSet = one(declared, "kubernetes:apps/v1:StatefulSet");
    expect(statefulSet.spec.template.spec.initContainers).toEqual([]);
    const configMap = ofType(declared, "kubernetes:core/v1:ConfigMap")[0];
    expect((configMap.inputs.data as Record<string, string>)["elasticsearch.yml"]).toContain(
      "node.store.allow_mmap: false",
    );
  });
});

describe("TraceStorage: AWS OpenSearch Service", () => {
  const aws = {
    storage: {
      kind: "opensearch-aws",
      diskSize: "200Gi",
      retentionDays: 30,
      indexReplicas: 1,
      opensearchAws: {
        instanceCount: 3,
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
        securityGroupIds: ["sg-0123456789abcdef0"],
      },
    },
    [STORAGE_PASSWORD_KEY]: "set",
  };

  it("declares a VPC-only domain, encrypted at rest and between nodes, HTTPS only, with EBS = the disk quota", async () => {
    const { declared } = await storageOf(aws, [STORAGE_PASSWORD_KEY], "prod");
    const domain = one(declared, "aws:opensearch/domain:Domain");
    expect(domain.vpcOptions).toEqual({
      subnetIds: aws.storage.opensearchAws.subnetIds,
      securityGroupIds: aws.storage.opensearchAws.securityGroupIds,
    });
    expect(domain.encryptAtRest).toEqual({ enabled: true });
    expect(domain.nodeToNodeEncryption).toEqual({ enabled: true });
    expect(domain.domainEndpointOptions).toMatchObject({ enforceHttps: true });
    expect(domain.ebsOptions).toMatchObject({ ebsEnabled: true, volumeSize: 200 });
    expect(domain.clusterConfig).toMatchObject({
      instanceCount: 3,
      zoneAwarenessEnabled: true,
      zoneAwarenessConfig: { availabilityZoneCount: 3 },
    });
    // The master password makes the whole block a secret: the engine stores it encrypted.
    expect(domain.advancedSecurityOptions).toMatchObject({
      [PULUMI_SECRET_SIGNATURE.key]: PULUMI_SECRET_SIGNATURE.value,
      value: { enabled: true, internalUserDatabaseEnabled: true, masterUserOptions: { masterUserName: "jaeger" } },
    });
    expect(ofType(declared, "aws:opensearch/domainPolicy:DomainPolicy")).toHaveLength(1);
    expect(ofType(declared, "kubernetes:apps/v1:StatefulSet")).toHaveLength(0);
  });

  it("gives Jaeger the domain over HTTPS with basic auth, and the cleaner the same credentials from the Secret", async () => {
    const { declared, connection } = await storageOf(aws, [STORAGE_PASSWORD_KEY], "prod");
    expect(connection).toMatchObject({
      engine: "opensearch",
      basicAuth: { username: "jaeger", secretName: "trace-storage-credentials" },
    });
    expect(connection.url).toMatch(/^https:\/\//);
    const secret = one(declared, "kubernetes:core/v1:Secret");
    expect(secret.metadata.name).toBe("trace-storage-credentials");
    const container = one(declared, "kubernetes:batch/v1:CronJob").spec.jobTemplate.spec.template.spec
      .containers[0] as Container;
    expect(container.args).toContain("30");
    expect(container.args).toContain("--es.tls.enabled=true");
    expect(container.env).toEqual([
      { name: "ES_USERNAME", value: "jaeger" },
      { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "trace-storage-credentials", key: "password" } } },
    ]);
  });
});

describe("TraceStorage: external", () => {
  it("points Jaeger and the cleaner at the URL with credentials and the private CA", async () => {
    const { declared, connection } = await storageOf(
      {
        storage: {
          kind: "external",
          external: { url: "https://es.internal:9200", engine: "opensearch", caSecretName: "es-ca" },
        },
        [STORAGE_PASSWORD_KEY]: "set",
      },
      [STORAGE_PASSWORD_KEY],
    );
    expect(connection).toEqual({
      engine: "opensearch",
      url: "https://es.internal:9200",
      basicAuth: { username: "jaeger", secretName: "trace-storage-credentials" },
      caSecretName: "es-ca",
    });
    const container = one(declared, "kubernetes:batch/v1:CronJob").spec.jobTemplate.spec.template.spec
      .containers[0] as Container;
    expect(container.args).toEqual([
      "7",
      "https://es.internal:9200",
      "--index-prefix=order-tracing",
      "--es.tls.enabled=true",
      "--es.tls.ca=/etc/jaeger/storage-ca/ca.crt",
    ]);
  });
});

describe("Jaeger", () => {
  async function jaegerOf(raw: Record<string, unknown>) {
    const config = parseStackConfig("dev", raw);
    const declared = recordResources();
    const jaeger = new Jaeger("jaeger", {
      namespace: config.namespace,
      jaeger: config.jaeger,
      storage: { engine: "elasticsearch", url: "http://elasticsearch.tracing.svc.cluster.local:9200", version: 8 },
      index: config.storage.index,
      retentionDays: config.storage.retention.days,
    });
    const queryUrl = await valueOf(jaeger.queryUrl);
    await settled(declared);
    return { declared, queryUrl, jaeger };
  }

  it("exposes query and OTLP on a ClusterIP Service only", async () => {
    const { declared } = await jaegerOf({});
    const service = one(declared, "kubernetes:core/v1:Service");
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.metadata.name).toBe(PARTS.jaeger);
    expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([
      PORTS.otlpGrpc,
      PORTS.otlpHttp,
      PORTS.jaegerQueryHttp,
      PORTS.jaegerQueryGrpc,
    ]);
    expect(ofType(declared, "kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(0);
  });

  it("runs the generated config from its ConfigMap, as non-root with a read-only root file system", async () => {
    const { declared } = await jaegerOf({ storage: { retentionDays: 5, indexReplicas: 0 } });
    const configText = (one(declared, "kubernetes:core/v1:ConfigMap").data as Record<string, string>)["config.yaml"];
    const config = yaml.load(configText) as {
      extensions: { jaeger_storage: { backends: { traces: { elasticsearch: Loose } } } };
    };
    const backend = config.extensions.jaeger_storage.backends.traces.elasticsearch;
    expect(backend.indices.spans).toMatchObject({ shards: 1, replicas: 0 });
    expect(backend.max_span_age).toBe("120h");
    const deployment = one(declared, "kubernetes:apps/v1:Deployment");
    const container = deployment.spec.template.spec.containers[0] as Container & {
      securityContext: Record<string, unknown>;
    };
    expect(container.image).toBe(`jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}`);
    expect(container.args).toEqual(["--config", "/etc/jaeger/config.yaml"]);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(deployment.spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("publishes the in-cluster query URL with the base path, and where the access proxy finds it", async () => {
    const { queryUrl, jaeger } = await jaegerOf({ jaeger: { basePath: "/jaeger", replicas: 2 } });
    expect(queryUrl).toBe("http://jaeger.tracing.svc.cluster.local:16686/jaeger");
    expect(await valueOf(jaeger.otlpEndpoint)).toBe("jaeger.tracing.svc.cluster.local:4317");
    expect(jaeger.query.podLabels["app.kubernetes.io/name"]).toBe(PARTS.jaeger);
  });
});
