import type { StackValidationPolicy } from "@pulumi/policy";
import { nameOf, whenKnown, type Props } from "../lib/kubernetes";
import { workloadsOf, type StackResource, type Workload } from "../lib/stack";
import { stringList } from "./shared-config";

interface Config {
  instrumentedServices: string[];
  initContainerName: string;
}

const SERVICE_NAME_ENV = "OTEL_SERVICE_NAME";
/** Either variable tells the agent where to send (the traces-only one wins when both are set). */
const ENDPOINT_ENVS = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

/**
 * Rule 6. Every service on the order path is traced: for Shop, CRM and MES the stack declares a
 * workload (or a patch of the team's Deployment) with the instrumentation init container and an
 * app container that knows its service name and the collector's OTLP endpoint.
 */
export const instrumentationPresent: StackValidationPolicy = {
  name: "instrumentation-present",
  description: "Shop, CRM and MES each get the instrumentation init container and the OTLP endpoint.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      instrumentedServices: stringList(
        ["shop", "crm", "mes"],
        "service.name of every service that must be instrumented (OTEL_SERVICE_NAME, or the workload's name).",
      ),
      initContainerName: {
        type: "string",
        default: "order-tracing-instrumentation",
        description: "The init container that copies the agent into the pod.",
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = args.getConfig<Config>();
    const workloads = workloadsOf(args.resources as StackResource[]);
    for (const service of config.instrumentedServices) {
      const candidates = workloads.filter((w) => whenKnown(() => serves(w, service), false));
      if (candidates.length === 0) {
        reportViolation(
          `No workload in this stack instruments service "${service}". Add it to order-tracing:instrumentation.services ` +
            `(a patch of its Deployment), or apply instrumentTransform to the workload that runs it.`,
        );
        continue;
      }
      if (candidates.some((w) => whenKnown(() => missingParts(w, service, config).length === 0, true))) continue;
      for (const workload of candidates) {
        const missing = whenKnown(() => missingParts(workload, service, config), []);
        reportViolation(
          `Workload "${nameOf(workload.resource.props)}" runs service "${service}" without ${missing.join(" and ")}, ` +
            `so its spans never reach the collector. Inject the instrumentation (init container "${config.initContainerName}", ` +
            `${ENDPOINT_ENVS[0]} pointing at the collector).`,
          workload.resource.urn,
        );
      }
    }
  },
};

function envOf(container: Props): Map<string, Props> {
  return new Map(((container?.env ?? []) as Props[]).map((variable) => [String(variable?.name), variable]));
}

/** A workload runs a service when a container says so (OTEL_SERVICE_NAME) or, failing that, by its name. */
function serves(workload: Workload, service: string): boolean {
  const names = ((workload.template.spec.containers ?? []) as Props[])
    .map((c) => envOf(c).get(SERVICE_NAME_ENV)?.value)
    .filter((v): v is string => typeof v === "string");
  return names.length > 0 ? names.includes(service) : nameOf(workload.resource.props) === service;
}

function missingParts(workload: Workload, service: string, config: Config): string[] {
  const spec = workload.template.spec;
  const missing: string[] = [];
  if (!((spec.initContainers ?? []) as Props[]).some((c) => c?.name === config.initContainerName)) {
    missing.push(`the init container "${config.initContainerName}"`);
  }
  const containers = (spec.containers ?? []) as Props[];
  const app = containers.find((c) => envOf(c).get(SERVICE_NAME_ENV)?.value === service) ?? containers[0];
  const env = app ? envOf(app) : new Map<string, Props>();
  const endpoint = ENDPOINT_ENVS.map((name) => env.get(name)).find(
    (v) => v !== undefined && ((typeof v.value === "string" && v.value !== "") || v.valueFrom !== undefined),
  );
  if (endpoint === undefined) missing.push(`an OTLP endpoint (${ENDPOINT_ENVS.join(" or ")})`);
  return missing;
}
