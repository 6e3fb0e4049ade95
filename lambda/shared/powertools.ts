/**
 * One logger and one metrics buffer for every entry point. Log only identifiers and outcomes: never
 * tokens, secrets, request bodies or presigned URLs (their query string is a bearer credential).
 *
 * Tracing is Lambda's active tracing (set on every function by the infrastructure): each
 * invocation is a segment with its initialization and invocation time, and the logger stamps every
 * line with the X-Ray trace id. The X-Ray SDK (which the Powertools Tracer wraps) is not bundled:
 * it was about 117 KB of every minified bundle (aws-xray-sdk-core, semver, cls-hooked), more than
 * a whole handler may weigh (bench/results.json). Per-dependency spans, if wanted, come from the
 * AWS Distro for OpenTelemetry Lambda layer, which lives outside the bundle.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { FunctionDeclaration } from '../../contract/functions';

// No service name or namespace here: Powertools reads POWERTOOLS_SERVICE_NAME and
// POWERTOOLS_METRICS_NAMESPACE, which the infrastructure sets per function (AppFunction), so each
// function logs as itself and its metrics land in the namespace the dashboard and alarms read. A
// constructor option would override both.
export const logger = new Logger();
export const metrics = new Metrics();

export { MetricUnit };

/** Counts one occurrence of a business or fault event. */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Wraps an entry point: Lambda context in every log line, a cold start metric, and metrics
 * flushed even when the handler throws.
 */
export function instrument<E, R>(
  fn: FunctionDeclaration,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    // The function's own name, also where one process hosts several (the local server).
    logger.appendKeys({ entryPoint: fn.name });
    metrics.captureColdStartMetric();
    try {
      return await handler(event, context);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
