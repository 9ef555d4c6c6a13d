import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../config";
import { JAEGER_UID } from "../pod-security";
import { toolVersion } from "../tool-versions";
import { buildJaegerDeploymentSpec, jaegerVolumes } from "./deployment";
import { JAEGER_FILES } from "./settings";

/** The spec's input types allow promises and outputs; the builder returns plain values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const { jaeger } = parseStackConfig("dev", {});
const pods = { "app.kubernetes.io/name": "jaeger" };

function spec(overrides: Partial<Parameters<typeof buildJaegerDeploymentSpec>[0]> = {}): Loose {
  const volumes = jaegerVolumes("jaeger-config", {});
  return buildJaegerDeploymentSpec({
    jaeger,
    pods,
    labels: { ...pods, "app.kubernetes.io/part-of": "order-tracing" },
    serviceAccountName: "jaeger",
    configChecksum: "abc",
    volumes: volumes.volumes,
    volumeMounts: volumes.mounts,
    ...overrides,
  });
}

describe("buildJaegerDeploymentSpec", () => {
  it("runs the pinned Jaeger v2 image as its non-root user, locked down", () => {
    const pod = spec().template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: JAEGER_UID,
      runAsGroup: JAEGER_UID,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod.containers;
    expect(container.image).toBe(`jaegertracing/jaeger:${toolVersion("JAEGER_V2_VERSION")}`);
    expect(container.args).toEqual(["--config", JAEGER_FILES.config]);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("sets the Go soft memory limit below the container's limit and rolls on a config change", () => {
    const built = spec({ configChecksum: "def" });
    const [container] = built.template.spec.containers;
    const limit: string = container.env.find((e: { name: string }) => e.name === "GOMEMLIMIT")?.value ?? "";
    expect(limit).toMatch(/^\d+MiB$/);
    expect(Number.parseInt(limit, 10)).toBeLessThan(1024);
    expect(built.template.metadata).toMatchObject({ annotations: { "checksum/config": "def" } });
    expect(built.replicas).toBe(jaeger.replicas);
  });
});

describe("jaegerVolumes", () => {
  it("mounts only the config for an unauthenticated storage", () => {
    const { volumes, mounts } = jaegerVolumes("cm", {});
    expect(volumes).toEqual([{ name: "config", configMap: { name: "cm" } }]);
    expect(mounts).toEqual([{ name: "config", mountPath: JAEGER_FILES.configDir, readOnly: true }]);
  });

  it("adds the password file and the CA bundle when the storage needs them", () => {
    const { volumes, mounts } = jaegerVolumes("cm", {
      basicAuth: { username: "jaeger", secretName: "creds" },
      caSecretName: "ca",
    });
    expect(volumes.map((v) => v.name)).toEqual(["config", "storage-auth", "storage-ca"]);
    expect(mounts.map((m) => m.mountPath)).toEqual([
      JAEGER_FILES.configDir,
      JAEGER_FILES.passwordDir,
      JAEGER_FILES.caDir,
    ]);
  });
});
