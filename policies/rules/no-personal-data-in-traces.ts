import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as yaml from "js-yaml";
import { containersOf, isKind, labelsOf, nameOf, podTemplateOf, whenKnown, type Props } from "../lib/kubernetes";
import { ORDER_ID_BAGGAGE_KEY } from "../../contract/trace";
import { stringList } from "./shared-config";

interface Config {
  personalFieldWords: string[];
  urlAttributes: string[];
  collectorRoleLabel: string;
  scrubbedUpstreamRoles: string[];
  scrubbedUpstreamExporters: string[];
}

/** Variables the injection (or a team) sets that name trace attributes or baggage keys. */
const RESOURCE_ATTRIBUTES_ENV = "OTEL_RESOURCE_ATTRIBUTES";
const ORDER_TRACING_RULES_ENV = "ORDER_TRACING_RULES";

/**
 * Rule 4. No personal data in trace context. The collector gateway is the last line of defence, so
 * every collector config must run the redaction processor (allow-listed keys, masked values) and a
 * transform that cuts query strings from URL attributes; and no workload's injected environment
 * names a personal field as a resource attribute or a baggage key carried into spans.
 */
export const noPersonalDataInTraces: ResourceValidationPolicy = {
  name: "no-personal-data-in-traces",
  description:
    "Collector configs scrub personal data (redaction, query-string removal); no resource attribute or baggage key names a personal field.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      personalFieldWords: stringList(
        [
          "email",
          "mail",
          "phone",
          "telephone",
          "mobile",
          "address",
          "street",
          "city",
          "zip",
          "postcode",
          "postal",
          "birthdate",
          "birthday",
          "dob",
          "firstname",
          "lastname",
          "fullname",
          "surname",
          "customer",
          "person",
          "user",
          "username",
          "enduser",
          "card",
          "iban",
          "passport",
          "ssn",
          "password",
          "token",
        ],
        "Words (of a key split at '.', '_', '-' and camelCase) that make an attribute or baggage key personal.",
      ),
      urlAttributes: stringList(
        ["url.full", "http.url", "http.target"],
        "URL attributes whose query string the collector's transform must cut.",
      ),
      collectorRoleLabel: {
        type: "string",
        default: "order-tracing/collector-role",
        description: "Label on a collector's ConfigMap naming its tier.",
      },
      scrubbedUpstreamRoles: stringList(
        ["sampler"],
        "Collector tiers that receive only from tiers that already scrubbed (the two-tier samplers).",
      ),
      scrubbedUpstreamExporters: stringList(
        ["jaeger_storage_exporter"],
        "Exporter types of pipelines that receive only from the scrubbing gateway (Jaeger v2's own pipeline, which writes to storage).",
      ),
    },
  },
  validateResource: [
    (args, reportViolation) => {
      if (isKind(args.type, "ConfigMap")) checkCollectorConfigs(args, reportViolation);
    },
    (args, reportViolation) => checkInjectedEnvironment(args, reportViolation),
  ],
};

function checkCollectorConfigs(args: ResourceValidationArgs, report: ReportViolation): void {
  const config = args.getConfig<Config>();
  const props: Props = args.props;
  const role = labelsOf(props)[config.collectorRoleLabel];
  if (role !== undefined && config.scrubbedUpstreamRoles.includes(role)) return;
  for (const key of whenKnown(() => Object.keys(props.data ?? {}), [])) {
    const text = whenKnown(() => props.data[key], undefined);
    const document = typeof text === "string" ? collectorDocument(text) : undefined;
    if (document === undefined) continue;
    const where = `Collector config "${key}" of ConfigMap "${nameOf(props)}"`;
    for (const [pipeline, processorIds, exporterIds] of tracePipelines(document)) {
      if (exporterIds.some((id) => config.scrubbedUpstreamExporters.includes(id.split("/")[0]))) continue;
      const processors = processorIds.map((id) => ({
        id,
        type: id.split("/")[0],
        settings: document.processors?.[id],
      }));
      const redaction = processors.find((p) => p.type === "redaction");
      if (redaction === undefined) {
        report(
          `${where}: pipeline "${pipeline}" has no redaction processor, so personal data in attributes reaches Jaeger. ` +
            `Add a redaction processor with allow_all_keys: false, the allowed keys and blocked_values for e-mails, phones, cards and tokens.`,
        );
      } else if (
        redaction.settings?.allow_all_keys === true ||
        (redaction.settings?.blocked_values ?? []).length === 0
      ) {
        report(
          `${where}: processor "${redaction.id}" lets every attribute key through or masks no values. ` +
            `Set allow_all_keys: false and list blocked_values (e-mail, phone, card and token patterns).`,
        );
      }
      const statements = processors
        .filter((p) => p.type === "transform")
        .flatMap((p) => transformStatements(p.settings));
      const uncut = config.urlAttributes.filter((attribute) => !statements.some((s) => cutsQuery(s, attribute)));
      if (uncut.length > 0) {
        report(
          `${where}: pipeline "${pipeline}" keeps the query strings of ${uncut.join(", ")} (search terms, e-mails, tokens). ` +
            `Add a transform processor with replace_pattern(span.attributes["<key>"], "[?#].*", "") for each.`,
        );
      }
    }
  }
}

/** A collector configuration document (receivers + service.pipelines), or undefined for any other text. */
function collectorDocument(text: string): Props | undefined {
  try {
    const document = yaml.load(text);
    if (typeof document !== "object" || document === null) return undefined;
    const candidate = document as Props;
    return candidate.receivers && candidate.service?.pipelines ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/** The trace pipelines: id, processor ids and exporter ids. */
function tracePipelines(document: Props): [string, string[], string[]][] {
  return Object.entries<Props>(document.service.pipelines)
    .filter(([id]) => id === "traces" || id.startsWith("traces/"))
    .map(([id, pipeline]) => [id, (pipeline?.processors ?? []).map(String), (pipeline?.exporters ?? []).map(String)]);
}

function transformStatements(settings: Props | undefined): string[] {
  const groups: Props[] = settings?.trace_statements ?? [];
  return groups.flatMap((group) => (typeof group === "string" ? [group] : (group?.statements ?? []).map(String)));
}

/** Whether an OTTL statement removes the query string of an attribute (cut, deleted or overwritten). */
function cutsQuery(statement: string, attribute: string): boolean {
  const target = `span.attributes["${attribute}"]`;
  if (!statement.includes(target)) return false;
  return (
    (/^\s*replace_pattern\(/.test(statement) && statement.includes("?")) ||
    /^\s*delete_key\(/.test(statement) ||
    /^\s*set\(/.test(statement)
  );
}

function checkInjectedEnvironment(args: ResourceValidationArgs, report: ReportViolation): void {
  const { personalFieldWords } = args.getConfig<Config>();
  const template = whenKnown(() => podTemplateOf(args.type, args.props), undefined);
  if (template === undefined) return;
  const personal = (key: string) => isPersonal(key, personalFieldWords);
  for (const container of whenKnown(() => containersOf(template.spec), [])) {
    for (const variable of whenKnown(() => [...(container?.env ?? [])] as Props[], [])) {
      const [name, value] = whenKnown(() => [variable?.name, variable?.value], [undefined, undefined]);
      if (typeof value !== "string") continue;
      const where = `Container "${container.name}" of ${nameOf(args.props)}`;
      if (name === RESOURCE_ATTRIBUTES_ENV) {
        const keys = value
          .split(",")
          .map((pair) => pair.split("=")[0].trim())
          .filter(personal);
        if (keys.length > 0) {
          report(
            `${where} sets resource attributes ${keys.join(", ")} in ${RESOURCE_ATTRIBUTES_ENV}, which name personal data ` +
              `and would be on every span. Remove them; identify the service and pod only (service.*, k8s.*).`,
          );
        }
      }
      if (name === ORDER_TRACING_RULES_ENV) {
        const keys = baggageKeys(value).filter(personal);
        if (keys.length > 0) {
          report(
            `${where} carries baggage keys ${keys.join(", ")} into spans (${ORDER_TRACING_RULES_ENV} baggageAllowList), ` +
              `which name personal data. Keep only ${ORDER_ID_BAGGAGE_KEY} (and other non-personal keys) in baggageAllowList.`,
          );
        }
      }
    }
  }
}

function baggageKeys(rulesJson: string): string[] {
  try {
    const rules = JSON.parse(rulesJson) as { baggageAllowList?: unknown };
    return Array.isArray(rules.baggageAllowList) ? rules.baggageAllowList.map(String) : [];
  } catch {
    return [];
  }
}

/** Splits `customer.emailAddress` into customer, email, address and looks for personal words. */
export function isPersonal(key: string, words: readonly string[]): boolean {
  const parts = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
  return parts.some((part) => words.includes(part));
}
