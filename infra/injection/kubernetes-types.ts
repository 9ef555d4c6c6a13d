/**
 * The parts of the Kubernetes pod spec the injection reads and writes, as plain data. Fields the
 * injection does not know are carried through untouched (the index signatures), so a full pod spec
 * goes in and the same pod spec, plus our fields, comes out.
 */

export interface EnvVar {
  name: string;
  value?: string;
  /** A downward-API, ConfigMap or Secret reference; the injection never rewrites one. */
  valueFrom?: {
    fieldRef?: { fieldPath: string; apiVersion?: string };
    [source: string]: unknown;
  };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  [field: string]: unknown;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  resources?: ResourceRequirements;
  securityContext?: SecurityContext;
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string; medium?: string };
  [source: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  [field: string]: unknown;
}
