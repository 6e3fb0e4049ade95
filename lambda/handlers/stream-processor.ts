/**
 * DynamoDB Streams (NEW_AND_OLD_IMAGES) of the photo table: keeps each user's photoCount, drops the
 * cached profile, and deletes the S3 object of removed photos (owner deletes and TTL-expired
 * uploads). Records are processed in order and reported individually (ReportBatchItemFailures);
 * every action is idempotent, so Lambda's retries and replays leave the same state.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type * as PhotoBucketAdapter from '../adapters/photo-bucket';
import type { S3PhotoObjectStore } from '../adapters/photo-bucket';
import { createProfileCache } from '../adapters/profile-cache';
import { PostgresProfileStore, createDatabasePool } from '../adapters/profile-database';
import { itemFromStreamImage, photoFromItem } from '../adapters/photo-item';
import { PhotoChangeProcessor } from '../domain/photo-service';
import type { PhotoChange } from '../domain/photos';
import { awsConfig, bucketConfig, cacheConfig, databaseConfig } from '../shared/env';
import { countMetric, instrument, logger } from '../shared/powertools';

const aws = awsConfig();
const { bucketName } = bucketConfig();
const database = databaseConfig();
const cache = cacheConfig();

// Only removals touch S3, so the S3 client (the heaviest module here, about 75 ms to load) is
// loaded on the first deletion instead of at every cold start (bench/results.json).
let objectStore: S3PhotoObjectStore | undefined;
function photoObjects(): S3PhotoObjectStore {
  if (!objectStore) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
    const bucket = require('../adapters/photo-bucket') as typeof PhotoBucketAdapter;
    const s3 = bucket.createS3Client({ region: aws.region, forcePathStyle: aws.s3ForcePathStyle });
    objectStore = new bucket.S3PhotoObjectStore(s3, bucketName);
  }
  return objectStore;
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

export const handler = instrument(
  'stream-processor',
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    // In order: a photo's READY and REMOVE records must not race each other. A fully failed batch
    // is reported record by record too (same retry effect as throwing, one response shape).
    const response = await processPartialResponse(event, processRecord, processor, {
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
