/**
 * URL path segments that may carry a person. Value patterns find e-mails, phone numbers, cards and
 * tokens, but a name or an address in a path (`/customers/Quillon%20Probewright`) has no pattern of
 * its own. A route word is lower-case (`orders`, `work-orders`), an id has digits (`ORD-2026-000123`,
 * a UUID), so a segment is kept only when it looks like one of those:
 * - a segment with a character no route word or id has (a percent-escape, a space, `+`, `@`, `,`…)
 *   is replaced;
 * - a segment of letters only (no digit) with a capital letter (`Quillon`, `Probewright`) is replaced.
 * Lower-case words stay (`quillon-probewright` is as much a route word as `work-orders`).
 *
 * The same rule runs in the SDK (redactPathSegments) and in the collector's transform processor
 * (the RE2 patterns below, applied in order); a unit test holds the two to the same results.
 * Dependency-free: infra/ imports it.
 */

export const PATH_REDACTION = "[REDACTED:path]";

/**
 * Characters a kept segment may consist of: RFC 3986 unreserved, `:` of route templates, and the
 * brackets of IPv6 hosts and of PATH_REDACTION itself (so a redacted segment is never matched again).
 */
const SEGMENT_CHARACTERS = "A-Za-z0-9._~:\\[\\]-";

function isKeptSegment(segment: string): boolean {
  if (segment === "") return true;
  if (!new RegExp(`^[${SEGMENT_CHARACTERS}]+$`).test(segment)) return false;
  const lettersOnly = !/[0-9]/.test(segment);
  return !(lettersOnly && /[A-Z]/.test(segment) && /^[A-Za-z._~-]+$/.test(segment));
}

/** A path (no query string or fragment) with every segment that may carry a person replaced. */
export function redactPathSegments(path: string): string {
  return path
    .split("/")
    .map((segment) => (isKeptSegment(segment) ? segment : PATH_REDACTION))
    .join("/");
}

/**
 * The rule as ordered `[pattern, replacement]` pairs of RE2 regular expressions for the
 * collector's `replace_pattern` on values that no longer have a query string or fragment; the
 * replacements refer to groups as `$1` (JavaScript's form; the collector config writes `$${1}`).
 * - A segment is only matched after a character other than `/`, or at the start, so the
 *   authority of a full URL (`scheme://user@host:port`, after `//`) is never taken for a segment.
 * - Without look-around each match consumes the character before its `/` (and a capitalised
 *   segment the `/` after it), so every pattern runs twice: the first pass takes every other
 *   segment of a run of them, the second the rest.
 */
const AFTER_NON_SLASH = "(^|[^/])";
const FOREIGN_CHARACTER_SEGMENT = `${AFTER_NON_SLASH}/[^/]*[^/${SEGMENT_CHARACTERS}][^/]*`;
const CAPITALISED_WORD_SEGMENT = `${AFTER_NON_SLASH}/[A-Za-z._~-]*[A-Z][A-Za-z._~-]*(/|$)`;
const foreign = [FOREIGN_CHARACTER_SEGMENT, `$1/${PATH_REDACTION}`] as const;
const capitalised = [CAPITALISED_WORD_SEGMENT, `$1/${PATH_REDACTION}$2`] as const;
export const PATH_SEGMENT_REPLACEMENTS: ReadonlyArray<readonly [pattern: string, replacement: string]> = [
  foreign,
  foreign,
  capitalised,
  capitalised,
];
