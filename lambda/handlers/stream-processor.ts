/**
 * DynamoDB Streams (NEW_AND_OLD_IMAGES) of the photo table: keeps each user's photoCount, drops the
 * cached profile, and deletes the S3 object of removed photos (owner deletes and TTL-expired
 * uploads). Records are processed in order and reported individually (ReportBatchItemFailures);
 * every action is idempotent, so Lambda's retries and replays leave the same state.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type * as PendingChangeTableAdapter from '../adapters/pending-change-table';
import type * as PhotoBucketAdapter from '../adapters/photo-bucket';
import type * as PhotoTableAdapter from '../adapters/photo-table';
import type { S3PhotoObjectStore } from '../adapters/photo-bucket';
import { createProfileCache } from '../adapters/profile-cache';
import { PostgresProfileStore, createDatabasePool } from '../adapters/profile-database';
import { isPhotoPk, itemFromStreamImage, photoFromItem } from '../adapters/photo-item';
import { pendingChangeOf } from '../domain/pending-changes';
import type { PendingChangeStore } from '../domain/pending-changes';
import { PhotoChangeProcessor } from '../domain/photo-service';
import type { PhotoChange } from '../domain/photos';
import { FUNCTIONS } from '../../contract/functions';
import { awsConfig, cacheConfig, databaseConfig, environmentOf, photoStoreConfig } from '../shared/env';
import { DependencyUnavailableError } from '../shared/errors';
import { countMetric, instrument, logger } from '../shared/powertools';

const env = environmentOf(FUNCTIONS.streamProcessor);
const aws = awsConfig();
const { tableName, bucketName, s3ForcePathStyle } = photoStoreConfig(env.photoTable, env.photoBucket);
const database = databaseConfig(env.database);
const cache = cacheConfig(env.cache);

// Only removals touch S3, so the S3 client (the heaviest module here, about 75 ms to load) is
// loaded on the first deletion instead of at every cold start (bench/results.json).
let objectStore: S3PhotoObjectStore | undefined;
function photoObjects(): S3PhotoObjectStore {
  if (!objectStore) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
    const bucket = require('../adapters/photo-bucket') as typeof PhotoBucketAdapter;
    const s3 = bucket.createS3Client({ region: aws.region, forcePathStyle: s3ForcePathStyle });
    objectStore = new bucket.S3PhotoObjectStore(s3, bucketName);
  }
  return objectStore;
}
// Written only while a dependency is down, so the DynamoDB client is loaded on the first need too.
let pendingStore: PendingChangeStore | undefined;
function pendingChanges(): PendingChangeStore {
  if (!pendingStore) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
    const table = require('../adapters/photo-table') as typeof PhotoTableAdapter;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
    const pending = require('../adapters/pending-change-table') as typeof PendingChangeTableAdapter;
    pendingStore = new pending.DynamoPendingChangeStore(table.createDocumentClient(aws.region), tableName);
  }
  return pendingStore;
}
const pool = createDatabasePool({ ...database, region: aws.region });
const profileCache = createProfileCache(cache, aws.region);
const changes = new PhotoChangeProcessor(
  new PostgresProfileStore(pool),
  { delete: (objectKey, versionId) => photoObjects().delete(objectKey, versionId) },
  profileCache,
);
const processor = new BatchProcessor(EventType.DynamoDBStreams);

const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

/** Turns a stream record into a domain change; a malformed record throws and is reported. */
export function toPhotoChange(record: DynamoDBRecord): PhotoChange {
  const image = record.dynamodb;
  if (record.eventName === 'REMOVE') {
    if (!image?.OldImage) throw new Error('REMOVE record without an old image');
    const identity = record.userIdentity as { type?: string; principalId?: string } | undefined;
    return {
      kind: 'REMOVE',
      before: photoFromItem(itemFromStreamImage(image.OldImage)),
      expiredByTtl: identity?.type === 'Service' && identity.principalId === TTL_PRINCIPAL,
    };
  }
  if ((record.eventName === 'INSERT' || record.eventName === 'MODIFY') && image?.NewImage) {
    const after = photoFromItem(itemFromStreamImage(image.NewImage));
    const before = image.OldImage ? photoFromItem(itemFromStreamImage(image.OldImage)) : undefined;
    return { kind: record.eventName, after, ...(before ? { before } : {}) };
  }
  throw new Error(`Unsupported stream record ${record.eventName ?? 'without event name'}`);
}

async function processRecord(record: DynamoDBRecord): Promise<void> {
  // The table also holds each user's upload slots; only photo items have derived data.
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (pk !== undefined && !isPhotoPk(pk)) return;
  const change = toPhotoChange(record);
  const actions = await changes.apply(change);
  if (change.kind === 'REMOVE' && change.expiredByTtl) countMetric('ExpiredUploadCleanedUp');
  if (actions.length > 0) {
    logger.info('Photo change applied', {
      sequenceNumber: record.dynamodb?.SequenceNumber,
      actions: actions.map((action) => action.type),
    });
  }
}

/**
 * Processes records until a dependency turns out to be unavailable, then fails the rest at once:
 * waiting out a deadline per record would let a batch of 100 outlast the function's 60 s, and the
 * stream resumes from the first reported record anyway, so the later ones are retried all the same.
 * One record costs at most a database statement (2 s connect + 1.5 s, DATABASE_DEADLINE) or an S3
 * delete (6.3 s, S3_DEADLINE); the cache gives up within 0.8 s and is then skipped (CACHE_DEADLINE).
 */
function untilUnavailable(): (record: DynamoDBRecord) => Promise<void> {
  let unavailable: DependencyUnavailableError | undefined;
  const keep = keepForReconciliation();
  return async (record) => {
    if (unavailable) {
      await keep(record);
      throw unavailable;
    }
    try {
      await processRecord(record);
    } catch (error) {
      if (error instanceof DependencyUnavailableError) {
        unavailable = error;
        await keep(record);
      }
      throw error;
    }
  };
}

/**
 * Keeps the whole change of a record that a dependency outage stopped (a pending change in the
 * photo table), because after the retries the failure queue gets only pointers into a stream that
 * forgets after 24 hours; the reconciler finishes it (reconcile-photo-changes.ts). The record is
 * still reported, so a retry that succeeds first leaves the reconciler only idempotent work. If
 * keeping fails too, the rest of the batch does not try (each attempt could cost a DynamoDB deadline).
 */
function keepForReconciliation(): (record: DynamoDBRecord) => Promise<void> {
  let keeping = true;
  return async (record) => {
    if (!keeping || !isPhotoPk(record.dynamodb?.Keys?.pk?.S)) return;
    try {
      const pending = pendingChangeOf(toPhotoChange(record), new Date());
      if (pending) await pendingChanges().keep(pending);
    } catch (error) {
      if (error instanceof DependencyUnavailableError) keeping = false;
      logger.error('Could not keep a failed photo change for reconciliation', {
        sequenceNumber: record.dynamodb?.SequenceNumber,
        error,
      });
    }
  };
}

export const handler = instrument(
  FUNCTIONS.streamProcessor,
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    // In order: a photo's READY and REMOVE records must not race each other. A fully failed batch
    // is reported record by record too (same retry effect as throwing, one response shape).
    const response = await processPartialResponse(event, untilUnavailable(), processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    if (response.batchItemFailures.length > 0)
      countMetric('StreamRecordFailed', response.batchItemFailures.length);
    return response;
  },
);

/** Closes the module's connections (local dev server and tests; Lambda never needs it). */
export async function dispose(): Promise<void> {
  await Promise.all([profileCache.close(), pool.end()]);
}
