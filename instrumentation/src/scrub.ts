import {
  AWS_ATTRIBUTE_KEYS,
  HTTP_ATTRIBUTE_KEYS,
  LEGACY_HTTP_ATTRIBUTE_KEYS,
  MESSAGING_ATTRIBUTE_KEYS,
  ORDER_ATTRIBUTE_KEYS,
  SECRET_ASSIGNMENT_SOURCE,
  SHARED_VALUE_PATTERNS,
} from "../../contract/trace";
import { redactPathSegments } from "./url-path";

/**
 * PII scrubbing of span data before it leaves the process (the first line of defence; the
 * collector's redaction processor is the second). Pure functions over attribute maps:
 * - only allow-listed attribute keys survive (everything else, bodies included, is dropped);
 * - URLs lose their user info, query string and fragment, and their path the segments that may
 *   name a person (url-path.ts);
 * - every surviving string is searched for e-mails, phone numbers, card numbers and tokens.
 */

export type AttributeValue = string | number | boolean | Array<null | undefined | string | number | boolean>;
export type Attributes = Record<string, AttributeValue | undefined>;

/** Whole namespaces whose keys describe infrastructure, never a person. */
const ALLOWED_PREFIXES = [
  "service.",
  "k8s.",
  "host.",
  "os.",
  "container.",
  "cloud.",
  "telemetry.",
  "process.runtime.",
  "order.",
  "otel.",
  "rpc.",
  "express.",
  "fastify.",
  "hapi.",
  "error.",
  "exception.",
];

/**
 * Single keys: the HTTP, messaging and AWS keys the collector keeps too (contract/trace.ts), and the
 * database, code and thread keys of the SDK's own instrumentations.
 */
const ALLOWED_KEYS = new Set<string>([
  ...HTTP_ATTRIBUTE_KEYS,
  ...LEGACY_HTTP_ATTRIBUTE_KEYS,
  ...MESSAGING_ATTRIBUTE_KEYS,
  ...AWS_ATTRIBUTE_KEYS,
  "process.pid",
  "process.executable.name",
  "messaging.rabbitmq.message.delivery_tag",
  "cloud.region",
  "db.system",
  "db.system.name",
  "db.name",
  "db.namespace",
  "db.operation",
  "db.operation.name",
  "db.collection.name",
  "db.sql.table",
  "db.statement",
  "db.query.text",
  "db.redis.database_index",
  "code.function",
  "code.function.name",
  "code.namespace",
  "code.filepath",
  "code.lineno",
  "thread.id",
  "thread.name",
]);

/** Keys whose values are URLs or request targets: only scheme, host and path may remain. */
const URL_KEYS = new Set(["url.full", "http.url", "messaging.url"]);
const TARGET_KEYS = new Set(["http.target", "url.path"]);

/** Keys whose values we wrote and validated ourselves; value patterns would only mangle them. */
const TRUSTED_KEYS = new Set<string>(ORDER_ATTRIBUTE_KEYS);

/** Attribute keys that are never kept, whatever their namespace says (they carry payloads or people). */
const DENIED_FRAGMENTS = ["body", "payload", "content", "user", "email", "phone", "password", "token", "cookie"];

function decideKey(key: string, extraKeys: readonly string[]): boolean {
  const lower = key.toLowerCase();
  if (DENIED_FRAGMENTS.some((fragment) => lower.includes(fragment))) return false;
  return ALLOWED_KEYS.has(key) || extraKeys.includes(key) || ALLOWED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

const NO_EXTRA_KEYS: readonly string[] = [];
/**
 * Decisions per key and extra-key list: keys come from instrumentation code and repeat on every
 * span, so each is decided once. Bounded, because a key set is only as finite as its source.
 */
const KEY_DECISIONS_LIMIT = 4096;
const keyDecisions = new WeakMap<readonly string[], Map<string, boolean>>();

/** Whether an attribute key may leave the process; `extraKeys` are the configured baggage allow-list. */
export function isAllowedKey(key: string, extraKeys: readonly string[] = NO_EXTRA_KEYS): boolean {
  let decisions = keyDecisions.get(extraKeys);
  if (!decisions) {
    decisions = new Map();
    keyDecisions.set(extraKeys, decisions);
  }
  let allowed = decisions.get(key);
  if (allowed === undefined) {
    allowed = decideKey(key, extraKeys);
    if (decisions.size >= KEY_DECISIONS_LIMIT) decisions.clear();
    decisions.set(key, allowed);
  }
  return allowed;
}

interface Finding {
  kind: string;
  pattern: RegExp;
  /**
   * A cheap test that must hold for the pattern to match at all, so that most values (methods,
   * hosts, routes) skip most patterns. `digits` is the number of ASCII digits in the value.
   */
  mayMatch: (value: string, digits: number) => boolean;
  /** Extra check on a match (Luhn for card numbers). */
  accept?: (match: string) => boolean;
}

function passesLuhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The fewest digits a phone number pattern below can match (three groups of two). */
const PHONE_MIN_DIGITS = 6;
const CARD_MIN_DIGITS = 13;

/** Value patterns, most specific first. Matches are replaced by `[REDACTED:<kind>]`. */
const FINDINGS: Finding[] = [
  {
    kind: "jwt",
    pattern: new RegExp(SHARED_VALUE_PATTERNS.jwt, "g"),
    mayMatch: (value) => value.includes("eyJ"),
  },
  {
    kind: "token",
    pattern: new RegExp(SHARED_VALUE_PATTERNS.credentialScheme, "gi"),
    mayMatch: (value) => /\s/.test(value),
  },
  {
    kind: "secret",
    pattern: new RegExp(SECRET_ASSIGNMENT_SOURCE, "gi"),
    mayMatch: (value) => value.includes("=") || value.includes(":"),
  },
  {
    kind: "aws-key",
    pattern: new RegExp(SHARED_VALUE_PATTERNS.awsAccessKeyId, "g"),
    mayMatch: (value) => value.includes("AKIA") || value.includes("ASIA"),
  },
  {
    kind: "email",
    pattern: new RegExp(SHARED_VALUE_PATTERNS.email, "g"),
    mayMatch: (value) => value.includes("@") || value.includes("%40"),
  },
  {
    kind: "card",
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    mayMatch: (_value, digits) => digits >= CARD_MIN_DIGITS,
    accept: passesLuhn,
  },
  {
    kind: "phone",
    pattern:
      /(?<![\w-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){2,4}(?![\w-])|\+\d{8,15}\b/g,
    mayMatch: (_value, digits) => digits >= PHONE_MIN_DIGITS,
  },
];

function countDigits(value: string): number {
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return digits;
}

function redactFindings(value: string): string {
  const digits = countDigits(value);
  let result = value;
  for (const finding of FINDINGS) {
    if (!finding.mayMatch(result, digits)) continue;
    result = result.replace(finding.pattern, (match) =>
      !finding.accept || finding.accept(match) ? `[REDACTED:${finding.kind}]` : match,
    );
  }
  return result;
}

/**
 * Scrubbed short values, by value: most attribute values (methods, hosts, routes, statuses) repeat
 * on every span. Bounded and process-local; it holds nothing the spans in memory do not hold.
 */
const SCRUBBED_CACHE_LIMIT = 4096;
const SCRUBBED_CACHE_MAX_LENGTH = 256;
const scrubbedTexts = new Map<string, string>();

/** Replaces every e-mail, phone number, card number and token in a string. */
export function scrubText(value: string): string {
  if (value.length > SCRUBBED_CACHE_MAX_LENGTH) return redactFindings(value);
  let scrubbed = scrubbedTexts.get(value);
  if (scrubbed === undefined) {
    scrubbed = redactFindings(value);
    if (scrubbedTexts.size >= SCRUBBED_CACHE_LIMIT) scrubbedTexts.clear();
    scrubbedTexts.set(value, scrubbed);
  }
  return scrubbed;
}

/**
 * A URL without user info, query string or fragment, and without the path segments that may name
 * a person (`[REDACTED:url]` if it does not parse).
 */
export function stripUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    url.pathname = redactPathSegments(url.pathname);
    return url.toString();
  } catch {
    return stripTarget(value);
  }
}

/** A request target (`/path?query#fragment`) without query string, fragment or person-like segments. */
export function stripTarget(value: string): string {
  const end = value.search(/[?#]/);
  return redactPathSegments(end === -1 ? value : value.slice(0, end));
}

function scrubValue(key: string, value: AttributeValue): AttributeValue {
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === "string" ? scrubText(item) : item));
  }
  if (typeof value !== "string" || TRUSTED_KEYS.has(key)) return value;
  if (URL_KEYS.has(key)) return scrubText(stripUrl(value));
  if (TARGET_KEYS.has(key)) return scrubText(stripTarget(value));
  return scrubText(value);
}

/** The allow-listed, scrubbed copy of an attribute map. */
export function scrubAttributes(attributes: Attributes, extraKeys: readonly string[] = NO_EXTRA_KEYS): Attributes {
  const result: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || !isAllowedKey(key, extraKeys)) continue;
    result[key] = scrubValue(key, value);
  }
  return result;
}
