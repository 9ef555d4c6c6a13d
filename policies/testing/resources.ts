/**
 * Small builders of the resources the rules look at, in the shapes infra/ declares them (names and
 * labels from infra/topology.ts), so each test states only what it changes.
 */
import type { ResourceUnderTest } from "./run-policy";

type Props = Record<string, unknown>;

export const TRACING = "tracing";
export const pods = (app: string): Record<string, string> => ({
  "app.kubernetes.io/name": app,
  "app.kubernetes.io/instance": "order-tracing",
});

export function k8s(type: string, name: string, props: Props): ResourceUnderTest {
  return { type: `kubernetes:${type}`, name, props };
}

export function namespace(name = TRACING): ResourceUnderTest {
  return k8s("core/v1:Namespace", name, { metadata: { name } });
}

export function service(name: string, spec: Props, ns = TRACING): ResourceUnderTest {
  return k8s("core/v1:Service", name, { metadata: { name, namespace: ns }, spec });
}

export function configMap(name: string, data: Record<string, unknown>, labels: Props = {}, ns = TRACING) {
  return k8s("core/v1:ConfigMap", name, { metadata: { name, namespace: ns, labels }, data });
}

export function networkPolicy(name: string, spec: Props, ns = TRACING): ResourceUnderTest {
  return k8s("networking.k8s.io/v1:NetworkPolicy", name, { metadata: { name, namespace: ns }, spec });
}

/** A Deployment with one pod template (labels, and the pod spec given). */
export function deployment(name: string, labels: Record<string, string>, podSpec: Props, ns = TRACING) {
  return k8s("apps/v1:Deployment", name, {
    metadata: { name, namespace: ns, labels },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
  });
}

/** The dev stack's Jaeger UI Ingress (infra/components/access/ingress.ts, nginx). */
export function nginxIngress(overrides: { annotations?: Props; spec?: Props; namespace?: string } = {}) {
  return k8s("networking.k8s.io/v1:Ingress", "jaeger-ui", {
    metadata: {
      name: "jaeger-ui",
      namespace: overrides.namespace ?? TRACING,
      annotations: overrides.annotations ?? {
        "nginx.ingress.kubernetes.io/whitelist-source-range": "10.20.0.0/16,100.96.0.0/12",
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      },
    },
    spec: {
      ingressClassName: "nginx-internal",
      tls: [{ hosts: ["jaeger.internal"], secretName: "jaeger-ui-tls" }],
      rules: [
        {
          host: "jaeger.internal",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: { service: { name: "oauth2-proxy", port: { number: 4180 } } } },
            ],
          },
        },
      ],
      ...overrides.spec,
    },
  });
}
