import { imageReference, missingOwnImage } from "./images";
import { DURATION_FORM, parseDuration } from "../../cli/report/duration";
import { logsUrlTemplateProblem } from "../../cli/report/logs-link";
import { STATUS_OWNERS_FORM, statusOwnerProblem } from "../../cli/report/options";
import { cronSchedule, dnsLabel, urlCheck } from "./validators";
import type { ConfigReader } from "./read";
import type { ConfigKeyDoc } from "./reference";

/**
 * `order-tracing:report`: the report in the cluster. A CronJob that runs `order-tracing report
 * --format json` on a schedule and logs the JSON (`report.cronJob`, on by default), and/or a
 * Deployment that runs `order-tracing report --serve` (`report.serve`): Prometheus metrics and the
 * stuck-orders page (docs/alerts.md). Off by default: the config is present only when
 * `report.enabled` is true.
 */
export interface ReportConfig {
  /** Run the scheduled CronJob. */
  cronJob: boolean;
  /** Run the exporter Deployment; absent when `report.serve` is false. */
  serve?: ReportServeConfig;
  /** Cron schedule of the CronJob (five fields, or a macro such as @hourly). */
  schedule: string;
  /** The report's window and stuck threshold, in the command's duration form (30m, 24h, 7d). */
  since: string;
  stuckAfter: string;
  /** Image whose entrypoint is the `order-tracing` command line. */
  image: string;
  /** Base of the trace links in the JSON (the internal Jaeger UI address); defaults to the query URL. */
  jaegerUiUrl?: string;
  /**
   * The log search each stuck order links to, with `{traceId}`, `{orderId}`, `{service}`, `{from}`,
   * `{to}` placeholders (cli/report/logs-link.ts); no logs links when absent.
   */
  logsUrlTemplate?: string;
}

export interface ReportServeConfig {
  /** Time between the exporter's reads of Jaeger, in the command's duration form. */
  interval: string;
  /** The namespace of the Prometheus that scrapes it: its NetworkPolicy admits that namespace only. */
  scraperNamespace: string;
}

export const REPORT_DEFAULTS = {
  schedule: "*/15 * * * *",
  since: "24h",
  stuckAfter: "30m",
  interval: "60s",
  scraperNamespace: "monitoring",
} as const;

const FIELDS = [
  "enabled",
  "cronJob",
  "serve",
  "schedule",
  "since",
  "stuckAfter",
  "image",
  "jaegerUiUrl",
  "logsUrlTemplate",
  "statusOwners",
  "interval",
  "scraperNamespace",
] as const;

function duration(value: string): string | undefined {
  return parseDuration(value) === undefined ? `expected ${DURATION_FORM}, got "${value}"` : undefined;
}

/**
 * `report.statusOwners`: per status, the service that owns it where another service records it on
 * the owner's behalf (`{ ACCEPTED: mes }` when CRM records MES's statuses from its status events),
 * each pair checked as the command's `--status-owners` checks it. Read whether or not the CronJob
 * is enabled: every reader of the stack's traces (the CronJob, `--serve`, the sandbox's tests)
 * attributes stuck orders by it.
 */
export function readStatusOwners(read: ConfigReader): Record<string, string> {
  const owners: Record<string, string> = {};
  for (const status of read.fieldsOf("report.statusOwners") ?? []) {
    const key = `report.statusOwners.${status}`;
    const service = read.string(key);
    if (service === undefined) {
      read.fail(key, `expected a service name, such as mes (${STATUS_OWNERS_FORM})`);
      continue;
    }
    const problem = statusOwnerProblem(status, service);
    if (problem) read.fail(key, `${problem}; expected ${STATUS_OWNERS_FORM}`);
    else owners[status] = service;
  }
  return owners;
}

/** Reads and checks every `report.*` key, enabled or not; returns the config only when enabled. */
export function readReportConfig(read: ConfigReader): ReportConfig | undefined {
  for (const field of read.fieldsOf("report") ?? []) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      read.fail(`report.${field}`, `unknown key; known keys are ${FIELDS.join(", ")} (is it a typo?)`);
    }
  }
  const enabled = read.boolean("report.enabled", false);
  const image = read.string("report.image", undefined, imageReference);
  if (enabled && image === undefined && !read.errors.some((e) => e.key === "report.image")) {
    read.fail(
      "report.image",
      missingOwnImage("report.enabled is true, so the report CronJob needs our order-report image"),
    );
  }
  const cronJob = read.boolean("report.cronJob", true);
  const serve = read.boolean("report.serve", false);
  const serveConfig: ReportServeConfig = {
    interval: read.string("report.interval", REPORT_DEFAULTS.interval, duration),
    scraperNamespace: read.string("report.scraperNamespace", REPORT_DEFAULTS.scraperNamespace, dnsLabel),
  };
  if (enabled && !cronJob && !serve) {
    read.fail(
      "report.cronJob",
      "false and report.serve is false too, so nothing would run; set report.serve: true (the exporter) or " +
        "report.cronJob: true, or report.enabled: false",
    );
  }
  const config = {
    cronJob,
    ...(serve ? { serve: serveConfig } : {}),
    schedule: read.string("report.schedule", REPORT_DEFAULTS.schedule, cronSchedule),
    since: read.string("report.since", REPORT_DEFAULTS.since, duration),
    stuckAfter: read.string("report.stuckAfter", REPORT_DEFAULTS.stuckAfter, duration),
    jaegerUiUrl: read.string(
      "report.jaegerUiUrl",
      undefined,
      urlCheck({ example: "https://tracing.internal.example" }),
    ),
    logsUrlTemplate: read.string("report.logsUrlTemplate", undefined, logsUrlTemplateProblem),
  };
  return enabled && image !== undefined ? { ...config, image } : undefined;
}

/** The `order-tracing:*` keys this module reads (the scheduled report): docs/configuration.md is generated from them. */
export const REPORT_KEYS: readonly ConfigKeyDoc[] = [
  {
    keys: ["report.enabled"],
    type: "boolean",
    default: "`false`",
    meaning:
      "runs `order-tracing report --format json` in the cluster on a schedule (CronJob `order-report` in the tracing namespace); each run logs the JSON for alerting. See [Reading the report](report.md#reading-the-report)",
  },
  {
    keys: ["report.image"],
    type: "image",
    default: "none: required when enabled",
    meaning:
      "our `order-report` image as published by `npm run images -- --push <registry> --stack <stack>` ([Images](images.md))",
  },
  {
    keys: ["report.schedule"],
    type: "cron",
    default: "`*/15 * * * *`",
    meaning: "the CronJob's schedule (five fields or `@hourly`-style macros); one run at a time",
  },
  {
    keys: ["report.since", "report.stuckAfter"],
    type: "duration",
    default: "`24h`, `30m`",
    meaning:
      "the report's window and stuck threshold (`30m`, `24h`, `7d`, `1h30m`), as the command's `--since` and `--stuck-after`",
  },
  {
    keys: ["report.jaegerUiUrl"],
    type: "http(s) URL",
    default: "Jaeger query's in-cluster URL",
    meaning: "the base of the trace links in the JSON; set it to the internal UI address people open",
  },
  {
    keys: ["report.cronJob", "report.serve"],
    type: "boolean, boolean",
    default: "`true`, `false`",
    meaning:
      "run the report as the CronJob, and/or as the exporter Deployment `order-report-exporter` (`order-tracing report --serve`: Prometheus metrics, and the page behind the OIDC proxy at `/stuck-orders/`). See [Alerts](alerts.md)",
  },
  {
    keys: ["report.interval", "report.scraperNamespace"],
    type: "duration, DNS label",
    default: "`60s`, `monitoring`",
    meaning: "the exporter's read interval, and the namespace of the Prometheus whose scrapes its NetworkPolicy admits",
  },
  {
    keys: ["report.logsUrlTemplate"],
    type: "URL template",
    default: "none: no logs links",
    meaning:
      "each stuck order's log search, with `{traceId}`, `{orderId}`, `{service}`, `{from}`, `{to}` placeholders. See [Reading the report](report.md)",
  },
  {
    keys: ["report.statusOwners"],
    type: "map status → service",
    default: "`{}`",
    meaning:
      "the service that owns a status another service records on its behalf (`{ ACCEPTED: mes }` when CRM records a JVM MES's statuses): the stuck order is attributed to it. Read whether or not the report runs in the cluster",
  },
];
