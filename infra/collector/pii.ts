/**
 * What the collector gateway lets through: the attribute keys we emit, the value patterns that are
 * masked wherever they appear, and the request parts that are cut. The gateway is the second line
 * of defence (the instrumentation scrubs first, instrumentation/src/scrub.ts), and the only one for
 * services we did not instrument ourselves.
 *
 * Patterns are Go RE2 (the collector's engine) and stay inside the syntax JavaScript shares, so the
 * unit tests check them with RegExp: no look-around, no backreferences; a leading `(?i)` is the only
 * flag.
 */

import {
  AWS_ATTRIBUTE_KEYS,
  HTTP_ATTRIBUTE_KEYS,
  LEGACY_HTTP_ATTRIBUTE_KEYS,
  MESSAGING_ATTRIBUTE_KEYS,
  ORDER_ATTRIBUTE_KEYS,
  SECRET_ASSIGNMENT_SOURCE,
  SHARED_VALUE_PATTERNS,
} from "../../contract/trace";

/**
 * Attribute keys that survive the redaction processor, on resources, spans and span events alike
 * (it applies one list to all three). Exact keys: the processor has no key patterns for an
 * allow-list. Anything else — a body, a header, a customer field, an IP of a caller — is removed.
 */
export const ALLOWED_ATTRIBUTE_KEYS = [
  // Resource: who emitted the span.
  "service.name",
  "service.namespace",
  "service.version",
  "service.instance.id",
  "deployment.environment",
  "deployment.environment.name",
  "telemetry.sdk.name",
  "telemetry.sdk.language",
  "telemetry.sdk.version",
  "telemetry.distro.name",
  "telemetry.distro.version",
  "host.name",
  "host.arch",
  "os.type",
  "process.pid",
  "process.runtime.name",
  "process.runtime.version",
  "process.runtime.description",
  "container.id",
  "cloud.provider",
  "cloud.platform",
  "cloud.region",
  // Kubernetes: set by the injection (downward API) and by the k8s_attributes processor.
  "k8s.namespace.name",
  "k8s.node.name",
  "k8s.pod.name",
  "k8s.pod.uid",
  "k8s.pod.ip",
  "k8s.pod.start_time",
  "k8s.container.name",
  "k8s.deployment.name",
  "k8s.replicaset.name",
  // HTTP and network, current semantic conventions (kept by the SDK too).
  ...HTTP_ATTRIBUTE_KEYS,
  "network.peer.port",
  // HTTP and network, older conventions still emitted by some instrumentations.
  ...LEGACY_HTTP_ATTRIBUTE_KEYS,
  // Web framework.
  "express.name",
  "express.type",
  // Messaging (amqplib, both conventions).
  ...MESSAGING_ATTRIBUTE_KEYS,
  // AWS SDK (S3), after the RPC keys its spans carry.
  "rpc.system",
  "rpc.service",
  "rpc.method",
  ...AWS_ATTRIBUTE_KEYS,
  // The order contract (DESIGN.md "Trace content").
  ...ORDER_ATTRIBUTE_KEYS,
  // Errors: the kind of failure, not its message (messages quote input).
  "error",
  "error.type",
  "exception.type",
  "exception.escaped",
  // Set by SDKs and exporters for Jaeger.
  "otel.status_code",
  "otel.status_description",
  "otel.scope.name",
  "otel.scope.version",
  "otel.library.name",
  "otel.library.version",
  "span.kind",
] as const;

/** A value pattern the gateway masks (the match becomes `****`), with what it catches. */
export interface BlockedValuePattern {
  name: string;
  pattern: string;
}

/**
 * Personal data and credentials found inside allowed values. Each is written not to touch the
 * values we must keep: UUIDs (order ids), ISO-8601 timestamps, IP addresses, status codes.
 */
export const BLOCKED_VALUE_PATTERNS: readonly BlockedValuePattern[] = [
  // First, so the password is not taken for the local part of an e-mail address.
  { name: "credentials in a URL (scheme://user:password@host)", pattern: "[^/@\\s:]+:[^/@\\s]+@" },
  { name: "e-mail address (also URL-encoded)", pattern: SHARED_VALUE_PATTERNS.email },
  { name: "JSON Web Token", pattern: SHARED_VALUE_PATTERNS.jwt },
  { name: "bearer, basic or token credentials", pattern: `(?i)${SHARED_VALUE_PATTERNS.credentialScheme}` },
  // The same assignments the SDK masks (token=…, authorization: …, session=…, password=…): for a
  // service the SDK does not scrub (a JVM service), this is the whole defence.
  { name: "secret assignment (token=…, authorization: …, session=…)", pattern: `(?i)${SECRET_ASSIGNMENT_SOURCE}` },
  { name: "AWS access key id", pattern: SHARED_VALUE_PATTERNS.awsAccessKeyId },
  { name: "card number, digits only", pattern: "\\b[0-9]{13,19}\\b" },
  { name: "card number in groups of four", pattern: "\\b[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{1,7}\\b" },
  { name: "card number in 4-6-5 groups (Amex)", pattern: "\\b[0-9]{4}[ -][0-9]{6}[ -][0-9]{5}\\b" },
  { name: "international phone number (+country code)", pattern: "\\+[1-9][0-9 ().-]{6,18}[0-9]" },
  // Space or hyphen separators only: dotted groups would also match IPv4 addresses.
  { name: "national phone number in groups", pattern: "\\(?\\b[0-9]{3}\\)?[ -][0-9]{3}[ -][0-9]{2}[ -]?[0-9]{2}\\b" },
];

const UUID_VALUE: BlockedValuePattern = {
  name: "UUID",
  pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
};
const TIMESTAMP_VALUE: BlockedValuePattern = {
  name: "ISO-8601 UTC timestamp",
  pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$",
};
/**
 * Whole values that are never masked, whatever the patterns above say: the shapes of the values we
 * write ourselves (order ids are UUIDs, status changes are ISO-8601 UTC), which carry no person.
 */
export const ALLOWED_VALUE_PATTERNS: readonly BlockedValuePattern[] = [UUID_VALUE, TIMESTAMP_VALUE];

/** An order id as the reference order system makes them (a UUID), e.g. in a URL path. */
export const ORDER_ID_IN_PATH = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** A canonical UUID in lower case: `8-4-4-4-12` hex digits (how order ids appear in paths). */
const LOWER_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A path segment: lower-case words (`orders`, `shop.shop.svc`), a `:param` placeholder, or a UUID. */
const CLEAN_SEGMENT = `(:?[a-z_.-]+|${LOWER_UUID})`;

// HTTP methods, order statuses, schemes, operation names: POST, SUBMITTED, http, PutObject.
const SHORT_WORD: BlockedValuePattern = {
  name: "short word (letters, `_`, `-`; at most 19)",
  pattern: "^[A-Za-z_-]{1,19}$",
};
// Routes and paths (/orders/:id, /orders/<uuid>/approve), host names (shop.shop.svc.cluster.local),
// queue names (mes.orders).
const CLEAN_PATH: BlockedValuePattern = {
  name: "lower-case path or name of words, `:param` placeholders and UUIDs",
  pattern: `^/?${CLEAN_SEGMENT}(/${CLEAN_SEGMENT})*/?$`,
};
// URLs of such hosts and paths (query strings are already cut), with a port when the host's last
// letter cannot end a secret keyword: http://shop.shop.svc.cluster.local:8080/orders/<uuid>.
const CLEAN_URL: BlockedValuePattern = {
  name: "URL of a lower-case host, a port and such a path",
  pattern: `^(https?|amqps?)://([a-z.-]*[a-ce-mo-su-xz]:[0-9]{1,5}|[a-z][a-z.-]*)(/${CLEAN_SEGMENT})*/?$`,
};
// Versions and protocol versions: 1.1, 20.19.0.
const DOTTED_NUMBER: BlockedValuePattern = {
  name: "dotted number (runs of at most 9 digits)",
  pattern: "^[0-9]{1,9}(\\.[0-9]{1,9}){1,3}$",
};
// The processor checks a value that is not a string (an integer such as a status code or a port,
// a boolean, a list) as "": without this shape each went through all eleven blocked patterns.
const EMPTY: BlockedValuePattern = { name: "empty (and every value that is not a string)", pattern: "^$" };

/**
 * Whole-value shapes in which no blocked pattern can match, so masking them could never change
 * them: they are checked first (as allowed values) only so that the most frequent values skip the
 * blocked patterns, which cost the gateway most of its CPU (bench/README.md "Where the collector's
 * time goes"). What the collector exports is the same with or without them, apart from the
 * count its summary adds (`redaction.allowed.count`: more values are counted as allowed). Why each
 * one is clean, pattern by pattern (pii.test.ts checks every shape against every blocked pattern,
 * and the keyword endings below against the secret-assignment pattern):
 * - none of them holds `@`, `%`, whitespace, `=`, `+`, a quote or `(`, so URL credentials, e-mail
 *   addresses, bearer/basic/token credentials and phone numbers in either form cannot occur;
 * - `:` stands only at the start of a path segment (a route's `:id`), after a URL scheme, or before
 *   a port after a host whose last letter is not d, t, y or n; every secret keyword (SECRET_KEYWORDS:
 *   token, password, authorization, session, api_key…) ends in one of those, so no
 *   `keyword:` can form;
 * - digits appear only in canonical UUIDs (groups of 8, 4, 4, 4, 12: no run of 13, no group of 3
 *   or 6 and no 4-4-4 group closed by a word boundary, so no card or phone pattern fits), in a port
 *   (at most 5, never next to a space or `-`), or in dotted numbers (runs of at most 9, joined by
 *   dots only); so no card number or phone number can occur;
 * - upper-case letters appear only in short words of at most 19 characters without digits or dots,
 *   too short for an AWS access key id (20) and without the dots of a JSON Web Token; the lower-case
 *   shapes cannot hold a token's `eyJ`;
 * - the empty value holds no match of any pattern (each needs at least one character).
 */
export const CLEAN_VALUE_SHAPES: readonly BlockedValuePattern[] = [
  SHORT_WORD,
  CLEAN_PATH,
  CLEAN_URL,
  DOTTED_NUMBER,
  EMPTY,
];

/** One anchored pattern that matches what any of `shapes` (each `^…$`) matches. */
function anyOf(...shapes: BlockedValuePattern[]): string {
  return `^(?:${shapes.map(({ pattern }) => pattern.slice(1, -1)).join("|")})$`;
}

/**
 * The redaction processor's `allowed_values`: the allowed patterns and the clean shapes, in the order
 * that costs least. The processor tries them one by one on every value of an allowed key until one
 * matches, and sends a value none matches through all eleven blocked patterns. With Go's regexp a
 * pattern that fails at the first character costs a few nanoseconds, one that reads a value about
 * 10 ns per character (measured on the benchmark's values, bench/README.md "Where the collector's
 * time goes"). So the short values come first, and the shapes told apart by their first character (a
 * letter, `_` or `-`: a short word; a digit: a dotted number; none: empty, which is how the processor
 * sees integers) are one pattern; the UUID (order ids) follows, then the path and URL shapes, which
 * read the whole value; the timestamp, rare, comes last. A value is allowed exactly when one of
 * ALLOWED_VALUE_PATTERNS or CLEAN_VALUE_SHAPES matches it (pii.test.ts).
 */
export const REDACTION_ALLOWED_VALUES: readonly string[] = [
  anyOf(SHORT_WORD, DOTTED_NUMBER, EMPTY),
  UUID_VALUE.pattern,
  CLEAN_PATH.pattern,
  CLEAN_URL.pattern,
  TIMESTAMP_VALUE.pattern,
];

/** Attributes whose values are URLs or request targets: the query string and fragment are cut. */
export const URL_ATTRIBUTE_KEYS = ["url.full", "http.url", "http.target", "messaging.url"] as const;

/**
 * Attributes whose values hold a URL path: segments that may name a person are replaced
 * (instrumentation/src/url-path.ts, the rule the SDK applies too). Not `http.route`: a template.
 */
export const PATH_ATTRIBUTE_KEYS = [...URL_ATTRIBUTE_KEYS, "url.path"] as const;

/** Attributes that hold only a query string or fragment: dropped outright. */
export const QUERY_ATTRIBUTE_KEYS = ["url.query", "url.fragment"] as const;

/**
 * Attribute keys that carry request or response bodies or message payloads (`http.request.body`,
 * `messaging.message.payload`, `rpc.request.body.content`…). The allow-list above must never hold
 * one (pii.test.ts): the redaction processor removes them with every other key not on it. (The
 * gateway used to delete them first with an OTTL regex over every key of every span, a fifth of its
 * CPU for nothing the allow-list does not already do.)
 */
export const BODY_KEY_PATTERN = "(?i)(^|[._])(body|payload)([._]|$)";

/** User agents of probes: the kubelet's (`kube-probe/1.31`) and load balancers' health checkers. */
export const PROBE_USER_AGENT_PATTERN = "^(kube-probe|ELB-HealthChecker|GoogleHC)/";
