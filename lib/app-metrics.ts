/**
 * The app's own metrics, as the infrastructure sees them.
 *
 * Handlers emit them through Powertools (lambda/shared/powertools.ts), which
 * takes its namespace from POWERTOOLS_METRICS_NAMESPACE (set by AppFunction
 * from the constant below) and adds one dimension, `service`, from
 * POWERTOOLS_SERVICE_NAME. The dashboard and the alarms read the same
 * namespace, name and service. Runtime code cannot import lib/, so the names
 * below repeat the handlers' `countMetric` calls: test/infra/telemetry.test.ts
 * runs the handlers with the environment their functions get and fails when
 * what they emit is not what the alarms and the dashboard read.
 */

/** CloudWatch namespace of every metric the handlers emit. */
export const APP_METRICS_NAMESPACE = 'PhotoApp';

/** Powertools' dimension for the emitting function's service name. */
export const SERVICE_DIMENSION = 'service';

/** The app metrics the dashboard shows, by what they count. */
export const APP_METRICS = {
  /** Stream records a batch reported as failed (each is retried, then sent to the failure queue). */
  failedStreamRecords: 'StreamRecordFailed',
  /** Pending uploads that expired without bytes, whose objects the stream processor removed. */
  cleanedUpUploads: 'ExpiredUploadCleanedUp',
  /** Uploaded objects that did not match their pending photo and were deleted. */
  rejectedUploads: 'UploadREJECT',
  /** Verified photos whose renditions were made (now READY). */
  processedPhotos: 'PhotoREADY',
  /** Verified photos that could not be processed (limits, animation, corrupt bytes) and were rejected. */
  rejectedPhotos: 'PhotoREJECTED',
  /** Cache commands that failed; the handlers carried on without the cache. */
  cacheErrors: 'ProfileCacheError',
} as const;

export type AppMetric = keyof typeof APP_METRICS;
