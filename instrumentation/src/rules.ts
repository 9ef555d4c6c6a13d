/**
 * Order-context rules: where a service's traffic carries the order id, and which messages or
 * responses announce a status change. Plain data, read from ORDER_TRACING_RULES (JSON) over the
 * defaults below; anything invalid is reported as a list of problems and the defaults stay.
 */

import { ORDER_ID_BAGGAGE_KEY, ORDER_ID_KEY } from "../../contract/trace";

/** An HTTP route whose response body announces an order's new status. */
export interface HttpStatusRule {
  /** Upper-case method, or omitted for any. */
  method?: string;
  /** Path template with an `:orderId` parameter, e.g. `/orders/:orderId/start`. */
  route: string;
  /** Dotted path of the status in the JSON response body. */
  statusField: string;
  /** Dotted path of the previous status in the body, if the service reports it. */
  previousStatusField?: string;
}

/** AMQP messages that announce an order's new status. */
export interface AmqpStatusRule {
  /** `publish`: the instrumented service emits the event; `consume`: it receives it. */
  direction: "publish" | "consume";
  /** Exchange the message is published to (`""` is the default exchange); omitted for any. */
  exchange?: string;
  /** Routing key on publish, queue on consume; omitted for any. */
  routingKey?: string;
  orderIdField: string;
  statusField: string;
  previousStatusField?: string;
  /**
   * Dotted path of the ISO-8601 time of the change in the body, if the event carries it: a consumer
   * then records when the change happened, not when it heard of it. Omitted: the time of detection.
   */
  changedAtField?: string;
}

export interface OrderTracingRules {
  orderId: {
    /** Path templates with an `:orderId` parameter; a trailing `/*` matches any rest. */
    httpRoutes: string[];
    /** Dotted paths of the order id in JSON AMQP message bodies, tried in order. */
    amqpBodyFields: string[];
    /** S3 key templates with an `:orderId` segment, e.g. `models/:orderId/*`. */
    s3KeyPatterns: string[];
  };
  statusEvents: {
    http: HttpStatusRule[];
    amqp: AmqpStatusRule[];
  };
  /** Baggage keys that become span attributes downstream; anything else stays out of spans. */
  baggageAllowList: string[];
  /** Largest AMQP or HTTP body we parse for a rule (bytes); bigger bodies are ignored. */
  maxInspectedBodyBytes: number;
}

export const DEFAULT_RULES: OrderTracingRules = {
  orderId: {
    httpRoutes: ["/orders/:orderId", "/orders/:orderId/*"],
    amqpBodyFields: ["orderId", ORDER_ID_KEY],
    s3KeyPatterns: ["models/:orderId/*"],
  },
  statusEvents: { http: [], amqp: [] },
  baggageAllowList: [ORDER_ID_BAGGAGE_KEY],
  maxInspectedBodyBytes: 64 * 1024,
};

export interface ParsedRules {
  rules: OrderTracingRules;
  /** Empty when the input was valid. */
  problems: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item.length > 0);
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === "string";
}

function checkHttpStatusRule(rule: unknown, where: string, problems: string[]): rule is HttpStatusRule {
  if (!isObject(rule)) {
    problems.push(`${where} must be an object`);
    return false;
  }
  const before = problems.length;
  if (typeof rule.route !== "string" || !rule.route.includes(":orderId")) {
    problems.push(`${where}.route must be a path template with an :orderId parameter`);
  }
  if (typeof rule.statusField !== "string" || rule.statusField === "") {
    problems.push(`${where}.statusField must name the JSON field of the status`);
  }
  if (!optionalString(rule.method) || !optionalString(rule.previousStatusField)) {
    problems.push(`${where}.method and .previousStatusField must be strings when given`);
  }
  return problems.length === before;
}

function checkAmqpStatusRule(rule: unknown, where: string, problems: string[]): rule is AmqpStatusRule {
  if (!isObject(rule)) {
    problems.push(`${where} must be an object`);
    return false;
  }
  const before = problems.length;
  if (rule.direction !== "publish" && rule.direction !== "consume") {
    problems.push(`${where}.direction must be "publish" or "consume"`);
  }
  for (const field of ["orderIdField", "statusField"] as const) {
    if (typeof rule[field] !== "string" || rule[field] === "") problems.push(`${where}.${field} must be a JSON field`);
  }
  if (
    !optionalString(rule.exchange) ||
    !optionalString(rule.routingKey) ||
    !optionalString(rule.previousStatusField) ||
    !optionalString(rule.changedAtField)
  ) {
    problems.push(
      `${where}.exchange, .routingKey, .previousStatusField and .changedAtField must be strings when given`,
    );
  }
  return problems.length === before;
}

/**
 * Parses ORDER_TRACING_RULES. Sections given replace the defaults' sections; sections omitted keep
 * the defaults. On any problem the whole input is ignored (half a rule set is worse than none).
 */
export function parseRules(text: string | undefined): ParsedRules {
  if (text === undefined || text.trim() === "") return { rules: DEFAULT_RULES, problems: [] };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { rules: DEFAULT_RULES, problems: [`not valid JSON (${(error as Error).message})`] };
  }
  if (!isObject(input)) return { rules: DEFAULT_RULES, problems: ["must be a JSON object"] };

  const problems: string[] = [];
  const known = new Set(["orderId", "statusEvents", "baggageAllowList", "maxInspectedBodyBytes"]);
  for (const key of Object.keys(input)) if (!known.has(key)) problems.push(`unknown key "${key}"`);

  const orderId = { ...DEFAULT_RULES.orderId };
  if (input.orderId !== undefined) {
    if (!isObject(input.orderId)) problems.push("orderId must be an object");
    else {
      for (const key of ["httpRoutes", "amqpBodyFields", "s3KeyPatterns"] as const) {
        const value = input.orderId[key];
        if (value === undefined) continue;
        if (!isStringArray(value)) problems.push(`orderId.${key} must be an array of non-empty strings`);
        else orderId[key] = value;
      }
      for (const [key, patterns] of [
        ["httpRoutes", orderId.httpRoutes],
        ["s3KeyPatterns", orderId.s3KeyPatterns],
      ] as const) {
        for (const pattern of patterns) {
          if (!pattern.includes(":orderId")) problems.push(`orderId.${key}: "${pattern}" has no :orderId parameter`);
        }
      }
    }
  }

  const statusEvents: OrderTracingRules["statusEvents"] = { http: [], amqp: [] };
  if (input.statusEvents !== undefined) {
    if (!isObject(input.statusEvents)) problems.push("statusEvents must be an object");
    else {
      const { http = [], amqp = [] } = input.statusEvents;
      if (!Array.isArray(http)) problems.push("statusEvents.http must be an array");
      else
        http.forEach((rule, i) => {
          if (checkHttpStatusRule(rule, `statusEvents.http[${i}]`, problems)) statusEvents.http.push(rule);
        });
      if (!Array.isArray(amqp)) problems.push("statusEvents.amqp must be an array");
      else
        amqp.forEach((rule, i) => {
          if (checkAmqpStatusRule(rule, `statusEvents.amqp[${i}]`, problems)) statusEvents.amqp.push(rule);
        });
    }
  }

  let baggageAllowList = DEFAULT_RULES.baggageAllowList;
  if (input.baggageAllowList !== undefined) {
    if (!isStringArray(input.baggageAllowList)) problems.push("baggageAllowList must be an array of keys");
    else baggageAllowList = input.baggageAllowList;
  }

  let maxInspectedBodyBytes = DEFAULT_RULES.maxInspectedBodyBytes;
  if (input.maxInspectedBodyBytes !== undefined) {
    const value = input.maxInspectedBodyBytes;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 1024 * 1024) {
      problems.push("maxInspectedBodyBytes must be an integer between 0 and 1048576");
    } else maxInspectedBodyBytes = value;
  }

  if (problems.length > 0) return { rules: DEFAULT_RULES, problems };
  return { rules: { orderId, statusEvents, baggageAllowList, maxInspectedBodyBytes }, problems };
}
