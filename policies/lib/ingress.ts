import { annotationsOf, namespaceOf, type Props } from "./kubernetes";

/** The Services an Ingress sends traffic to (rules' paths and the default backend). */
export function ingressBackends(spec: Props | undefined): string[] {
  const services: string[] = [];
  const add = (backend: Props | undefined) => {
    // networking.k8s.io/v1 names `service.name`; v1beta1 (and extensions) named `serviceName`.
    const name = backend?.service?.name ?? backend?.serviceName;
    if (typeof name === "string") services.push(name);
  };
  add(spec?.defaultBackend ?? spec?.backend);
  for (const rule of spec?.rules ?? []) for (const path of rule?.http?.paths ?? []) add(path?.backend);
  return services;
}

/** The IngressClass an Ingress asks for: the field, or the older annotation. */
export function ingressClassOf(props: Props): string | undefined {
  return props.spec?.ingressClassName ?? annotationsOf(props)["kubernetes.io/ingress.class"];
}

/** Whether an Ingress routes to the trace pipeline: it lives in the tracing namespace or names a tracing Service. */
export function routesToTracing(props: Props, tracingNamespace: string, tracingApps: readonly string[]): boolean {
  return (
    namespaceOf(props) === tracingNamespace || ingressBackends(props.spec).some((name) => tracingApps.includes(name))
  );
}

/** The AWS Load Balancer Controller's annotations start with this. */
export const ALB_ANNOTATION_PREFIX = "alb.ingress.kubernetes.io/";
