import { HttpError } from "./http";

/**
 * Small checks of request bodies. Error messages name the field and the expected form, never the
 * value: the values may be a customer's personal data.
 */
export function objectField(body: unknown, field: string): Record<string, unknown> {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, `"${field}" must be an object`);
  }
  return value as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, field: string, maxLength = 500): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "" || value.length > maxLength) {
    throw new HttpError(400, `"${field}" must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

export function integerField(body: Record<string, unknown>, field: string, min: number, max: number): number {
  const value = body[field];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `"${field}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function oneOfField<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new HttpError(400, `"${field}" must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}
