/**
 * Scheduled (and operator-invoked) reconciler of photo changes that the stream processor kept
 * because a dependency was down: applies each to the count ledger, deletes removed photos' objects,
 * recomputes the affected users' photoCount from the ledger and forgets the change. Idempotent, so
 * overlapping runs, a run after a successful stream retry, and a manual re-run change nothing more.
 * It throws while any change is still pending, so the function's Errors alarm tells the operator.
 */
import { DynamoPendingChangeStore } from '../adapters/pending-change-table';
import { S3PhotoObjectStore, createS3Client } from '../adapters/photo-bucket';
import { createDocumentClient } from '../adapters/photo-table';
import { createProfileCache } from '../adapters/profile-cache';
import { PostgresProfileStore, createDatabasePool } from '../adapters/profile-database';
import type { ReconciliationResult } from '../domain/pending-changes';
import { PendingChangeReconciler } from '../domain/pending-changes';
import { FUNCTIONS } from '../../contract/functions';
import { awsConfig, cacheConfig, databaseConfig, environmentOf, photoStoreConfig } from '../shared/env';
import { countMetric, instrument, logger } from '../shared/powertools';

const env = environmentOf(FUNCTIONS.reconciler);
const aws = awsConfig();
const { tableName, bucketName, s3ForcePathStyle } = photoStoreConfig(env.photoTable, env.photoBucket);
const pool = createDatabasePool({ ...databaseConfig(env.database), region: aws.region });
const profileCache = createProfileCache(cacheConfig(env.cache), aws.region);
const reconciler = new PendingChangeReconciler(
  new DynamoPendingChangeStore(createDocumentClient(aws.region), tableName),
  new PostgresProfileStore(pool),
  new S3PhotoObjectStore(
    createS3Client({ region: aws.region, forcePathStyle: s3ForcePathStyle }),
    bucketName,
  ),
  profileCache,
);

export class PendingChangesLeftError extends Error {}

export const handler = instrument(FUNCTIONS.reconciler, async (): Promise<ReconciliationResult> => {
  const { lastError, ...result } = await reconciler.run();
  if (result.applied > 0) countMetric('PendingPhotoChangeApplied', result.applied);
  logger.info('Pending photo changes reconciled', { ...result });
  if (result.failed > 0) {
    logger.error('Pending photo changes are left for the next run', { error: lastError });
    throw new PendingChangesLeftError(
      `${result.failed} pending photo change(s) left; the oldest waits for ${result.oldestPendingSeconds} s`,
      { cause: lastError },
    );
  }
  return result;
});

/** Closes the module's connections (local dev server and tests; Lambda never needs it). */
export async function dispose(): Promise<void> {
  await Promise.all([profileCache.close(), pool.end()]);
}
