import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../labels";

export interface TracingNamespaceArgs {
  name: string;
}

/** The namespace that holds the whole trace pipeline and its access path. */
export class TracingNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: TracingNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:tracing:Namespace", name, {}, opts);
    const namespace = new k8s.core.v1.Namespace(
      name,
      { metadata: { name: args.name, labels: commonLabels("namespace") } },
      { parent: this },
    );
    this.name = namespace.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
