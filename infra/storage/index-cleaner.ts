/**
 * The retention job's container: Jaeger's es-index-cleaner, which deletes the daily indices
 * `<prefix>-jaeger-{span,service,dependencies,sampling}-<date>` created more than `retentionDays`
 * days before the coming midnight (UTC). Plain data; the IndexCleaner component wraps it in a
 * CronJob, and the integration test runs the same arguments against a real OpenSearch.
 */

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
