/**
 * Small, strict validators for JSON input. Every failure names the offending field so that a
 * client can fix its request without guessing.
 */
import { ValidationError } from '../shared/errors';

export type JsonObject = Record<string, unknown>;

// Control characters (C0, DEL, C1) never belong in user-visible text fields.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export function expectObject(value: unknown, field = 'body'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'must be a JSON object');
  }
  return value as JsonObject;
}

export function rejectUnknownFields(value: JsonObject, allowed: readonly string[]): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new ValidationError(unknown, 'is not an allowed field');
}

/** Length in Unicode code points, which is what a user perceives as characters. */
export function characterCount(value: string): number {
  return [...value].length;
}

export function requireText(
  value: JsonObject,
  field: string,
  limits: { readonly min: number; readonly max: number },
): string {
  const raw = value[field];
  if (raw === undefined || raw === null) throw new ValidationError(field, 'is required');
  return checkText(raw, field, limits);
}

export function optionalText(
  value: JsonObject,
  field: string,
  limits: { readonly min: number; readonly max: number },
): string | undefined {
  const raw = value[field];
  if (raw === undefined || raw === null) return undefined;
  return checkText(raw, field, limits);
}

function checkText(
  raw: unknown,
  field: string,
  limits: { readonly min: number; readonly max: number },
): string {
  if (typeof raw !== 'string') throw new ValidationError(field, 'must be a string');
  const text = raw.trim();
  const length = characterCount(text);
  if (length < limits.min) throw new ValidationError(field, `must be at least ${limits.min} characters`);
  if (length > limits.max) throw new ValidationError(field, `must be at most ${limits.max} characters`);
  if (CONTROL_CHARACTERS.test(text)) throw new ValidationError(field, 'must not contain control characters');
  return text;
}

export function requireInteger(
  value: JsonObject,
  field: string,
  limits: { readonly min: number; readonly max: number },
): number {
  const raw = value[field];
  if (raw === undefined || raw === null) throw new ValidationError(field, 'is required');
  if (typeof raw !== 'number' || !Number.isInteger(raw))
    throw new ValidationError(field, 'must be an integer');
  if (raw < limits.min || raw > limits.max) {
    throw new ValidationError(field, `must be between ${limits.min} and ${limits.max}`);
  }
  return raw;
}

/** Parses an optional integer query-string parameter. */
export function queryInteger(
  raw: string | undefined,
  field: string,
  limits: { readonly min: number; readonly max: number; readonly fallback: number },
): number {
  if (raw === undefined) return limits.fallback;
  if (!/^\d{1,9}$/.test(raw)) throw new ValidationError(field, 'must be an integer');
  const value = Number(raw);
  if (value < limits.min || value > limits.max) {
    throw new ValidationError(field, `must be between ${limits.min} and ${limits.max}`);
  }
  return value;
}
