import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InstrumentationConfig } from "../config/instrumentation";
import type { InjectionSettings } from "../injection/instrument-pod-spec";
import { deploymentInstrumentationPatch, namespaceLabelPatch } from "../injection/patches";
import { PARTS, serviceHost } from "../topology";

export interface InstrumentedDeploymentsArgs extends InstrumentationConfig {
  /** The namespace of the collector gateway the agents export to. */
  collectorNamespace: string;
}

/**
 * Puts the instrumentation into deployments that other teams own and deploy: one server-side-apply
 * DeploymentPatch per service, carrying only our fields under our field manager, and a
 * NamespacePatch that labels each app namespace as instrumented (the collector's NetworkPolicy admits
 * OTLP from those namespaces). Removing a service from the config deletes its patch, which
 * relinquishes our fields and leaves the team's own untouched.
 */
export class InstrumentedDeployments extends pulumi.ComponentResource {
  /** `namespace/deployment` of every instrumented deployment. */
  readonly deployments: pulumi.Output<string[]>;

  constructor(name: string, args: InstrumentedDeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("order-tracing:injection:InstrumentedDeployments", name, {}, opts);
    const settings: InjectionSettings = {
      collectorHost: serviceHost(PARTS.collector, args.collectorNamespace),
      agents: args.agents,
      initContainerResources: args.initContainerResources,
    };
    const patchOptions = { forceConflicts: args.forceConflicts };

    for (const namespace of new Set(args.services.map((s) => s.namespace))) {
      new k8s.core.v1.NamespacePatch(`${name}-namespace-${namespace}`, namespaceLabelPatch(namespace, patchOptions), {
        parent: this,
      });
    }

    const patches = args.services.map(
      (service) =>
        new k8s.apps.v1.DeploymentPatch(
          `${name}-${service.name}`,
          deploymentInstrumentationPatch(
            { name: service.deployment, namespace: service.namespace },
            {
              serviceName: service.name,
              container: service.container,
              language: service.language,
              nodeModuleFormat: service.nodeModuleFormat,
              orderTracingRules: service.rules,
            },
            settings,
            patchOptions,
          ),
          { parent: this },
        ),
    );

    this.deployments = pulumi.all(
      patches.map((patch) => pulumi.interpolate`${patch.metadata.namespace}/${patch.metadata.name}`),
    );
    this.registerOutputs({ deployments: this.deployments });
  }
}
