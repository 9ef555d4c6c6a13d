/**
 * Pure matching of the order-context rules against what a hook sees: a URL path, a JSON message
 * body, an S3 key. Nothing here touches OpenTelemetry.
 */

/**
 * What an order id may look like. It travels in baggage and span attributes, so anything else
 * (an e-mail, a free-text name, a very long value) is refused rather than propagated.
 */
const ORDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Returns the value if it is a plausible order id, else undefined. */
export function asOrderId(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== "string") return undefined;
  return ORDER_ID_PATTERN.test(value) ? value : undefined;
}

/** Statuses are short upper-case words (CREATED, IN_PRODUCTION, …); anything else is not a status. */
const STATUS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

export function asStatus(value: unknown): string | undefined {
  return typeof value === "string" && STATUS_PATTERN.test(value) ? value.toUpperCase() : undefined;
}

/** The path of a request target without query string or fragment. */
export function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function segments(value: string): string[] {
  return value.split("/").filter((segment) => segment !== "");
}

/**
 * Matches a template such as `/orders/:orderId/*` (or an S3 key template `models/:orderId/*`)
 * and returns the decoded `orderId` parameter. `:name` matches one segment, a trailing `*` any rest
 * (at least one segment).
 */
export function matchTemplate(template: string, value: string): string | undefined {
  const wanted = segments(template);
  const actual = segments(value);
  const wildcard = wanted[wanted.length - 1] === "*";
  const fixed = wildcard ? wanted.slice(0, -1) : wanted;
  if (wildcard ? actual.length <= fixed.length : actual.length !== fixed.length) return undefined;
  let orderId: string | undefined;
  for (let i = 0; i < fixed.length; i++) {
    const part = fixed[i];
    if (part.startsWith(":")) {
      if (part === ":orderId") {
        try {
          orderId = decodeURIComponent(actual[i]);
        } catch {
          return undefined;
        }
      }
    } else if (part !== actual[i]) return undefined;
  }
  return asOrderId(orderId);
}

/** The order id of the first template that matches the value. */
export function matchFirst(templates: readonly string[], value: string): string | undefined {
  for (const template of templates) {
    const orderId = matchTemplate(template, value);
    if (orderId !== undefined) return orderId;
  }
  return undefined;
}

/** Reads a dotted path (`order.id`, `data.orderId`) from a parsed JSON value; a literal key wins. */
export function readField(value: unknown, field: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, field)) return record[field];
  const dot = field.indexOf(".");
  if (dot === -1) return undefined;
  return readField(record[field.slice(0, dot)], field.slice(dot + 1));
}

/** Parses a JSON object from a body no larger than `maxBytes`; undefined for anything else. */
export function parseJsonBody(body: Buffer | string | undefined, maxBytes: number): unknown {
  if (body === undefined) return undefined;
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  if (size === 0 || size > maxBytes) return undefined;
  const text = typeof body === "string" ? body : body.toString("utf8");
  const first = text.trimStart()[0];
  if (first !== "{") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The order id found under the first of `fields` present in a JSON body. */
export function orderIdFromBody(body: unknown, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const orderId = asOrderId(readField(body, field));
    if (orderId !== undefined) return orderId;
  }
  return undefined;
}
