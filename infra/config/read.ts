import { ConfigError } from "./errors";

/**
 * Small typed readers over the raw stack config (the JSON-decoded values of `order-tracing:*`).
 * Each reader either returns a value of the expected type or records a ConfigError naming the key;
 * the caller collects all errors and fails once with the whole list.
 */
export class ConfigReader {
  readonly errors: ConfigError[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

  private take(key: string): unknown {
    this.seen.add(key.split(".")[0]);
    let value: unknown = this.raw;
    for (const part of key.split(".")) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== "object" || Array.isArray(value)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  }

  fail(key: string, problem: string): void {
    this.errors.push(new ConfigError(key, problem));
  }

  string(key: string, fallback: string, check?: (v: string) => string | undefined): string;
  string(key: string, fallback?: undefined, check?: (v: string) => string | undefined): string | undefined;
  string(key: string, fallback?: string, check?: (v: string) => string | undefined): string | undefined {
    const value = this.take(key);
    if (value === undefined || value === null || value === "") return fallback;
    if (typeof value !== "string") {
      this.fail(key, `expected a string, got ${describe(value)}`);
      return fallback;
    }
    const problem = check?.(value);
    if (problem) {
      this.fail(key, problem);
      return fallback;
    }
    return value;
  }

  /** Pulumi stores scalar config as strings, so numbers and booleans arrive as text too. */
  number(key: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const value = this.take(key);
    if (value === undefined || value === null || value === "") return fallback;
    const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
    const expected = expectedNumber(range);
    if (!Number.isFinite(parsed)) {
      this.fail(key, `expected ${expected}, got ${describe(value)}`);
      return fallback;
    }
    if (
      (range.integer && !Number.isInteger(parsed)) ||
      (range.min !== undefined && parsed < range.min) ||
      (range.max !== undefined && parsed > range.max)
    ) {
      this.fail(key, `expected ${expected}, got ${parsed}`);
      return fallback;
    }
    return parsed;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined || value === null || value === "") return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.fail(key, `expected true or false, got ${describe(value)}`);
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(key);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(key, `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }

  /** Keys under the namespace that no reader asked for: most often a typo. */
  unknownKeys(): string[] {
    return Object.keys(this.raw).filter((key) => !this.seen.has(key));
  }
}

function expectedNumber(range: { min?: number; max?: number; integer?: boolean }): string {
  const kind = range.integer ? "an integer" : "a number";
  if (range.min !== undefined && range.max !== undefined) return `${kind} from ${range.min} to ${range.max}`;
  if (range.min !== undefined) return `${kind} of at least ${range.min}`;
  if (range.max !== undefined) return `${kind} of at most ${range.max}`;
  return kind;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Decodes `pulumi.runtime.allConfig()` (keys `project:key`, values as JSON text or plain strings)
 * into the raw values of one namespace.
 */
export function rawConfigOf(namespace: string, all: Readonly<Record<string, string>>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${namespace}:`;
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    raw[fullKey.slice(prefix.length)] = decode(text);
  }
  return raw;
}

function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
