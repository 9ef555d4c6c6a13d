import { DURATION_FORM, parseDuration } from "../../cli/report/duration";
import { STATUS_OWNERS_FORM, statusOwnerProblem } from "../../cli/report/options";
import type { ConfigReader } from "./read";

/**
 * `order-tracing:report`: the in-cluster CronJob that runs `order-tracing report --format json` on
 * a schedule and logs the JSON, so log-based alerting can pick up stuck orders. Off by default:
 * the config is present only when `report.enabled` is true.
 */
export interface ReportConfig {
  /** Cron schedule of the CronJob (five fields, or a macro such as @hourly). */
  schedule: string;
  /** The report's window and stuck threshold, in the command's duration form (30m, 24h, 7d). */
  since: string;
  stuckAfter: string;
  /** Image whose entrypoint is the `order-tracing` command line. */
  image: string;
  /** Base of the trace links in the JSON (the internal Jaeger UI address); defaults to the query URL. */
  jaegerUiUrl?: string;
}

export const REPORT_DEFAULTS = { schedule: "*/15 * * * *", since: "24h", stuckAfter: "30m" } as const;

const FIELDS = ["enabled", "schedule", "since", "stuckAfter", "image", "jaegerUiUrl", "statusOwners"] as const;

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
// One cron field: `*`, a number or range (names allowed for month and weekday), lists and steps.
const CRON_FIELD = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

export function cronSchedule(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (CRON_MACROS.includes(value.trim())) return undefined;
  if (fields.length === 5 && fields.every((f) => CRON_FIELD.test(f))) return undefined;
  return `expected a cron schedule of five fields ("*/15 * * * *") or a macro (${CRON_MACROS.join(", ")}), got "${value}"`;
}

function duration(value: string): string | undefined {
  return parseDuration(value) === undefined ? `expected ${DURATION_FORM}, got "${value}"` : undefined;
}

// An image reference: no whitespace or scheme; a tag or digest is recommended but not required.
function imageReference(value: string): string | undefined {
  return /^[a-z0-9]([A-Za-z0-9._\-/:@]*[A-Za-z0-9_])?$/.test(value) && !value.includes("://")
    ? undefined
    : `expected an image reference such as registry.example.com/order-tracing-cli:0.1.0, got "${value}"`;
}

function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return undefined;
  } catch {
    // reported below
  }
  return `expected an http(s) URL such as https://tracing.internal.example, got "${value}"`;
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
      "missing: report.enabled is true, so set the image that runs the order-tracing command line " +
        "(docs/report.md describes it)",
    );
  }
  const config = {
    schedule: read.string("report.schedule", REPORT_DEFAULTS.schedule, cronSchedule),
    since: read.string("report.since", REPORT_DEFAULTS.since, duration),
    stuckAfter: read.string("report.stuckAfter", REPORT_DEFAULTS.stuckAfter, duration),
    jaegerUiUrl: read.string("report.jaegerUiUrl", undefined, httpUrl),
  };
  return enabled && image !== undefined ? { ...config, image } : undefined;
}
