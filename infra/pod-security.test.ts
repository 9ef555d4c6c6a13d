import { describe, expect, it } from "vitest";
import { JAEGER_UID, NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "./pod-security";

describe("the restricted security context", () => {
  it("runs a pod as a non-root user and group with the default seccomp profile, fsGroup when asked", () => {
    expect(restrictedPodSecurity(NONROOT_UID)).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(restrictedPodSecurity(JAEGER_UID, { fsGroup: true })).toMatchObject({ runAsUser: 10001, fsGroup: 10001 });
  });

  it("gives containers no escalation, no capabilities and a read-only root unless they must write", () => {
    expect(restrictedContainerSecurity()).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(restrictedContainerSecurity({ writableRoot: true })).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
  });
});
