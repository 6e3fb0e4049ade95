/** Drives the photo flow the way a client and S3 would: create an upload, PUT the bytes, notify. */
import { randomUUID } from 'node:crypto';
import type { S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { handler as photosApi } from '../../../lambda/handlers/photos-api';
import { handler as uploadComplete } from '../../../lambda/handlers/upload-complete';
import { httpEvent, invoke, lambdaContext } from './http';
import { bucketName } from './stores';
import { objectCreatedEvent as createdObjectEvent } from '../../../scripts/local/s3-events';

export const newUserId = (): string => randomUUID();

export function imageBytes(size: number): Buffer {
  return Buffer.alloc(size, 0xab);
}

export interface CreatedUpload {
  readonly photoId: string;
  readonly objectKey: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly response: any;
}

export async function createUpload(
  owner: string,
  body: { contentType: string; sizeBytes: number; caption?: string } = {
    contentType: 'image/jpeg',
    sizeBytes: 1024,
  },
): Promise<CreatedUpload> {
  const response = await invoke(photosApi, httpEvent('POST /photos', { caller: owner, body }));
  if (response.statusCode !== 201) throw new Error(`POST /photos failed: ${response.body}`);
  const photoId = response.json.photo.photoId as string;
  return {
    photoId,
    objectKey: `photos/${owner}/${photoId}`,
    url: response.json.upload.url,
    headers: response.json.upload.headers,
    response: response.json,
  };
}

export async function putBytes(upload: CreatedUpload, bytes: Buffer, contentType?: string): Promise<number> {
  const response = await fetch(upload.url, {
    method: 'PUT',
    headers: { 'Content-Type': contentType ?? upload.headers['Content-Type'] ?? '' },
    body: bytes,
  });
  await response.arrayBuffer();
  return response.status;
}

export function objectCreatedEvent(
  objectKey: string,
  size: number,
  bucket = bucketName(),
): S3ObjectCreatedNotificationEvent {
  return createdObjectEvent({ bucket, key: objectKey, size });
}

export function notifyUpload(objectKey: string, size: number): Promise<unknown> {
  return uploadComplete(objectCreatedEvent(objectKey, size), lambdaContext);
}

/** POST, PUT the bytes, run the upload-complete handler: a READY photo. */
export async function createReadyPhoto(owner: string, sizeBytes = 2048): Promise<CreatedUpload> {
  const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes });
  const status = await putBytes(upload, imageBytes(sizeBytes));
  if (status !== 200) throw new Error(`PUT to the presigned URL failed with ${status}`);
  await notifyUpload(upload.objectKey, sizeBytes);
  return upload;
}
