/**
 * The photo use cases wired to the local table and bucket as the handlers wire them, but with what
 * a test must control: the clock, the pending limit, ids, and gates in front of DynamoDB.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3PhotoObjectStore, createS3Client } from '../../../lambda/adapters/photo-bucket';
import { DynamoPhotoRepository, createDocumentClient } from '../../../lambda/adapters/photo-table';
import { SharpImageRenderer } from '../../../lambda/adapters/image-renderer';
import { PhotoProcessor } from '../../../lambda/domain/photo-processing';
import { PhotoService, UploadReconciler } from '../../../lambda/domain/photo-service';
import { IMAGE_LIMITS } from '../../../lambda/domain/renditions';
import type { PhotoObjectStore } from '../../../lambda/domain/photo-service';
import { readGroup } from '../../../lambda/shared/env';
import { bucketName, tableName } from './stores';

export interface LocalPhotos {
  readonly service: PhotoService;
  readonly reconciler: UploadReconciler;
  readonly processor: PhotoProcessor;
  readonly repository: DynamoPhotoRepository;
  /** The client that nothing gates, to wrap with gatedDocuments. */
  readonly documents: DynamoDBDocumentClient;
  /** The S3 client behind the object store, to watch its requests. */
  readonly s3: S3Client;
  close(): void;
}

export interface LocalPhotosOptions {
  readonly maxPendingUploadsPerUser?: number;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** Wraps the repository's client (e.g. with gatedDocuments). */
  readonly documents?: (documents: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  /** Wraps the object store (e.g. to record what it deletes). */
  readonly objects?: (objects: PhotoObjectStore) => PhotoObjectStore;
}

export function localPhotos(options: LocalPhotosOptions = {}): LocalPhotos {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const documents = createDocumentClient(region);
  const s3 = createS3Client({ region, forcePathStyle: true });
  const table = readGroup('photoTable');
  const repository = new DynamoPhotoRepository(
    options.documents ? options.documents(documents) : documents,
    tableName(),
    { shards: table.FEED_SHARDS, readLegacyPartition: table.FEED_READ_LEGACY_PARTITION },
  );
  const store = new S3PhotoObjectStore(s3, bucketName());
  const objects = options.objects ? options.objects(store) : store;
  const settings = {
    uploadUrlExpirySeconds: 300,
    pendingUploadTtlSeconds: 3600,
    downloadUrlExpirySeconds: 120,
    maxPendingUploadsPerUser: options.maxPendingUploadsPerUser ?? 20,
  };
  const clock = options.clock ?? (() => new Date());
  return {
    service: new PhotoService(repository, objects, settings, clock, options.newId),
    reconciler: new UploadReconciler(repository, objects, clock),
    processor: new PhotoProcessor(repository, store, new SharpImageRenderer(), IMAGE_LIMITS, clock),
    repository,
    documents,
    s3,
    close: () => {
      documents.destroy();
      s3.destroy();
    },
  };
}
