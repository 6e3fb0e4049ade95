/**
 * Deadlines of the AWS SDK clients, in the terms of @smithy/node-http-handler and the standard retry
 * strategy, and what they cost at worst. Without `throwOnRequestTimeout` the handler's
 * `requestTimeout` only logs a warning and a request to a server that never answers waits forever;
 * with it, the attempt is destroyed and fails as a TimeoutError, which the SDK retries and
 * guardDependency turns into a 503.
 */

export interface SdkDeadline {
  /** TCP connect of one attempt. */
  readonly connectionTimeoutMs: number;
  /** One attempt, from the start of the request to the response headers (connecting included). */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first one included. */
  readonly maxAttempts: number;
}

/**
 * The standard strategy waits at most base × 2^(n-1) before retry n after a timeout or a 5xx (full
 * jitter); the base is 100 ms in the SDK releases the Lambda runtime ships and 50 ms in newer ones.
 */
const TRANSIENT_BACKOFF_BASE_MS = 100;

/** A call whose every attempt runs into its deadline: attempts × deadline + the back-offs between them. */
export function worstCaseCallMs(deadline: SdkDeadline): number {
  let backoff = 0;
  for (let retry = 1; retry < deadline.maxAttempts; retry += 1) {
    backoff += TRANSIENT_BACKOFF_BASE_MS * 2 ** (retry - 1);
  }
  return deadline.maxAttempts * deadline.requestTimeoutMs + backoff;
}

/** The client settings that enforce a deadline; spread into an SDK client's configuration. */
export function sdkDeadlineConfig(deadline: SdkDeadline) {
  return {
    maxAttempts: deadline.maxAttempts,
    // Adaptive mode adds client-side rate limiting waits of its own; standard has only the back-off.
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: deadline.connectionTimeoutMs,
      requestTimeout: deadline.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  } as const;
}
