/**
 * One logger, one metrics buffer and one tracer for every entry point. Log only identifiers and
 * outcomes: never tokens, secrets, request bodies or presigned URLs (their query string is a
 * bearer credential).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

const serviceName = 'photo-sharing';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'PhotoSharing', serviceName });
export const tracer = new Tracer({ serviceName });

export { MetricUnit };

/** Counts one occurrence of a business or fault event. */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Wraps an entry point: Lambda context in every log line, cold start metric and annotation,
 * a subsegment per invocation, and metrics flushed even when the handler throws.
 */
export function instrument<E, R>(
  entryPoint: string,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ entryPoint });
    metrics.captureColdStartMetric();
    const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const segment = parent?.addNewSubsegment(`## ${entryPoint}`);
    if (segment) {
      tracer.setSegment(segment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      return await handler(event, context);
    } catch (error) {
      if (segment) tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (segment && parent) {
        segment.close();
        tracer.setSegment(parent);
      }
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
