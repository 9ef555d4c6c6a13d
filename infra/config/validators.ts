/**
 * The value checks every config reader (and the command line) shares: cron schedules, image
 * references, URLs, DNS names and Kubernetes quantities. Each check has the shape ConfigReader.string
 * expects: the value is fine (undefined) or a problem that says what was expected, with an example,
 * and what was given; the reader prefixes the setting's key. Dependency-free: the report's image
 * compiles it (cli/report/tsconfig.image.json).
 */

/** A check in the shape ConfigReader.string takes. */
export type ValueCheck = (value: string) => string | undefined;

// ---- cron ----------------------------------------------------------------------------------

/** The macros a Kubernetes CronJob's schedule accepts besides five fields. */
export const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;

// One cron field: `*`, a number or range (names allowed for month and weekday), lists and steps.
const CRON_FIELD = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

/** A CronJob schedule: five fields (minute hour day-of-month month day-of-week) or a macro. */
export function cronSchedule(value: string): string | undefined {
  const trimmed = value.trim();
  if ((CRON_MACROS as readonly string[]).includes(trimmed)) return undefined;
  const fields = trimmed.split(/\s+/);
  if (fields.length === 5 && fields.every((f) => CRON_FIELD.test(f))) return undefined;
  return `expected a cron schedule of five fields such as "15 0 * * *" or a macro (${CRON_MACROS.join(", ")}), got "${value}"`;
}

// ---- image references -----------------------------------------------------------------------

// The reference grammar of github.com/distribution/reference: an optional registry host (it has a
// dot or a port, or is localhost), path components of lower-case words, a tag and/or a digest.
const DOMAIN_COMPONENT = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";
const REGISTRY_HOST = `(${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*(:[0-9]+)?)`;
const PATH_COMPONENT = "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*";
const REPOSITORY = `${PATH_COMPONENT}(/${PATH_COMPONENT})*`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";
const REFERENCE = new RegExp(
  `^((?<registry>${REGISTRY_HOST})/)?(?<repository>${REPOSITORY})(:(?<tag>${TAG}))?(@(?<digest>${DIGEST}))?$`,
);
const REGISTRY = new RegExp(`^${REGISTRY_HOST}(/${REPOSITORY})?$`);

/** Whether the first part of a reference names a registry rather than a repository component. */
function namesRegistry(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** The parts of an image reference, or undefined when it does not follow the grammar. */
export function parseImageReference(
  value: string,
): { registry?: string; repository: string; tag?: string; digest?: string } | undefined {
  const groups = REFERENCE.exec(value)?.groups;
  if (!groups) return undefined;
  const { registry, repository, tag, digest } = groups;
  // Without a dot, port or `localhost`, the first part is a repository component, which must be
  // lower case (the host pattern would otherwise let `Library/x` through).
  if (registry !== undefined && !namesRegistry(registry)) {
    if (!new RegExp(`^${PATH_COMPONENT}$`).test(registry)) return undefined;
    return { repository: `${registry}/${repository}`, tag, digest };
  }
  return { registry, repository, tag, digest };
}

/**
 * An image reference `[registry/]repository[:tag][@sha256:digest]` that pins a tag or a digest (a
 * bare repository would mean `:latest`, which moves). `example` is the reference the message shows.
 */
export function imageReferenceCheck(example: string): ValueCheck {
  return (value) => {
    const parts = parseImageReference(value);
    return parts && (parts.tag !== undefined || parts.digest !== undefined)
      ? undefined
      : `expected an image reference with a tag or digest such as ${example}, got "${value}"`;
  };
}

/** An address images are pushed to: `host[:port][/path]`, without scheme or trailing slash. */
export function registryAddress(value: string): string | undefined {
  return REGISTRY.test(value)
    ? undefined
    : `expected a registry address such as 127.0.0.1:5000 or ghcr.io/my-org (no scheme, no trailing slash), got "${value}"`;
}

// ---- URLs ---------------------------------------------------------------------------------------

/** What a URL setting accepts beyond parsing as an absolute URL. */
export interface UrlRules {
  /** An example the message shows, e.g. "https://es.internal:9200". */
  example: string;
  /** Only https (an identity provider); otherwise http and https. */
  httpsOnly?: boolean;
  /** A base URL that paths are added to: no query string or fragment. */
  base?: boolean;
  /** Where credentials go instead, when the URL must not carry them (user:password@). */
  credentialsBelongIn?: string;
}

/** The problem with an http(s) URL under `rules`, or undefined. */
export function urlProblem(value: string, rules: UrlRules): string | undefined {
  const schemes = rules.httpsOnly ? "an https" : "an http(s)";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected ${schemes} URL such as ${rules.example}, got "${value}"`;
  }
  const allowed = rules.httpsOnly ? ["https:"] : ["http:", "https:"];
  if (!allowed.includes(url.protocol)) {
    return `expected ${rules.httpsOnly ? "an https://" : "an http:// or https://"} URL such as ${rules.example}, got "${value}"`;
  }
  if (rules.base && (url.search || url.hash)) {
    return `expected a base URL without query or fragment such as ${rules.example}, got "${value}"`;
  }
  if (rules.credentialsBelongIn !== undefined && (url.username || url.password)) {
    return `credentials do not belong in the URL; use ${rules.credentialsBelongIn}`;
  }
  return undefined;
}

/** A check for ConfigReader.string: an http(s) URL under `rules`. */
export function urlCheck(rules: UrlRules): ValueCheck {
  return (value) => urlProblem(value, rules);
}

/** The TCP port a URL reaches: the one it names, else its scheme's (443 for https, 80 for http). */
export function urlPort(value: string | URL): number {
  const url = typeof value === "string" ? new URL(value) : value;
  return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
}

// ---- DNS names ------------------------------------------------------------------------------

/** DNS-1123 label: what Kubernetes accepts as a namespace or object name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: labels joined by dots, at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dnsLabel(value: string): string | undefined {
  return DNS_LABEL.test(value)
    ? undefined
    : `expected a DNS-1123 label (lower-case letters, digits and '-', at most 63), got "${value}"`;
}

export function dnsSubdomain(value: string): string | undefined {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value) && value.split(".").every((label) => label.length <= 63)
    ? undefined
    : `expected a Kubernetes object name (lower-case letters, digits, '-' and '.'), got "${value}"`;
}

/** A fully qualified host name: at least two labels, no wildcard, no scheme or port. */
export function dnsName(value: string): string | undefined {
  return value.includes(".") && !dnsSubdomain(value)
    ? undefined
    : `expected a host name such as jaeger.internal.example.com (no scheme, port or path), got "${value}"`;
}

// ---- quantities -----------------------------------------------------------------------------

// The canonical quantity grammar of k8s.io/apimachinery resource.Quantity (without signs: config
// values are sizes and must be positive).
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * The value of a Kubernetes quantity (`512Mi`, `1Gi`, `250m`, `0.5`) in base units (bytes, cores),
 * or undefined when it is not a quantity.
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number, , suffix = ""] = match;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTORS[suffix];
  return Number(number) * factor;
}

/** Check for ConfigReader.string: a positive memory or storage size such as `128Mi` or `2Gi`. */
export function memoryQuantity(v: string): string | undefined {
  const bytes = parseQuantity(v);
  return bytes !== undefined && bytes >= 1
    ? undefined
    : `expected a memory size such as "128Mi" or "2Gi" (a Kubernetes quantity), got "${v}"`;
}

/** Check for ConfigReader.string: a positive CPU amount such as `250m` or `1`. */
export function cpuQuantity(v: string): string | undefined {
  const cores = parseQuantity(v);
  return cores !== undefined && cores >= 0.001 && !/i$/.test(v)
    ? undefined
    : `expected a CPU amount such as "250m" or "1" (a Kubernetes quantity), got "${v}"`;
}
