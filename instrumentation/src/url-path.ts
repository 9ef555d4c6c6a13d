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
 * One implementation for both layers: the patterns below, applied in order, by the collector's
 * transform processor (Go's RE2) and by the SDK (redactPathSegments, JavaScript's engine, which
 * reads these patterns the same way: no look-around, no flags, ASCII classes).
 * Dependency-free: infra/ imports it.
 */

export const PATH_REDACTION = "[REDACTED:path]";

/**
 * Characters a kept segment may consist of: RFC 3986 unreserved, `:` of route templates, and the
 * brackets of IPv6 hosts and of PATH_REDACTION itself (so a redacted segment is never matched again).
 */
const SEGMENT_CHARACTERS = "A-Za-z0-9._~:\\[\\]-";

/**
 * The rule as ordered `[pattern, replacement]` pairs of RE2 regular expressions for the
 * collector's `replace_pattern` on values that no longer have a query string or fragment; the
 * replacements refer to groups as `$1` (JavaScript's form; the collector config writes `$${1}`).
 * - A segment is only matched after a character other than `/`, at the start, or after a `/` that
 *   does not follow a `:`: so the authority of a full URL (`scheme://user@host:port`) is never
 *   taken for a segment, and the segment after a doubled `/` in a path still is.
 * - Without look-around each match consumes the character before its `/` (and a capitalised
 *   segment the `/` after it), so every pattern runs twice: the first pass takes every other
 *   segment of a run of them, the second the rest.
 */
const AFTER_NON_SLASH = "(^|[^/]|[^:]/)";

/**
 * A value without any character matched here is left as it is by every pattern below (no
 * capital, no foreign character): the collector runs them only when this matches.
 */
export const PATH_MAY_NEED_REDACTION = `[^/${SEGMENT_CHARACTERS.replace("A-Z", "")}]`;
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

const COMPILED = PATH_SEGMENT_REPLACEMENTS.map(
  ([pattern, replacement]) => [new RegExp(pattern, "g"), replacement] as const,
);
const MAY_NEED_REDACTION = new RegExp(PATH_MAY_NEED_REDACTION);

/**
 * A path or URL (no query string or fragment) with every segment that may carry a person replaced;
 * what stands before the first `/` (a scheme) and a URL's authority are left as they are.
 */
export function redactPathSegments(path: string): string {
  if (!MAY_NEED_REDACTION.test(path)) return path;
  return COMPILED.reduce((value, [pattern, replacement]) => value.replace(pattern, replacement), path);
}
