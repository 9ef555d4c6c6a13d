import { CONFIG_NAMESPACE, ConfigError } from "./errors";

/**
 * Small typed readers over the raw stack config (the JSON-decoded values of `order-tracing:*`).
 * Each reader either returns a value of the expected type or records a ConfigError naming the key;
 * the caller collects all errors and fails once with the whole list.
 */
export class ConfigReader {
  readonly errors: ConfigError[] = [];
  private readonly seen = new Set<string>();
  /** Every key a reader asked for, set or not (the configuration reference's test checks them). */
  readonly keysRead = new Set<string>();

  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    /** Top-level keys whose value is a Pulumi secret (`pulumi config set --secret`). */
    private readonly secretKeys: ReadonlySet<string> = new Set(),
  ) {}

  private take(key: string): unknown {
    this.seen.add(key.split(".")[0]);
    this.keysRead.add(key);
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

  /**
   * A list (for example a list of objects). The caller validates each item, typically with a
   * `new ConfigReader(item)` whose errors it re-reports under `<key>[<index>].<field>`.
   */
  list(key: string): unknown[] {
    const value = this.take(key);
    if (value === undefined || value === null || value === "") return [];
    if (!Array.isArray(value)) {
      this.fail(key, `expected a list, got ${describe(value)}`);
      return [];
    }
    return value;
  }

  /**
   * The field names of an object value (undefined when the key is not set), so a section reader can
   * refuse unknown nested keys: a typo inside an object would otherwise be silently ignored.
   */
  fieldsOf(key: string): string[] | undefined {
    const value = this.take(key);
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      this.fail(key, `expected an object, got ${describe(value)}`);
      return [];
    }
    return Object.keys(value);
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

  /**
   * A top-level key that must hold a Pulumi secret (a password, a client secret). Returns whether it
   * is set; the value itself is read as an Output by the composition root, so it stays encrypted.
   */
  secret(key: string, required: boolean, why = "it is required"): boolean {
    const value = this.take(key);
    const set = value !== undefined && value !== null && value !== "";
    if (!set) {
      if (required)
        this.fail(
          key,
          `missing: ${why}; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\``,
        );
      return false;
    }
    if (!this.secretKeys.has(key)) {
      this.fail(
        key,
        `must be a Pulumi secret, not plain text; set it with \`pulumi config set --secret ${CONFIG_NAMESPACE}:${key} <value>\``,
      );
    }
    return true;
  }

  /** The keys set at the top level (parseStackConfig refuses those no reader declares). */
  topLevelKeys(): string[] {
    return Object.keys(this.raw);
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

/**
 * The namespace's top-level keys that hold secrets: the language host passes their full names as a
 * JSON list in the program's config (`PULUMI_CONFIG_SECRET_KEYS`).
 */
export function secretKeysOf(namespace: string, all: Readonly<Record<string, string>>): Set<string> {
  const listed = decode(all["PULUMI_CONFIG_SECRET_KEYS"] ?? process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  const prefix = `${namespace}:`;
  return new Set(
    (Array.isArray(listed) ? listed : [])
      .filter((k): k is string => typeof k === "string" && k.startsWith(prefix))
      .map((k) => k.slice(prefix.length)),
  );
}

function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
