/**
 * A collector tier's Deployment spec as plain data (the CollectorGateway component creates it; unit
 * tests read it). The ServiceAccount's and ConfigMap's names come in as Pulumi inputs and are
 * placed as they are.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PodLabels } from "../labels";
import { createHash } from "node:crypto";
import type { CollectorConfig } from "../config/collector";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security";
import { PORTS } from "../topology";
import { goMemoryLimit } from "./config";
import { QUEUE_DIRECTORY, type CollectorTierPlan } from "./settings";

/** Where the generated config is mounted. */
export const COLLECTOR_CONFIG_DIR = "/conf";
export const COLLECTOR_CONFIG_FILE = "config.yaml";

export interface CollectorDeploymentParams extends PodLabels {
  tier: CollectorTierPlan;
  collector: CollectorConfig;
  /** The rendered config (its checksum rolls the pods when it changes). */
  configText: string;
  configMapName: pulumi.Input<string>;
  serviceAccountName: pulumi.Input<string>;
  /** The tier that enriches spans reads pods through the API (k8s_attributes); the others get no token. */
  readsKubernetes: boolean;
}

/** One collector tier as a Deployment: our collector image, non-root, spread over nodes, probed. */
export function buildCollectorDeploymentSpec(
  params: CollectorDeploymentParams,
): k8s.types.input.apps.v1.DeploymentSpec {
  const { tier, collector, pods } = params;
  const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "config", configMap: { name: params.configMapName } }];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "config", mountPath: COLLECTOR_CONFIG_DIR, readOnly: true },
  ];
  if (tier.settings.location.queueDirectory !== undefined) {
    // Survives container restarts (an OOM kill, a crash), which is when a queue matters most.
    volumes.push({ name: "queue", emptyDir: { sizeLimit: collector.queue.diskSize } });
    mounts.push({ name: "queue", mountPath: QUEUE_DIRECTORY });
  }
  return {
    replicas: tier.replicas,
    selector: { matchLabels: pods },
    // Never fewer ready pods than asked for while rolling: apps keep a receiver.
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: {
        labels: params.labels,
        annotations: {
          // A config change rolls the pods: the collector reads its config only at start.
          "checksum/config": createHash("sha256").update(params.configText).digest("hex"),
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(PORTS.collectorMetrics),
        },
      },
      spec: {
        serviceAccountName: params.serviceAccountName,
        automountServiceAccountToken: params.readsKubernetes,
        // Pending traces get their sampling decision and queued spans are flushed on SIGTERM.
        terminationGracePeriodSeconds: collector.sampling.decisionWaitSeconds + 30,
        // fsGroup: the queue's emptyDir belongs to the collector's group.
        securityContext: restrictedPodSecurity(NONROOT_UID, { fsGroup: true }),
        affinity: {
          // Replicas on different nodes, so one node's loss takes only part of the gateway.
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: { labelSelector: { matchLabels: pods }, topologyKey: "kubernetes.io/hostname" },
              },
            ],
          },
        },
        containers: [
          {
            name: "otelcol",
            image: collector.image,
            args: [`--config=${COLLECTOR_CONFIG_DIR}/${COLLECTOR_CONFIG_FILE}`],
            env: [
              // The Go runtime's soft limit at the memory limiter's: it collects harder before
              // the limiter refuses data and long before the kernel kills the container.
              { name: "GOMEMLIMIT", value: goMemoryLimit(tier.settings.memoryLimiter) },
            ],
            ports: [
              { name: "otlp-grpc", containerPort: PORTS.otlpGrpc, protocol: "TCP" },
              { name: "otlp-http", containerPort: PORTS.otlpHttp, protocol: "TCP" },
              { name: "health", containerPort: PORTS.collectorHealth, protocol: "TCP" },
              { name: "metrics", containerPort: PORTS.collectorMetrics, protocol: "TCP" },
            ],
            readinessProbe: { httpGet: { path: "/", port: "health" }, periodSeconds: 5 },
            livenessProbe: {
              httpGet: { path: "/", port: "health" },
              initialDelaySeconds: 10,
              periodSeconds: 15,
              failureThreshold: 4,
            },
            resources: collector.resources,
            securityContext: restrictedContainerSecurity(),
            volumeMounts: mounts,
          },
        ],
        volumes,
      },
    },
  };
}
