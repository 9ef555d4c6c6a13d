/**
 * One restricted security context for every pod the stack runs (the Kubernetes "restricted" Pod
 * Security Standard): a non-root user and group, the runtime's default seccomp profile, and
 * containers that cannot escalate, hold no capabilities and, unless they must write, a read-only
 * root filesystem. Plain data: the builders spread it into their pod specs.
 */

/**
 * The non-root user of our images (images/definitions.ts, distroless `nonroot`), of oauth2-proxy's
 * distroless image, and of the instrumentation init container (it exists in distroless and slim
 * Node.js images alike, so `runAsNonRoot` holds for any agent image).
 */
export const NONROOT_UID = 65532;

/** The non-root user the jaegertracing images (jaeger, jaeger-es-index-cleaner) are built to run as. */
export const JAEGER_UID = 10001;

export interface PodSecurity {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  fsGroup?: number;
  seccompProfile: { type: "RuntimeDefault" };
}

/**
 * A pod's security context: user and group `uid`, never root, the default seccomp profile.
 * `fsGroup` when the pod writes to volumes that must belong to that group (a queue, a data disk).
 */
export function restrictedPodSecurity(uid: number, options: { fsGroup?: boolean } = {}): PodSecurity {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    ...(options.fsGroup ? { fsGroup: uid } : {}),
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface ContainerSecurity {
  allowPrivilegeEscalation: false;
  readOnlyRootFilesystem?: true;
  capabilities: { drop: ["ALL"] };
}

/**
 * A container's security context: no privilege escalation, no capabilities, and a read-only root
 * filesystem unless `writableRoot` (a server that writes into its image's folders, Elasticsearch).
 */
export function restrictedContainerSecurity(options: { writableRoot?: boolean } = {}): ContainerSecurity {
  return {
    allowPrivilegeEscalation: false,
    ...(options.writableRoot ? {} : { readOnlyRootFilesystem: true as const }),
    capabilities: { drop: ["ALL"] },
  };
}
