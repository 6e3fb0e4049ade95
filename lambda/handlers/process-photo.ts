/**
 * The photo table's stream, filtered to photos that upload-complete verified (status PROCESSING):
 * makes each photo's renditions and marks it READY, or REJECTED with the reason (pixel or size
 * limit, animation, corrupt bytes, bytes of another type). Bad input is an outcome, not an error:
 * only a dependency failure fails a record, which Lambda then retries (and after its retries sends
 * to the failure queue). Replays are harmless (PhotoProcessor).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { SharpImageRenderer } from '../adapters/image-renderer';
import { S3PhotoObjectStore, createS3Client } from '../adapters/photo-bucket';
import { isPhotoPk } from '../adapters/photo-item';
import { DynamoPhotoRepository, createDocumentClient } from '../adapters/photo-table';
import { PhotoProcessor } from '../domain/photo-processing';
import { IMAGE_LIMITS } from '../domain/renditions';
import { FUNCTIONS } from '../../contract/functions';
import { awsConfig, environmentOf, photoStoreConfig } from '../shared/env';
import { countMetric, instrument, logger } from '../shared/powertools';

const env = environmentOf(FUNCTIONS.photoProcessor);
const config = photoStoreConfig(env.photoTable, env.photoBucket);
const aws = awsConfig();
const documents = createDocumentClient(aws.region);
const s3 = createS3Client({ region: aws.region, forcePathStyle: config.s3ForcePathStyle });
const photos = new PhotoProcessor(
  new DynamoPhotoRepository(documents, config.tableName, config.feed),
  new S3PhotoObjectStore(s3, config.bucketName),
  new SharpImageRenderer(),
  IMAGE_LIMITS,
);
const batch = new BatchProcessor(EventType.DynamoDBStreams);

/** The photo a record asks to process, or undefined for any other record (the filter's job in AWS). */
export function photoToProcess(record: DynamoDBRecord): string | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'MODIFY' || !isPhotoPk(image?.pk?.S)) return undefined;
  return image?.status?.S === 'PROCESSING' ? image.photoId?.S : undefined;
}

async function processRecord(record: DynamoDBRecord): Promise<void> {
  const photoId = photoToProcess(record);
  if (photoId === undefined) return;
  const started = performance.now();
  const outcome = await photos.process(photoId);
  const elapsedMs = Math.round(performance.now() - started);
  countMetric(`Photo${outcome.action}`);
  if (outcome.action === 'READY') {
    logger.info('Photo processed', {
      photoId,
      elapsedMs,
      renditions: outcome.renditions.map(({ name, format, width, height, bytes, renderMs }) => ({
        name,
        format,
        width,
        height,
        bytes: bytes.byteLength,
        renderMs,
      })),
    });
  } else {
    logger.info('Photo not processed', {
      photoId,
      elapsedMs,
      action: outcome.action,
      reason: outcome.reason,
    });
  }
}

export const handler = instrument(
  FUNCTIONS.photoProcessor,
  async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    // One record after another: each holds a decoded image, and memory is sized for one.
    const response = await processPartialResponse(event, processRecord, batch, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    if (response.batchItemFailures.length > 0) {
      countMetric('StreamRecordFailed', response.batchItemFailures.length);
    }
    return response;
  },
);
