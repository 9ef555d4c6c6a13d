import { parseArgs, type ParseArgsConfig } from "node:util";
import { urlProblem } from "../../infra/config/validators";
import { DURATION_FORM, parseDuration } from "./duration";
import { logsUrlTemplateProblem } from "./logs-link";

export const REPORT_USAGE = `usage: order-tracing report --jaeger-url URL [--since 24h] [--stuck-after 30m]
                           [--format table|json|html] [--output FILE] [--status-owners STATUS=SERVICE,...]
                           [--jaeger-ui-url URL] [--logs-url-template TEMPLATE] [--page-size 1000]
       order-tracing report --jaeger-url URL --serve [--listen HOST:PORT] [--interval 60s] [--since 24h] ...

In which status orders get stuck and how long their processing takes, from Jaeger's query API.

  --jaeger-url URL      Jaeger query HTTP endpoint (the UI's address, e.g. http://localhost:16686)
  --since DURATION      window to read, ending now (default 24h)
  --stuck-after DUR     a non-terminal order in its status longer than this is stuck (default 30m)
  --format FORMAT       table (default), json, or html (one self-contained page)
  --output FILE         write the report to FILE instead of stdout
  --status-owners LIST  the service that owns a status another service records for it, e.g.
                        ACCEPTED=mes,IN_PRODUCTION=mes (default: the service that recorded it)
  --jaeger-ui-url URL   base of the trace links (default: --jaeger-url)
  --logs-url-template T each stuck order's link to its log lines: your log search's URL with
                        {traceId}, {orderId}, {service}, {from}, {to} (filled URL-encoded; from/to
                        ISO-8601), e.g. https://kibana.internal/app/discover#/?_a=(query:(query:'trace_id:{traceId}'))
  --page-size N         traces per query; a full page splits the time window (default 1000)
  --serve               keep running: read Jaeger every --interval (only the new part of the window)
                        and serve Prometheus metrics at /metrics and the page at / (docs/alerts.md)
  --listen HOST:PORT    where --serve listens (default 127.0.0.1:9464; 0.0.0.0:9464 in a pod)
  --interval DURATION   time between reads with --serve (default 60s)

Durations: 30m, 24h, 7d, 1h30m (units ms, s, m, h, d, w).`;

export const FORMATS = ["table", "json", "html"] as const;
export type ReportFormat = (typeof FORMATS)[number];

export interface ReportCommandOptions {
  jaegerUrl: URL;
  jaegerUiUrl: string;
  logsUrlTemplate?: string;
  sinceMs: number;
  stuckAfterMs: number;
  format: ReportFormat;
  /** Where the report goes; stdout when absent. */
  output?: string;
  /** Per status, the service that owns it (lifecycle.ts ReportOptions.statusOwners). */
  statusOwners: Record<string, string>;
  pageSize: number;
  /** `--serve`: the exporter's address and read interval; absent for a one-shot report. */
  serve?: { host: string; port: number; intervalMs: number };
}

/** A wrong flag: the message names the flag and the expected form. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags, as node:util parseArgs takes them: every one a string but `--serve`. */
const FLAG_OPTIONS = {
  "jaeger-url": { type: "string" },
  "jaeger-ui-url": { type: "string" },
  "logs-url-template": { type: "string" },
  since: { type: "string" },
  "stuck-after": { type: "string" },
  format: { type: "string" },
  output: { type: "string" },
  "status-owners": { type: "string" },
  "page-size": { type: "string" },
  serve: { type: "boolean" },
  listen: { type: "string" },
  interval: { type: "string" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;
type Flag = keyof typeof FLAG_OPTIONS;

/** The port `--serve` listens on by default (the OpenTelemetry Prometheus exporter's usual port). */
export const SERVE_PORT = 9464;

export const DEFAULTS = {
  since: "24h",
  stuckAfter: "30m",
  format: "table",
  pageSize: 1000,
  listen: `127.0.0.1:${SERVE_PORT}`,
  interval: "60s",
} as const;

/** `HOST:PORT` (IPv6 in brackets); port 0 lets the OS choose (tests). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65_535) {
    throw new UsageError(`--listen: expected HOST:PORT such as 127.0.0.1:9464 or 0.0.0.0:9464, got "${value}"`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

/** Jaeger's base URL: http(s) only, no query or fragment (they would break the API paths). */
export function parseHttpUrl(flag: string, value: string): URL {
  const problem = urlProblem(value, { example: "http://localhost:16686", base: true });
  if (problem) throw new UsageError(`--${flag}: ${problem}`);
  return new URL(value);
}

/** A status as the order contract writes it (`ACCEPTED`, `IN_PRODUCTION`). */
const STATUS_WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** A service.name: no spaces, commas or `=` (they separate the list). */
const SERVICE_NAME = /^[^\s,=]+$/;

export const STATUS_OWNERS_FORM = "STATUS=SERVICE pairs separated by commas, such as ACCEPTED=mes,IN_PRODUCTION=mes";

/** Why a status owner pair is wrong, or undefined when it is right (the stack config checks with this too). */
export function statusOwnerProblem(status: string, service: string): string | undefined {
  if (!STATUS_WORD.test(status)) return `"${status}" is not a status (letters, digits, _ or -)`;
  if (!SERVICE_NAME.test(service)) return `"${service}" is not a service name (no spaces, commas or =)`;
  return undefined;
}

/** `ACCEPTED=mes,IN_PRODUCTION=mes` as a record; throws UsageError naming the wrong pair. */
export function parseStatusOwners(text: string): Record<string, string> {
  const owners: Record<string, string> = {};
  for (const pair of text.split(",").map((p) => p.trim())) {
    const [status, service, extra] = pair.split("=").map((p) => p.trim());
    const problem =
      service === undefined || extra !== undefined
        ? `"${pair}" is not STATUS=SERVICE`
        : (statusOwnerProblem(status, service) ??
          (Object.hasOwn(owners, status) ? `${status} is given twice` : undefined));
    if (problem) throw new UsageError(`--status-owners: ${problem}; expected ${STATUS_OWNERS_FORM}`);
    owners[status] = service;
  }
  return owners;
}

/** The `--status-owners` value of a record (the CronJob passes the stack config this way). */
export function statusOwnersArg(owners: Readonly<Record<string, string>>): string {
  return Object.entries(owners)
    .map(([status, service]) => `${status}=${service}`)
    .join(",");
}

function duration(flag: Flag, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${flag}: expected ${DURATION_FORM}, got "${value}"`);
  return ms;
}

/**
 * The flags given, by node:util parseArgs (strict: no positionals, no unknown flags); its errors
 * and a flag given twice become UsageErrors that name the flag.
 */
function readFlags(args: readonly string[]): Map<Flag, string> {
  let tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>;
  try {
    ({ tokens } = parseArgs({ args: [...args], options: FLAG_OPTIONS, strict: true, tokens: true }));
  } catch (error) {
    throw new UsageError(parseArgsProblem(error, args));
  }
  const values = new Map<Flag, string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = token.name as Flag;
    if (values.has(flag)) throw new UsageError(`--${flag}: given twice`);
    values.set(flag, token.value ?? "true");
  }
  return values;
}

/** parseArgs's message, said as the command's other messages say things. */
function parseArgsProblem(error: unknown, args: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(--?[a-z-]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag ?? message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
      const positional = /'([^']*)'/.exec(message)?.[1] ?? args.find((arg) => !arg.startsWith("--"));
      return `unexpected argument "${positional}"`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return flag && FLAG_OPTIONS[flag.slice(2) as Flag]?.type === "boolean"
        ? `${flag}: takes no value`
        : `${flag ?? "a flag"}: missing value`;
    default:
      return message;
  }
}

/** Parses `--flag value` and `--flag=value` arguments; throws UsageError on anything wrong. */
export function parseReportArgs(args: readonly string[]): ReportCommandOptions {
  const values = readFlags(args);

  const jaegerUrlText = values.get("jaeger-url");
  if (jaegerUrlText === undefined)
    throw new UsageError("--jaeger-url: required (Jaeger query, e.g. http://localhost:16686)");
  const jaegerUrl = parseHttpUrl("jaeger-url", jaegerUrlText);
  const uiText = values.get("jaeger-ui-url");
  const jaegerUiUrl = (uiText === undefined ? jaegerUrl : parseHttpUrl("jaeger-ui-url", uiText)).href;

  const logsUrlTemplate = values.get("logs-url-template");
  const templateProblem = logsUrlTemplate === undefined ? undefined : logsUrlTemplateProblem(logsUrlTemplate);
  if (templateProblem !== undefined) throw new UsageError(`--logs-url-template: ${templateProblem}`);

  const format = values.get("format") ?? DEFAULTS.format;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, got "${format}"`);
  }
  const pageSizeText = values.get("page-size");
  const pageSize = pageSizeText === undefined ? DEFAULTS.pageSize : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100_000) {
    throw new UsageError(`--page-size: expected an integer from 1 to 100000, got "${pageSizeText}"`);
  }

  const output = values.get("output");
  if (output !== undefined && output.trim() === "") throw new UsageError("--output: expected a file name");
  const ownersText = values.get("status-owners");
  const serving = values.has("serve");
  for (const flag of ["listen", "interval"] as const) {
    if (values.has(flag) && !serving) throw new UsageError(`--${flag}: applies to --serve only`);
  }
  if (serving && values.has("format")) {
    throw new UsageError("--format: not with --serve, which serves the metrics at /metrics and the page at /");
  }
  if (serving && output !== undefined) {
    throw new UsageError("--output: not with --serve, which serves the page at / instead of writing it");
  }
  const serve = serving
    ? {
        ...parseListen(values.get("listen") ?? DEFAULTS.listen),
        intervalMs: duration("interval", values.get("interval") ?? DEFAULTS.interval),
      }
    : undefined;

  return {
    jaegerUrl,
    jaegerUiUrl,
    ...(logsUrlTemplate === undefined ? {} : { logsUrlTemplate }),
    sinceMs: duration("since", values.get("since") ?? DEFAULTS.since),
    stuckAfterMs: duration("stuck-after", values.get("stuck-after") ?? DEFAULTS.stuckAfter),
    format: format as ReportFormat,
    output,
    statusOwners: ownersText === undefined ? {} : parseStatusOwners(ownersText),
    pageSize,
    ...(serve ? { serve } : {}),
  };
}
