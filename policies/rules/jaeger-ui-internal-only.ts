import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { PRIVATE_RANGES, insideAny } from "../lib/cidr";
import { ALB_ANNOTATION_PREFIX, ingressClassOf, routesToTracing } from "../lib/ingress";
import { annotationsOf, isKind, nameOf, namespaceOf, type Props } from "../lib/kubernetes";
import {
  APP_LABEL,
  TRACING_APPS_SCHEMA,
  TRACING_NAMESPACE_SCHEMA,
  type TracingAppsConfig,
  type TracingNamespaceConfig,
  stringList,
} from "./shared-config";

interface Config extends TracingNamespaceConfig, TracingAppsConfig {
  internalIngressClasses: string[];
  allowedSourceCidrs: string[];
  sourceRangeAnnotations: string[];
}

const EXPOSING_SERVICE_TYPES = ["LoadBalancer", "NodePort"];

/**
 * Rule 1. The Jaeger UI and the trace pipeline are reachable only from the internal network or VPN:
 * no Service exposes tracing pods outside the cluster, and every Ingress that routes to tracing uses
 * an internal ingress class, admits only private/VPN source ranges, and serves TLS.
 */
export const jaegerUiInternalOnly: ResourceValidationPolicy = {
  name: "jaeger-ui-internal-only",
  description:
    "No LoadBalancer/NodePort Service or external IP for tracing; every Ingress to tracing uses an internal class, a private/VPN source allowlist, and TLS.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      ...TRACING_NAMESPACE_SCHEMA,
      ...TRACING_APPS_SCHEMA,
      internalIngressClasses: stringList(
        ["nginx-internal", "alb"],
        "IngressClasses whose controller is reachable only inside the company network (an `alb` Ingress must also ask for scheme internal).",
      ),
      allowedSourceCidrs: stringList(
        [...PRIVATE_RANGES],
        "Ranges the source allowlist of a tracing Ingress may draw from (office and VPN networks).",
      ),
      sourceRangeAnnotations: stringList(
        [
          "nginx.ingress.kubernetes.io/whitelist-source-range",
          "nginx.ingress.kubernetes.io/allowlist-source-range",
          `${ALB_ANNOTATION_PREFIX}inbound-cidrs`,
        ],
        "Ingress annotations that hold the controller's source-range allowlist (comma-separated CIDRs).",
      ),
    },
  },
  validateResource: [
    (args, reportViolation) => {
      if (isKind(args.type, "Service")) checkService(args, reportViolation);
    },
    (args, reportViolation) => {
      if (isKind(args.type, "Ingress")) checkIngress(args, reportViolation);
    },
  ],
};

function checkService(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const { tracingNamespace, tracingApps } = args.getConfig<Config>();
  const props: Props = args.props;
  const app = props.spec?.selector?.[APP_LABEL];
  const inNamespace = namespaceOf(props) === tracingNamespace;
  if (!inNamespace && !tracingApps.includes(app)) return;
  const what = `Service "${nameOf(props)}" ${inNamespace ? `in namespace "${tracingNamespace}"` : `selecting tracing pods (${APP_LABEL}=${app})`}`;
  const type = props.spec?.type ?? "ClusterIP";
  if (EXPOSING_SERVICE_TYPES.includes(type)) {
    reportViolation(
      `${what} is of type ${type}, which exposes tracing outside the cluster. ` +
        `Use type ClusterIP and reach the Jaeger UI through the internal ingress and its proxy.`,
    );
  }
  if ((props.spec?.externalIPs ?? []).length > 0) {
    reportViolation(`${what} sets externalIPs, which exposes tracing outside the cluster. Remove spec.externalIPs.`);
  }
}

function checkIngress(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
  const config = args.getConfig<Config>();
  const props: Props = args.props;
  if (!routesToTracing(props, config.tracingNamespace, config.tracingApps)) return;
  const what = `Ingress "${nameOf(props)}" (routes to tracing)`;
  const annotations = annotationsOf(props);

  const ingressClass = ingressClassOf(props);
  if (ingressClass === undefined || !config.internalIngressClasses.includes(ingressClass)) {
    reportViolation(
      `${what} uses ${ingressClass === undefined ? "the cluster's default ingress class" : `ingress class "${ingressClass}"`}, ` +
        `which is not an internal one. Set spec.ingressClassName to one of: ${config.internalIngressClasses.join(", ")}.`,
    );
  }
  const usesAlb = ingressClass === "alb" || Object.keys(annotations).some((k) => k.startsWith(ALB_ANNOTATION_PREFIX));
  if (usesAlb && annotations[`${ALB_ANNOTATION_PREFIX}scheme`] !== "internal") {
    reportViolation(
      `${what} would get an internet-facing ALB. Set the annotation ${ALB_ANNOTATION_PREFIX}scheme: internal.`,
    );
  }

  const ranges = config.sourceRangeAnnotations
    .map((key) => annotations[key])
    .filter((value): value is string => typeof value === "string")
    .flatMap((value) => value.split(","))
    .map((cidr) => cidr.trim())
    .filter((cidr) => cidr !== "");
  if (ranges.length === 0) {
    reportViolation(
      `${what} has no source-range allowlist, so any address that reaches the controller gets in. ` +
        `Set ${config.sourceRangeAnnotations.join(" or ")} to the office and VPN CIDRs.`,
    );
  }
  const outside = ranges.filter((cidr) => !insideAny(cidr, config.allowedSourceCidrs));
  if (outside.length > 0) {
    reportViolation(
      `${what} admits ${outside.join(", ")}, outside the private/VPN ranges (${config.allowedSourceCidrs.join(", ")}). ` +
        `List only the office and VPN CIDRs.`,
    );
  }

  const tls: Props[] = props.spec?.tls ?? [];
  const covered = new Set(tls.flatMap((entry) => entry?.hosts ?? []));
  const coversAll = tls.some((entry) => (entry?.hosts ?? []).length === 0);
  const uncovered = (props.spec?.rules ?? [])
    .map((rule: Props) => rule?.host)
    .filter((host: unknown): host is string => typeof host === "string" && !coversAll && !covered.has(host));
  if (tls.length === 0 || uncovered.length > 0) {
    reportViolation(
      `${what} serves ${uncovered.length > 0 ? uncovered.join(", ") : "its hosts"} without TLS. ` +
        `Add spec.tls with every host and a certificate (a Secret, or the ALB's certificate-arn).`,
    );
  }
  if (annotations["nginx.ingress.kubernetes.io/ssl-redirect"] === "false") {
    reportViolation(
      `${what} turns nginx's HTTPS redirect off. Remove nginx.ingress.kubernetes.io/ssl-redirect: "false".`,
    );
  }
  const listenPorts = annotations[`${ALB_ANNOTATION_PREFIX}listen-ports`];
  if (
    usesAlb &&
    (listenPorts === undefined || /"HTTP"/.test(listenPorts)) &&
    !annotations[`${ALB_ANNOTATION_PREFIX}ssl-redirect`]
  ) {
    reportViolation(
      `${what} lets the ALB listen on plain HTTP. Set ${ALB_ANNOTATION_PREFIX}listen-ports to '[{"HTTPS":443}]' ` +
        `(or add ${ALB_ANNOTATION_PREFIX}ssl-redirect).`,
    );
  }
}
