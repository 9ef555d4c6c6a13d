/**
 * The trace contract (../shared/DESIGN.md, "Trace content" and "Order statuses"), defined once.
 * The instrumentation writes it, the collector keeps and samples by it, the report reads it, the
 * policies and tests check it. This module imports nothing, so every layer may import it: the
 * instrumentation bundle (esbuild), the Pulumi program, the command line and the tests.
 */

/** The span every change of an order's status produces. */
export const STATUS_CHANGE_SPAN = "order.status_change";

/** `order.id`: on every span where the order is known. */
export const ORDER_ID_KEY = "order.id";
/** `order.status`: the new status, on the status-change span. */
export const ORDER_STATUS_KEY = "order.status";
/** `order.previous_status`: the status before the change, on the status-change span. */
export const ORDER_PREVIOUS_STATUS_KEY = "order.previous_status";
/** `order.status_changed_at`: when the status changed (ISO-8601 UTC), on the status-change span. */
export const ORDER_STATUS_CHANGED_AT_KEY = "order.status_changed_at";

/** Every `order.*` attribute key, by meaning. */
export const ORDER_ATTRIBUTES = {
  id: ORDER_ID_KEY,
  status: ORDER_STATUS_KEY,
  previousStatus: ORDER_PREVIOUS_STATUS_KEY,
  statusChangedAt: ORDER_STATUS_CHANGED_AT_KEY,
} as const;

/** Every `order.*` attribute key, as a list (allow-lists keep them all). */
export const ORDER_ATTRIBUTE_KEYS = [
  ORDER_ID_KEY,
  ORDER_STATUS_KEY,
  ORDER_PREVIOUS_STATUS_KEY,
  ORDER_STATUS_CHANGED_AT_KEY,
] as const;

/** The W3C baggage key that carries the order id across services (copied onto every span). */
export const ORDER_ID_BAGGAGE_KEY = ORDER_ID_KEY;

/** The path every order should take, in order: the statuses an order passes from shop to customer. */
export const HAPPY_PATH = [
  "CREATED",
  "SUBMITTED",
  "APPROVED",
  "SENT_TO_MES",
  "ACCEPTED",
  "IN_PRODUCTION",
  "MANUFACTURED",
  "SHIPPED",
  "DELIVERED",
] as const;

/** Every status of the reference order system: the happy path and the two ways out of it. */
export const ORDER_STATUSES = [...HAPPY_PATH, "CANCELLED", "REJECTED"] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses an order never leaves: an order there is finished, never stuck. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ["DELIVERED", "CANCELLED", "REJECTED"];

/** `order.previous_status` of an order's first status (the caller said there was none). */
export const NO_PREVIOUS_STATUS = "NONE";

/** `order.previous_status` when a detected event does not say it and the process never saw one. */
export const UNKNOWN_PREVIOUS_STATUS = "UNKNOWN";

/**
 * Request paths of health, readiness and metrics endpoints. The SDK records no span for them and
 * the collector drops the spans of services the SDK does not instrument: one list for both.
 */
export const HEALTH_CHECK_PATHS = ["/healthz", "/readyz", "/livez", "/health", "/ready", "/live", "/metrics"] as const;

/*
 * Attribute keys both privacy layers keep: the SDK's scrubber (instrumentation/src/scrub.ts, which
 * also keeps whole namespaces) and the collector's redaction allow-list (infra/collector/pii.ts,
 * exact keys only). Each layer adds its own keys to these; neither may drop one of them.
 */

/** HTTP and network keys of the current semantic conventions. */
export const HTTP_ATTRIBUTE_KEYS = [
  "http.request.method",
  "http.request.method_original",
  "http.response.status_code",
  "http.route",
  "url.full",
  "url.path",
  "url.scheme",
  "server.address",
  "server.port",
  "network.protocol.name",
  "network.protocol.version",
  "network.transport",
  "network.type",
] as const;

/** HTTP and network keys of the older conventions, still emitted by some instrumentations. */
export const LEGACY_HTTP_ATTRIBUTE_KEYS = [
  "http.method",
  "http.url",
  "http.target",
  "http.host",
  "http.scheme",
  "http.status_code",
  "http.status_text",
  "http.flavor",
  "net.host.name",
  "net.host.port",
  "net.peer.name",
  "net.peer.port",
  "net.transport",
] as const;

/** Messaging keys (amqplib, both conventions). `messaging.url` keeps host and vhost; credentials are masked. */
export const MESSAGING_ATTRIBUTE_KEYS = [
  "messaging.system",
  "messaging.operation",
  "messaging.operation.name",
  "messaging.operation.type",
  "messaging.destination",
  "messaging.destination.name",
  "messaging.destination_kind",
  "messaging.protocol",
  "messaging.protocol_version",
  "messaging.url",
  "messaging.message.id",
  "messaging.message_id",
  "messaging.message.conversation_id",
  "messaging.conversation_id",
  "messaging.rabbitmq.routing_key",
  "messaging.rabbitmq.destination.routing_key",
] as const;

/** AWS SDK (S3) keys. Not `aws.s3.key`: the object name is the customer's upload file name. */
export const AWS_ATTRIBUTE_KEYS = ["aws.region", "aws.request.id", "aws.s3.bucket"] as const;

/**
 * Names whose assigned value is a secret (`token=…`, `authorization: …`, `session=…`), as regular
 * expression fragments that read the same in JavaScript and in Go RE2. The SDK masks these
 * assignments (instrumentation/src/scrub.ts) and so does the collector (infra/collector/pii.ts),
 * the only defence for services the SDK does not scrub, such as a JVM service traced by the Java
 * agent. Each ends in d, t, y or n (the collector's clean URL shape rests on that;
 * infra/collector/pii.test.ts).
 */
export const SECRET_KEYWORDS = [
  "api[_-]?key",
  "access[_-]?token",
  "refresh[_-]?token",
  "token",
  "secret",
  "password",
  "passwd",
  "pwd",
  "authorization",
  "sessionid",
  "session",
] as const;

/** `keyword=value`, `keyword: value`, `"keyword":"value"`: from the keyword to the end of the value. */
export const SECRET_ASSIGNMENT_SOURCE = `\\b(${SECRET_KEYWORDS.join("|")})\\b["']?\\s*[:=]\\s*["']?[^\\s"'&,;]+`;

/**
 * The value patterns both layers mask the same way, in the syntax JavaScript and Go RE2 share (no
 * lookaround). Card and phone numbers are written per layer on purpose: the SDK checks cards with
 * Luhn and bounds numbers with lookbehind, which RE2 lacks; the collector, which cannot, masks
 * every digit run a card could be and every grouped number a phone could be (more than the SDK).
 */
export const SHARED_VALUE_PATTERNS = {
  /** Also URL-encoded (`%40`). */
  email: "[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
  jwt: "eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*",
  /** Case-insensitive: `Bearer …`, `basic …`. */
  credentialScheme: "\\b(bearer|basic|token)\\s+[A-Za-z0-9._~+/=-]{8,}",
  awsAccessKeyId: "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b",
} as const;
