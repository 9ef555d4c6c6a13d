/**
 * The Jaeger Deployment's spec as plain data (the Jaeger component creates it; unit tests read it).
 * Values only the cluster knows (the ServiceAccount's name, the config checksum, the storage's
 * volumes) come in as Pulumi inputs and are placed as they are, so a preview keeps every other field
 * known.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PodLabels } from "../labels";
import { goMemoryLimit, memoryLimiterFor } from "../collector/config";
import type { JaegerConfig } from "../config/jaeger";
import { JAEGER_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security";
import { toolVersion } from "../tool-versions";
import { PORTS } from "../topology";
import {
  CA_SECRET_KEY,
  CLUSTER_JAEGER_PORTS,
  JAEGER_FILES,
  STORAGE_SECRET_KEYS,
  type StorageConnection,
} from "./settings";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** The Jaeger v2 image of the release pinned in tools/versions.env. */
export function defaultJaegerImage(): string {
  return `jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}`;
}

/** The config volume and what the storage connection needs: a password file, a CA bundle. */
export function jaegerVolumes(
  configMapName: pulumi.Input<string>,
  storage: Pick<StorageConnection, "basicAuth" | "caSecretName">,
): { volumes: Volume[]; mounts: VolumeMount[] } {
  const volumes: Volume[] = [{ name: "config", configMap: { name: configMapName } }];
  const mounts: VolumeMount[] = [{ name: "config", mountPath: JAEGER_FILES.configDir, readOnly: true }];
  if (storage.basicAuth) {
    volumes.push({
      name: "storage-auth",
      secret: {
        secretName: storage.basicAuth.secretName,
        items: [{ key: STORAGE_SECRET_KEYS.password, path: "password" }],
      },
    });
    mounts.push({ name: "storage-auth", mountPath: JAEGER_FILES.passwordDir, readOnly: true });
  }
  if (storage.caSecretName) {
    volumes.push({
      name: "storage-ca",
      secret: { secretName: storage.caSecretName, items: [{ key: CA_SECRET_KEY, path: CA_SECRET_KEY }] },
    });
    mounts.push({ name: "storage-ca", mountPath: JAEGER_FILES.caDir, readOnly: true });
  }
  return { volumes, mounts };
}

export interface JaegerDeploymentParams extends PodLabels {
  jaeger: JaegerConfig;
  serviceAccountName: pulumi.Input<string>;
  /** Checksum of the config files: a change rolls the pods. */
  configChecksum: pulumi.Input<string>;
  volumes: pulumi.Input<pulumi.Input<Volume>[]>;
  volumeMounts: pulumi.Input<pulumi.Input<VolumeMount>[]>;
}

/** Jaeger v2 as one Deployment: OTLP in, storage out, query and UI served (docs/operations.md). */
export function buildJaegerDeploymentSpec(params: JaegerDeploymentParams): k8s.types.input.apps.v1.DeploymentSpec {
  const { jaeger } = params;
  return {
    replicas: jaeger.replicas,
    selector: { matchLabels: params.pods },
    template: {
      metadata: {
        labels: params.labels,
        // A config change rolls the pods (Jaeger reads its config only at start).
        annotations: { "checksum/config": params.configChecksum },
      },
      spec: {
        serviceAccountName: params.serviceAccountName,
        automountServiceAccountToken: false,
        securityContext: restrictedPodSecurity(JAEGER_UID),
        containers: [
          {
            name: "jaeger",
            image: jaeger.image ?? defaultJaegerImage(),
            args: ["--config", JAEGER_FILES.config],
            env: [
              // The Go runtime collects harder before the memory limiter and the OOM killer act.
              { name: "GOMEMLIMIT", value: goMemoryLimit(memoryLimiterFor(params.jaeger.memoryLimitBytes)) },
            ],
            ports: [
              { name: "otlp-grpc", containerPort: CLUSTER_JAEGER_PORTS.otlpGrpc, protocol: "TCP" },
              { name: "otlp-http", containerPort: CLUSTER_JAEGER_PORTS.otlpHttp, protocol: "TCP" },
              { name: "query-http", containerPort: CLUSTER_JAEGER_PORTS.queryHttp, protocol: "TCP" },
              { name: "query-grpc", containerPort: CLUSTER_JAEGER_PORTS.queryGrpc, protocol: "TCP" },
              { name: "health", containerPort: CLUSTER_JAEGER_PORTS.health, protocol: "TCP" },
              { name: "metrics", containerPort: PORTS.jaegerMetrics, protocol: "TCP" },
            ],
            // Ready when every component (storage included) reports OK; alive while it listens,
            // so a storage outage makes pods unready without restarting them in a loop.
            readinessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 10 },
            livenessProbe: {
              tcpSocket: { port: "query-http" },
              initialDelaySeconds: 10,
              periodSeconds: 20,
              failureThreshold: 6,
            },
            resources: jaeger.resources,
            securityContext: restrictedContainerSecurity(),
            volumeMounts: params.volumeMounts,
          },
        ],
        volumes: params.volumes,
      },
    },
  };
}
