import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, isKind, nameOf, podTemplateOf, whenKnown, type Props } from "../lib/kubernetes";
import { isSecretInput } from "./secret-inputs";
import { stringList } from "./shared-config";

interface Config {
  allowedLiteralEnv: string[];
  secretInputs: Record<string, string[]>;
}

/** Names that hold a credential (`OAUTH2_PROXY_CLIENT_SECRET`, `ES_PASSWORD`, `client-secret`, `api_key`…). */
const SENSITIVE_NAME = /(secret|password|passwd|token|credential|api[_-]?key|access[_-]?key|private[_-]?key)s?$/i;
/** Names that point at a credential instead of holding it. */
const REFERENCE_NAME = /[_-](file|path|ref|env|name|id)$/i;
/** OTLP exporter headers usually carry an API key or an Authorization header. */
const HEADER_ENVS = ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"];
/** `key: value` or `key = value` lines of config files that assign a credential literally. */
const CONFIG_ASSIGNMENT =
  /^[ \t]*["']?([A-Za-z0-9_.-]*?(secret|password|passwd|token|api[_-]?key|access[_-]?key|private[_-]?key))["']?[ \t]*[:=][ \t]*(\S.*?)[ \t]*$/gim;
/** Flags that take a credential on the command line (visible in the pod spec and `ps`). */
const SENSITIVE_FLAG = /^--?([a-z0-9._-]*(secret|password|passwd|token|api-key|access-key|private-key))=(.+)$/i;

/** Inputs that must be Pulumi secrets, by resource type (dotted paths): the search domain's master password. */
const SECRET_INPUTS: Record<string, string[]> = {
  "aws:opensearch/domain:Domain": ["advancedSecurityOptions.masterUserOptions.masterUserPassword"],
  "aws:elasticsearch/domain:Domain": ["advancedSecurityOptions.masterUserOptions.masterUserPassword"],
};

/**
 * Rule 8. Secrets stay secret: the OIDC client secret, the cookie secret and the storage
 * credentials are Pulumi secrets (encrypted in config and state) wherever a resource takes them,
 * and never plain text in a ConfigMap, a container's literal environment or its flags; pods read
 * them from a Kubernetes Secret (valueFrom.secretKeyRef, or a mounted file).
 */
export const secretsStaySecret: ResourceValidationPolicy = {
  name: "secrets-stay-secret",
  description:
    "Client secret, cookie secret and storage credentials are Pulumi secrets, never plain values in ConfigMaps, env literals or flags.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      secretInputs: {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
        default: SECRET_INPUTS,
        description:
          "Inputs that must be Pulumi secrets: resource type → dotted paths (every Kubernetes Secret's data and stringData are checked too).",
      },
      allowedLiteralEnv: stringList(
        [],
        "Environment variable names allowed a literal value although their name looks like a credential.",
      ),
    },
  },
  validateResource: [
    (args, reportViolation) => checkSecretInputs(args, reportViolation),
    (args, reportViolation) => {
      if (isKind(args.type, "ConfigMap")) checkConfigMap(args, reportViolation);
    },
    (args, reportViolation) => checkPodTemplate(args, reportViolation),
  ],
};

const MAKE_SECRET =
  "Make it a Pulumi secret: `pulumi config set --secret <key> <value>` and read it with config.requireSecret(), or wrap it in pulumi.secret().";

/** Fields that must hold Pulumi secrets do (known only when the observer ran, see secret-inputs.ts). */
function checkSecretInputs(args: ResourceValidationArgs, report: ReportViolation): void {
  const { secretInputs } = args.getConfig<Config>();
  const paths: string[][] = (secretInputs[args.type] ?? []).map((path) => path.split("."));
  if (isKind(args.type, "Secret")) {
    for (const field of ["data", "stringData"]) {
      for (const key of whenKnown(() => Object.keys(args.props[field] ?? {}), [])) paths.push([field, key]);
    }
  }
  for (const path of paths) {
    const value = whenKnown(() => path.reduce<Props | undefined>((node, key) => node?.[key], args.props), undefined);
    if (typeof value !== "string" || value === "") continue;
    if (isSecretInput(args.urn, path) === false) {
      report(
        `${path.join(".")} of ${args.name} is a plain value, stored unencrypted in the stack's state. ${MAKE_SECRET}`,
      );
    }
  }
}

function checkConfigMap(args: ResourceValidationArgs, report: ReportViolation): void {
  const props: Props = args.props;
  for (const key of whenKnown(() => Object.keys(props.data ?? {}), [])) {
    const text = whenKnown(() => props.data[key], undefined);
    if (typeof text !== "string") continue;
    const where = `ConfigMap "${nameOf(props)}"`;
    if (SENSITIVE_NAME.test(key) && !REFERENCE_NAME.test(key) && text.trim() !== "") {
      report(
        `${where} holds "${key}" in plain text, readable by anyone who can read ConfigMaps. ` +
          `Put it in a Kubernetes Secret whose value is a Pulumi secret, and mount or reference that instead.`,
      );
      continue;
    }
    for (const match of text.matchAll(CONFIG_ASSIGNMENT)) {
      const [, name, , value] = match;
      if (REFERENCE_NAME.test(name) || !isLiteral(value)) continue;
      report(
        `${where} "${key}" assigns ${name} literally. Read it from the environment or a file fed by a Kubernetes Secret ` +
          `(e.g. oauth2-proxy's OAUTH2_PROXY_CLIENT_SECRET, Jaeger's password_file), never the config file.`,
      );
    }
  }
}

function checkPodTemplate(args: ResourceValidationArgs, report: ReportViolation): void {
  const { allowedLiteralEnv } = args.getConfig<Config>();
  const template = whenKnown(() => podTemplateOf(args.type, args.props), undefined);
  if (template === undefined) return;
  for (const container of whenKnown(() => containersOf(template.spec), [])) {
    const where = `Container "${whenKnown(() => container?.name, "?")}" of ${nameOf(args.props)}`;
    for (const variable of whenKnown(() => [...(container?.env ?? [])] as Props[], [])) {
      const [name, value] = whenKnown(() => [String(variable?.name), variable?.value], ["", undefined]);
      if (typeof value !== "string" || value === "" || allowedLiteralEnv.includes(name)) continue;
      const sensitive = HEADER_ENVS.includes(name) || (SENSITIVE_NAME.test(name) && !REFERENCE_NAME.test(name));
      if (sensitive) {
        report(
          `${where} sets ${name} as a literal value, visible in the pod spec and the stack's state. ` +
            `Use valueFrom.secretKeyRef to a Kubernetes Secret whose value is a Pulumi secret.`,
        );
      }
    }
    const flags = whenKnown(() => [...(container?.command ?? []), ...(container?.args ?? [])].map(String), []);
    for (const flag of flags) {
      const match = SENSITIVE_FLAG.exec(flag);
      if (!match || REFERENCE_NAME.test(match[1])) continue;
      report(
        `${where} passes --${match[1]} on the command line. Pass it through the environment from a Kubernetes Secret ` +
          `(valueFrom.secretKeyRef) or a mounted file.`,
      );
    }
  }
}

/** A value written into the file itself: not empty, a boolean, a number, or an environment reference. */
function isLiteral(value: string): boolean {
  const unquoted = value.replace(/^["']|["'],?$/g, "").trim();
  if (unquoted === "" || unquoted === "null" || unquoted === "~") return false;
  if (/^(true|false)$/i.test(unquoted) || /^-?\d+(\.\d+)?$/.test(unquoted)) return false;
  return !/^\$\{[^}]+\}$/.test(unquoted) && !/^\$\([^)]+\)$/.test(unquoted);
}
