/**
 * EventBridge "Object Created" from the photo bucket: verifies the object against its pending photo
 * and marks it PROCESSING (process-photo makes its renditions next), or deletes it (and marks the
 * photo REJECTED). Idempotent; errors are thrown so that EventBridge retries the delivery.
 */
import type { S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { S3PhotoObjectStore, createS3Client } from '../adapters/photo-bucket';
import { DynamoPhotoRepository, createDocumentClient } from '../adapters/photo-table';
import { UploadReconciler } from '../domain/photo-service';
import { FUNCTIONS } from '../../contract/functions';
import { awsConfig, environmentOf, photoStoreConfig } from '../shared/env';
import { countMetric, instrument, logger } from '../shared/powertools';

const env = environmentOf(FUNCTIONS.uploadComplete);
const config = photoStoreConfig(env.photoTable, env.photoBucket);
const aws = awsConfig();
const documents = createDocumentClient(aws.region);
const s3 = createS3Client({ region: aws.region, forcePathStyle: config.s3ForcePathStyle });
const uploads = new UploadReconciler(
  new DynamoPhotoRepository(documents, config.tableName, config.feed),
  new S3PhotoObjectStore(s3, config.bucketName),
);

export interface UploadCompleteResult {
  readonly objectKey: string;
  readonly action: string;
}

export const handler = instrument(
  FUNCTIONS.uploadComplete,
  async (event: S3ObjectCreatedNotificationEvent): Promise<UploadCompleteResult | undefined> => {
    const detail = event.detail;
    if (event['detail-type'] !== 'Object Created' || detail?.bucket?.name !== config.bucketName) {
      logger.warn('Ignoring event for another bucket or type', { detailType: event['detail-type'] });
      return undefined;
    }
    const objectKey = detail.object.key;
    const versionId = detail.object['version-id'] || undefined;
    const outcome = await uploads.completeUpload(objectKey, versionId);
    logger.info('Upload processed', { objectKey, ...outcome });
    countMetric(`Upload${outcome.action}`);
    return { objectKey, action: outcome.action };
  },
);
