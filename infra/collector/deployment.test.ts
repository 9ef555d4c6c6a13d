import { describe, expect, it } from "vitest";
import { readCollectorConfig } from "../config/collector";
import { ConfigReader } from "../config/read";
import { NONROOT_UID } from "../pod-security";
import { PORTS } from "../topology";
import { buildCollectorDeploymentSpec, COLLECTOR_CONFIG_DIR } from "./deployment";
import { collectorTiers, QUEUE_DIRECTORY } from "./settings";

/** The spec's input types allow promises and outputs; the builder returns plain values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function build(raw: Record<string, unknown>, readsKubernetes = true): Loose[] {
  const read = new ConfigReader({ collector: { image: "registry.test/otelcol@sha256:" + "c".repeat(64), ...raw } });
  const collector = readCollectorConfig(read);
  expect(read.errors).toEqual([]);
  return collectorTiers(collector, "tracing").map((tier) =>
    buildCollectorDeploymentSpec({
      tier,
      collector,
      pods: { app: tier.part },
      labels: { app: tier.part },
      configText: "receivers: {}\n",
      configMapName: tier.part,
      serviceAccountName: tier.part,
      readsKubernetes,
    }),
  );
}

describe("buildCollectorDeploymentSpec", () => {
  it("runs our image as the non-root user, restricted, with the config mounted and probes on health_check", () => {
    const [spec] = build({});
    const pod = spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: NONROOT_UID,
      runAsGroup: NONROOT_UID,
      fsGroup: NONROOT_UID,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod.containers;
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.args).toEqual([`--config=${COLLECTOR_CONFIG_DIR}/config.yaml`]);
    expect(container.readinessProbe.httpGet).toEqual({ path: "/", port: "health" });
    expect(container.ports.find((p: Loose) => p.name === "metrics").containerPort).toBe(PORTS.collectorMetrics);
    expect(spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(spec.template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    expect(pod.volumes).toEqual([{ name: "config", configMap: { name: "otel-collector" } }]);
  });

  it("mounts the persistent queue only when asked, and gives the API token only to the tier that reads pods", () => {
    const [router, sampler] = build({
      layout: "two-tier",
      replicas: 3,
      samplerReplicas: 2,
      queue: { persistent: true },
    });
    const mounts = (spec: Loose) => spec.template.spec.containers[0].volumeMounts;
    expect([router, sampler].some((spec) => mounts(spec).some((m: Loose) => m.name === "queue"))).toBe(true);
    const withQueue = [router, sampler].find((spec) => mounts(spec).some((m: Loose) => m.name === "queue"));
    expect(mounts(withQueue)).toContainEqual({ name: "queue", mountPath: QUEUE_DIRECTORY });
    expect(mounts(build({})[0]).map((m: Loose) => m.name)).toEqual(["config"]);
    expect(build({}, false)[0].template.spec.automountServiceAccountToken).toBe(false);
    expect(router.template.spec.automountServiceAccountToken).toBe(true);
  });
});
