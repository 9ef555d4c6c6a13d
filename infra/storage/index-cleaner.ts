/**
 * The retention job's container: Jaeger's es-index-cleaner, which deletes the daily indices
 * `<prefix>-jaeger-{span,service,dependencies,sampling}-<date>` created more than `retentionDays`
 * days before the coming midnight (UTC). Plain data: the TraceStorage component declares the
 * CronJob this module builds, and the integration test runs the same arguments against a real
 * OpenSearch.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { CA_SECRET_KEY, JAEGER_FILES } from "../jaeger/settings";
import { JAEGER_UID, restrictedContainerSecurity, restrictedPodSecurity } from "../pod-security";
import { toolVersion } from "../tool-versions";

/** The jaeger-es-index-cleaner image of the Jaeger release pinned in tools/versions.env (v1 number). */
export function indexCleanerImage(): string {
  return `jaegertracing/jaeger-es-index-cleaner:${toolVersion("JAEGER_VERSION")}`;
}

/** A container environment variable, literal or from a Secret key. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** Credentials and TLS of the cleaner, as paths and Secret references inside the pod. */
export interface IndexCleanerSettings {
  image: string;
  retentionDays: number;
  /** Elasticsearch/OpenSearch base URL. */
  url: string;
  /** Jaeger's `indices.index_prefix` (without the trailing '-'). */
  indexPrefix: string;
  /** Basic auth: the user name, and the Secret key holding the password. */
  basicAuth?: { username: string; passwordSecret: { name: string; key: string } };
  /** A CA file mounted in the pod, for servers with a private CA. */
  caFile?: string;
}

/** The cleaner's command-line arguments (flags of cmd/es-index-cleaner at Jaeger v1.76.0). */
export function indexCleanerArgs(
  settings: Pick<IndexCleanerSettings, "retentionDays" | "url" | "indexPrefix" | "caFile">,
): string[] {
  const args = [String(settings.retentionDays), settings.url, `--index-prefix=${settings.indexPrefix}`];
  if (settings.url.startsWith("https:")) {
    args.push("--es.tls.enabled=true");
    if (settings.caFile) args.push(`--es.tls.ca=${settings.caFile}`);
  }
  return args;
}

/**
 * The cleaner's environment: the password from a Secret, never on the command line (viper maps
 * the flag `es.password` to ES_PASSWORD).
 */
export function indexCleanerEnv(settings: Pick<IndexCleanerSettings, "basicAuth">): EnvVar[] {
  if (!settings.basicAuth) return [];
  return [
    { name: "ES_USERNAME", value: settings.basicAuth.username },
    { name: "ES_PASSWORD", valueFrom: { secretKeyRef: settings.basicAuth.passwordSecret } },
  ];
}

export interface IndexCleanerCronJobParams {
  /** The CronJob's schedule (storage.retentionSchedule), in UTC. */
  schedule: string;
  /** Labels of the CronJob's jobs and pods. */
  labels: Record<string, string>;
  /** The cleaner's arguments (indexCleanerArgs; the storage URL may be known only after it exists). */
  args: pulumi.Input<string[]>;
  env: EnvVar[];
  /** A Secret with the storage's CA bundle (CA_SECRET_KEY), mounted where `caFile` points. */
  caSecretName?: string;
}

/** The retention CronJob: one cleaner run a day, never two at once, retried, its history kept short. */
export function buildIndexCleanerCronJobSpec(params: IndexCleanerCronJobParams): k8s.types.input.batch.v1.CronJobSpec {
  const { labels, caSecretName } = params;
  return {
    schedule: params.schedule,
    timeZone: "Etc/UTC",
    // A run that overlaps the next one would race it deleting the same indices.
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobTemplate: {
      metadata: { labels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 1800,
        ttlSecondsAfterFinished: 86400 * 3,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "OnFailure",
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(JAEGER_UID),
            containers: [
              {
                name: "index-cleaner",
                image: indexCleanerImage(),
                args: params.args,
                env: params.env,
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: restrictedContainerSecurity(),
                volumeMounts: caSecretName
                  ? [{ name: "storage-ca", mountPath: JAEGER_FILES.caDir, readOnly: true }]
                  : [],
              },
            ],
            volumes: caSecretName
              ? [
                  {
                    name: "storage-ca",
                    secret: { secretName: caSecretName, items: [{ key: CA_SECRET_KEY, path: CA_SECRET_KEY }] },
                  },
                ]
              : [],
          },
        },
      },
    },
  };
}
