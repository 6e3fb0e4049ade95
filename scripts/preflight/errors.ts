import { warn, type CheckResult } from './report';

interface AwsErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function shape(error: unknown): AwsErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The service's error code (`AccessDenied`, `ValidationError`, ...), or `Error`. */
export function errorName(error: unknown): string {
  const { name, Code } = shape(error);
  if (typeof Code === 'string' && Code) return Code;
  return typeof name === 'string' && name ? name : 'Error';
}

export function errorMessage(error: unknown): string {
  const { message } = shape(error);
  return typeof message === 'string' ? message : String(error);
}

/** `Name: message` on one line, for a report column. */
export function describeError(error: unknown): string {
  const message = errorMessage(error).replace(/\s+/g, ' ').trim();
  return message ? `${errorName(error)}: ${message}` : errorName(error);
}

// Each service spells "denied" its own way; EC2 says UnauthorizedOperation.
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnauthorizedException',
]);

export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED.has(errorName(error)) || /not authorized to perform/i.test(errorMessage(error));
}

/** A call was refused for lack of an IAM permission; the check reports which one. */
export class MissingPermissionError extends Error {
  constructor(readonly permission: string) {
    super(`missing permission ${permission}`);
    this.name = 'MissingPermissionError';
  }
}

/** Awaits one AWS call; an access-denied answer becomes a MissingPermissionError naming `permission`. */
export async function ask<T>(permission: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (isAccessDenied(error)) throw new MissingPermissionError(permission);
    throw error;
  }
}

function isList(result: CheckResult | readonly CheckResult[]): result is readonly CheckResult[] {
  return Array.isArray(result);
}

/**
 * Runs one check and never lets it crash the command: a missing permission or
 * an unexpected answer (timeout, throttling) is a warn, since it proves nothing
 * about the deploy either way.
 */
export async function runCheck(
  name: string,
  check: () => Promise<CheckResult | readonly CheckResult[]>,
): Promise<readonly CheckResult[]> {
  try {
    const result = await check();
    return isList(result) ? result : [result];
  } catch (error) {
    if (error instanceof MissingPermissionError) {
      return [warn(name, `not checked: ${error.message}`, `grant ${error.permission} to the caller`)];
    }
    return [warn(name, `not checked: ${describeError(error)}`)];
  }
}
