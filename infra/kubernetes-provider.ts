import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { KubernetesTarget } from "./config";

/**
 * The kubernetes provider every resource of the stack uses: render mode writes the manifests to a
 * folder (no cluster needed), cluster mode applies them with server-side apply.
 */
export function kubernetesProvider(target: KubernetesTarget): k8s.Provider {
  if (target.mode === "render") {
    // A forced re-render (`pulumi up --replace`, see scripts/up.sh) must delete the old file before
    // writing the new one: both have the same path.
    pulumi.runtime.registerResourceTransform(deleteBeforeReplaceKubernetesObjects);
    return new k8s.Provider("kubernetes", {
      // Relative to the project root, where `pulumi` runs, so the path is the same on every machine.
      renderYamlToDirectory: path.normalize(target.renderDirectory),
    });
  }
  return new k8s.Provider("kubernetes", {
    kubeconfig: target.kubeconfig,
    context: target.context,
    enableServerSideApply: true,
  });
}

function deleteBeforeReplaceKubernetesObjects(
  args: pulumi.ResourceTransformArgs,
): pulumi.ResourceTransformResult | undefined {
  if (!args.custom || !args.type.startsWith("kubernetes:")) return undefined;
  // Transforms carry every custom-resource option, though the type only names the common ones.
  const opts: pulumi.CustomResourceOptions = { ...args.opts, deleteBeforeReplace: true };
  return { props: args.props, opts };
}
