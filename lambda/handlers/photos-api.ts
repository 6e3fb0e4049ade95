/**
 * Photo routes: POST /photos, GET and DELETE /photos/{photoId}, GET /users/{userId}/photos, GET /feed.
 * Thin: parse and validate, call PhotoService, map results and errors to HTTP.
 */
import { DynamoPhotoRepository, createDocumentClient } from '../adapters/photo-table';
import { S3PhotoObjectStore, createS3Client } from '../adapters/photo-bucket';
import { PhotoService } from '../domain/photo-service';
import { parsePhotoId, parseUserId } from '../domain/identifiers';
import { parseCreatePhotoRequest } from '../domain/photos';
import { queryInteger } from '../domain/validation';
import { awsConfig, photosApiConfig } from '../shared/env';
import type { HttpEvent, HttpResult } from '../shared/http';
import { callerId, json, noContent, notFoundRoute, parseJsonBody, respond } from '../shared/http';
import { countMetric, instrument } from '../shared/powertools';
import { ValidationError } from '../shared/errors';

const config = photosApiConfig();
const aws = awsConfig();
// Timeout 10 s. A route makes at most two DynamoDB calls in sequence (DELETE: get, then delete),
// each at most 3.3 s against a hung table (DYNAMODB_DEADLINE): 6.6 s, leaving 3.4 s to answer 503.
// Presigning makes no request.
const documents = createDocumentClient(aws.region);
const s3 = createS3Client({ region: aws.region, forcePathStyle: aws.s3ForcePathStyle });
const repository = new DynamoPhotoRepository(documents, config.tableName);
const photos = new PhotoService(repository, new S3PhotoObjectStore(s3, config.bucketName), config);

const MAX_CURSOR_LENGTH = 512;

function listingParams(event: HttpEvent): { limit: number; cursor?: string } {
  const query = event.queryStringParameters ?? {};
  const limit = queryInteger(query.limit, 'limit', { min: 1, max: 100, fallback: 20 });
  const cursor = query.cursor;
  if (cursor === undefined) return { limit };
  if (cursor === '' || cursor.length > MAX_CURSOR_LENGTH)
    throw new ValidationError('cursor', 'is not a valid cursor');
  return { limit, cursor };
}

async function route(event: HttpEvent): Promise<HttpResult> {
  const caller = callerId(event);
  const params = event.pathParameters ?? {};
  switch (event.routeKey) {
    case 'POST /photos': {
      const request = parseCreatePhotoRequest(parseJsonBody(event));
      const created = await photos.createUpload(caller, request);
      countMetric('UploadCreated');
      return json(201, created);
    }
    case 'GET /photos/{photoId}':
      return json(200, await photos.getPhoto(caller, parsePhotoId(params.photoId)));
    case 'DELETE /photos/{photoId}':
      await photos.deletePhoto(caller, parsePhotoId(params.photoId));
      countMetric('PhotoDeleted');
      return noContent();
    case 'GET /users/{userId}/photos': {
      const { limit, cursor } = listingParams(event);
      return json(200, await photos.listUserPhotos(parseUserId(params.userId), limit, cursor));
    }
    case 'GET /feed': {
      const { limit, cursor } = listingParams(event);
      return json(200, await photos.listFeed(limit, cursor));
    }
    default:
      return notFoundRoute();
  }
}

export const handler = instrument('photos-api', (event: HttpEvent) => respond(() => route(event)));
