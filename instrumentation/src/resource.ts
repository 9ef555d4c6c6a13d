import { hostname } from "node:os";
import { DOWNWARD_API_ENV } from "./env";

/**
 * The resource attributes the bundle knows before any detector runs: Kubernetes identity from the
 * downward-API variables the injection sets, the host name (the node id outside Kubernetes), and
 * the process. OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are merged over these by the SDK's
 * env detector, so the user's own values win.
 */
export function baseResourceAttributes(
  env: NodeJS.ProcessEnv,
  host: () => string = hostname,
): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "host.name": host(),
    "process.pid": process.pid,
    "process.runtime.name": "nodejs",
    "process.runtime.version": process.versions.node,
  };
  const fromEnv: Array<[string, string | undefined]> = [
    ["k8s.node.name", env[DOWNWARD_API_ENV.nodeName]],
    ["k8s.pod.name", env[DOWNWARD_API_ENV.podName]],
    ["k8s.namespace.name", env[DOWNWARD_API_ENV.namespaceName]],
  ];
  for (const [key, value] of fromEnv) if (value) attributes[key] = value;
  return attributes;
}
