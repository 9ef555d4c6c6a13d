import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { KubernetesTarget } from "./config";

/** The project root (where Pulumi.yaml is): infra/ is one level below it. */
const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * The absolute folder a render directory from config names: config paths are relative to the project
 * root, while pulumi runs the program and the provider from infra/.
 */
export function renderDirectoryPath(renderDirectory: string): string {
  return path.resolve(PROJECT_ROOT, renderDirectory);
}

/**
 * The kubernetes provider every resource of the stack uses: render mode writes the manifests to a
 * folder (no cluster needed), cluster mode applies them with server-side apply.
 */
export function kubernetesProvider(target: KubernetesTarget): k8s.Provider {
  if (target.mode === "render") {
    return new k8s.Provider("kubernetes", { renderYamlToDirectory: renderDirectoryPath(target.renderDirectory) });
  }
  // A stack transformation runs inside the program; the newer engine-side transforms
  // (registerResourceTransform) need a language host newer than the one we can build (docs/tools.md).
  if (target.skipAwait) pulumi.runtime.registerStackTransformation(skipAwaitOnKubernetesObjects);
  return new k8s.Provider("kubernetes", {
    kubeconfig: target.kubeconfig,
    context: target.context,
    enableServerSideApply: true,
  });
}

/** The provider's annotation that turns off its readiness checks for one object. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/**
 * Annotates every Kubernetes object with `pulumi.com/skipAwait: "true"`: on an API-only cluster (no
 * kubelet, as in the control-plane test) no pod ever becomes ready, so awaiting Deployments,
 * Services or Ingresses would only time out. The annotation is stored with each object, so what
 * was skipped stays visible in the cluster.
 */
export function skipAwaitOnKubernetesObjects(
  args: pulumi.ResourceTransformationArgs,
): pulumi.ResourceTransformationResult | undefined {
  // Objects of the provider (`kubernetes:<group>/<version>:<Kind>`) carry metadata; its components
  // (yaml, helm, kustomize) and the provider itself (`pulumi:providers:kubernetes`) do not.
  const metadata: unknown = args.props.metadata;
  if (!args.type.startsWith("kubernetes:") || typeof metadata !== "object" || metadata === null) return undefined;
  const annotate = (annotations: Record<string, string> | undefined) => ({
    ...annotations,
    [SKIP_AWAIT_ANNOTATION]: "true",
  });
  type Metadata = { annotations?: pulumi.Input<Record<string, string>> };
  const annotated = pulumi.Output.isInstance(metadata)
    ? (metadata as pulumi.Output<{ annotations?: Record<string, string> }>).apply((m) => ({
        ...m,
        annotations: annotate(m.annotations),
      }))
    : { ...(metadata as Metadata), annotations: pulumi.output((metadata as Metadata).annotations).apply(annotate) };
  return { props: { ...args.props, metadata: annotated }, opts: args.opts };
}
