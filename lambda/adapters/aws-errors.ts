/** Classifies AWS SDK errors so that outages become 503s and bugs stay 500s. */
import { DependencyUnavailableError } from '../shared/errors';

interface SdkError {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
]);

/** True for network failures, timeouts, throttling and 5xx: worth a retry or a 503. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  if (e.$fault === 'server' || THROTTLING.has(e.name ?? '')) return true;
  if (e.$metadata?.httpStatusCode !== undefined && e.$metadata.httpStatusCode >= 500) return true;
  // Errors raised before any HTTP response: connection refused or reset, DNS, timeouts.
  return (
    e.$metadata?.httpStatusCode === undefined &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? '') ||
      ['TimeoutError', 'RequestTimeout'].includes(e.name ?? ''))
  );
}

export async function guardDependency<T>(dependency: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransientAwsError(error)) throw new DependencyUnavailableError(dependency, { cause: error });
    throw error;
  }
}
