/**
 * Photo routes (contract/routes.ts: the photosApi rows). Thin: the route table has validated the
 * input; call PhotoService and map its results to the declared answers.
 */
import { DynamoPhotoRepository, createDocumentClient } from '../adapters/photo-table';
import { S3PhotoObjectStore, createS3Client } from '../adapters/photo-bucket';
import { FUNCTIONS } from '../../contract/functions';
import { DEFAULT_PAGE_SIZE } from '../../contract/schemas';
import { PhotoService } from '../domain/photo-service';
import { toCreatePhotoRequest } from '../domain/photos';
import { awsConfig, environmentOf, photosApiConfig, servingConfig } from '../shared/env';
import { countMetric } from '../shared/powertools';
import { routeHandler } from '../shared/routing';

const env = environmentOf(FUNCTIONS.photosApi);
const config = photosApiConfig(env);
const serving = servingConfig(env.serving);
const aws = awsConfig();
// Timeout 10 s. A route makes at most two DynamoDB calls in sequence (DELETE: get, then delete),
// each at most 3.3 s against a hung table (DYNAMODB_DEADLINE): 6.6 s, leaving 3.4 s to answer 503.
// Presigning makes no request.
const documents = createDocumentClient(aws.region);
const s3 = createS3Client({ region: aws.region, forcePathStyle: config.s3ForcePathStyle });
const repository = new DynamoPhotoRepository(documents, config.tableName, config.feed);
const photos = new PhotoService(repository, new S3PhotoObjectStore(s3, config.bucketName), config);

export const handler = routeHandler(
  'photosApi',
  {
    'POST /photos': async ({ caller, body }) => {
      const created = await photos.createUpload(caller, toCreatePhotoRequest(body));
      countMetric('UploadCreated');
      return { status: 201, body: created };
    },
    'GET /photos/{photoId}': async ({ caller, path }) => ({
      status: 200,
      body: await photos.getPhoto(caller, path.photoId),
    }),
    'DELETE /photos/{photoId}': async ({ caller, path }) => {
      await photos.deletePhoto(caller, path.photoId);
      countMetric('PhotoDeleted');
      return { status: 204 };
    },
    'GET /users/{userId}/photos': async ({ path, query }) => ({
      status: 200,
      body: await photos.listUserPhotos(path.userId, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor),
    }),
    'GET /feed': async ({ query }) => ({
      status: 200,
      body: await photos.listFeed(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor),
    }),
  },
  serving,
);
