/**
 * The link from a stuck order to its log lines: a URL template of the team's log search (Kibana,
 * OpenSearch Dashboards, Grafana Loki, …) with placeholders, filled per order. Pure: the command
 * line (`--logs-url-template`) and the stack config (`report.logsUrlTemplate`) check a template
 * with `logsUrlTemplateProblem`, the report fills it with `buildLogsUrl`.
 */

import { urlProblem } from "../../infra/config/validators";

/** What a template may name, as `{name}`; each value is URL-encoded where it is put. */
export const LOGS_URL_PLACEHOLDERS = {
  traceId: "the trace where the order's processing stopped (32 hex digits, as the log lines carry it)",
  orderId: "the order id",
  service: "the service where the order's processing stopped",
  from: "start of the order's time range: its first span in the window, less a minute (ISO-8601 UTC)",
  to: "end of the order's time range: when the report was made (ISO-8601 UTC)",
} as const;

export type LogsUrlPlaceholder = keyof typeof LOGS_URL_PLACEHOLDERS;
export type LogsLinkValues = Record<LogsUrlPlaceholder, string>;

/** `{word}`: a placeholder. Other braces (an encoded or literal JSON query) are left alone. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

const EXAMPLE_VALUES: LogsLinkValues = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  orderId: "ORD-1",
  service: "mes",
  from: "2026-01-01T00:00:00.000Z",
  to: "2026-01-01T01:00:00.000Z",
};

export const LOGS_URL_TEMPLATE_EXAMPLE =
  "https://kibana.internal.example/app/discover#/?_g=(time:(from:'{from}',to:'{to}'))&_a=(query:(language:kuery,query:'trace_id:{traceId}'))";

const isPlaceholder = (name: string): name is LogsUrlPlaceholder => Object.hasOwn(LOGS_URL_PLACEHOLDERS, name);

/**
 * Why a template cannot be used, or undefined: it must name only known placeholders, name the
 * trace or the order (else every row would link to the same search), and give an http(s) URL.
 */
export function logsUrlTemplateProblem(template: string): string | undefined {
  const known = Object.keys(LOGS_URL_PLACEHOLDERS)
    .map((name) => `{${name}}`)
    .join(", ");
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1]);
  const unknown = names.filter((name) => !isPlaceholder(name));
  if (unknown.length > 0) {
    return `unknown placeholder ${unknown.map((name) => `{${name}}`).join(", ")}; known: ${known}`;
  }
  if (!names.includes("traceId") && !names.includes("orderId")) {
    return `expected {traceId} or {orderId} in the template (known placeholders: ${known}), got "${template}"`;
  }
  // Checked with example values in place of the placeholders; the message shows the template.
  const problem = urlProblem(buildLogsUrl(template, EXAMPLE_VALUES), { example: LOGS_URL_TEMPLATE_EXAMPLE });
  return problem?.replace(/got ".*"$/, () => `got "${template}"`);
}

/** The template with every placeholder replaced by its URL-encoded value. Check it first. */
export function buildLogsUrl(template: string, values: LogsLinkValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    isPlaceholder(name) ? encodeURIComponent(values[name]) : whole,
  );
}

/** A trace id as the log lines carry it: 32 lower-case hex digits (Jaeger may drop leading zeros). */
export function fullTraceId(traceId: string): string {
  return traceId.toLowerCase().padStart(32, "0");
}
