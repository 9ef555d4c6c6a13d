import type * as k8s from "@pulumi/kubernetes";
import { statusOwnersArg } from "../../../cli/report/options";
import { NONROOT_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../../pod-security";
import { CLUSTER_DNS_PEER, PORTS } from "../../topology";

type CronJobSpec = k8s.types.input.batch.v1.CronJobSpec;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * A day of 10,000 orders is ~60,000 traces held in memory at once; the benchmark's process peaked
 * near 1 GiB with the data set twice over (bench/results/report.json), so the limit leaves room.
 */
export const RESOURCES = { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "2Gi" } };

/** The report's pods, CronJob and exporter alike: our image's non-root user, no privilege, read-only root. */
export const POD_SECURITY = restrictedPodSecurity(NONROOT_UID);
export const CONTAINER_SECURITY = restrictedContainerSecurity();

/** A run that takes longer than this is stopped; the next schedule starts a fresh one. */
const RUN_DEADLINE_SECONDS = 15 * 60;

export interface ReportCronJobParams {
  schedule: string;
  image: string;
  /** Jaeger query's HTTP API as the pod reaches it. */
  jaegerQueryUrl: string;
  /** Base of the trace links; the command defaults it to the query URL. */
  jaegerUiUrl?: string;
  /** The logs link of each stuck order (`--logs-url-template`); none when absent. */
  logsUrlTemplate?: string;
  since: string;
  stuckAfter: string;
  /** Per status, the service that owns it (`--status-owners`); empty: the recorder owns it. */
  statusOwners?: Readonly<Record<string, string>>;
  serviceAccountName: string;
  podLabels: Record<string, string>;
}

/** The arguments of `order-tracing report` as the CronJob runs it: JSON on stdout, for the logs. */
export function reportArgs(
  params: Pick<
    ReportCronJobParams,
    "jaegerQueryUrl" | "jaegerUiUrl" | "logsUrlTemplate" | "since" | "stuckAfter" | "statusOwners"
  >,
) {
  return [
    "report",
    "--jaeger-url",
    params.jaegerQueryUrl,
    "--since",
    params.since,
    "--stuck-after",
    params.stuckAfter,
    "--format",
    "json",
    ...(params.jaegerUiUrl ? ["--jaeger-ui-url", params.jaegerUiUrl] : []),
    ...(params.logsUrlTemplate ? ["--logs-url-template", params.logsUrlTemplate] : []),
    ...(params.statusOwners && Object.keys(params.statusOwners).length > 0
      ? ["--status-owners", statusOwnersArg(params.statusOwners)]
      : []),
  ];
}

/**
 * The CronJob: one run at a time (a slow run is never stacked with the next), no retries (the
 * next schedule is the retry), finished jobs kept briefly for their logs, locked-down pod.
 */
export function buildReportCronJobSpec(params: ReportCronJobParams): CronJobSpec {
  return {
    schedule: params.schedule,
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 300,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: RUN_DEADLINE_SECONDS,
        ttlSecondsAfterFinished: 24 * 3600,
        template: {
          metadata: { labels: params.podLabels },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: params.serviceAccountName,
            // The report talks only to Jaeger query, never to the Kubernetes API.
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY,
            containers: [
              {
                name: "report",
                image: params.image,
                args: reportArgs(params),
                resources: RESOURCES,
                securityContext: CONTAINER_SECURITY,
              },
            ],
          },
        },
      },
    },
  };
}

/**
 * The report pods: they may reach only Jaeger query and cluster DNS; nothing may connect to them
 * unless `ingress` admits it (the exporter's scraper and proxy).
 */
export function buildReportNetworkPolicy(
  reportPods: Record<string, string>,
  jaegerPods: Record<string, string>,
  ingress: NonNullable<NetworkPolicySpec["ingress"]> = [],
) {
  const spec: NetworkPolicySpec = {
    podSelector: { matchLabels: reportPods },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress: [
      { to: [{ podSelector: { matchLabels: jaegerPods } }], ports: [{ protocol: "TCP", port: PORTS.jaegerQueryHttp }] },
      {
        to: [CLUSTER_DNS_PEER],
        ports: [
          { protocol: "UDP", port: PORTS.dns },
          { protocol: "TCP", port: PORTS.dns },
        ],
      },
    ],
  };
  return spec;
}

/**
 * Jaeger query admits only the OIDC proxy (the access component's policy); policies add up, so
 * this one opens its HTTP API to the report pods as well, and to nothing else.
 */
export function buildJaegerQueryFromReportPolicy(
  reportPods: Record<string, string>,
  jaegerPods: Record<string, string>,
): NetworkPolicySpec {
  return {
    podSelector: { matchLabels: jaegerPods },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ podSelector: { matchLabels: reportPods } }],
        ports: [{ protocol: "TCP", port: PORTS.jaegerQueryHttp }],
      },
    ],
  };
}
