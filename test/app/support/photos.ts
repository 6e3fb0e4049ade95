/** Drives the photo flow the way a client and S3 would: create an upload, PUT the bytes, notify. */
import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord, S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import { handler as photosApi } from '../../../lambda/handlers/photos-api';
import { handler as processPhotoHandler } from '../../../lambda/handlers/process-photo';
import { handler as uploadComplete } from '../../../lambda/handlers/upload-complete';
import { samplePhoto } from '../../../scripts/local/sample-photos';
import { streamEvent } from '../../../scripts/local/dynamodb-stream';
import { httpEvent, invoke, lambdaContext } from './http';
import { bucketName } from './stores';
import { objectCreatedEvent as createdObjectEvent } from '../../../scripts/local/s3-events';

export const newUserId = (): string => randomUUID();

/** Each type's magic number, as an encoder writes it at the start of the file. */
export const IMAGE_SIGNATURES: Readonly<Record<string, Buffer>> = {
  'image/jpeg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]),
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
  // An iPhone's: ftyp box of 24 bytes, major brand heic, compatible mif1 and heic.
  'image/heic': Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('mif1heic'),
  ]),
};

/** `size` bytes that start as an image of the given type would. */
export function imageBytes(size: number, contentType = 'image/jpeg'): Buffer {
  const bytes = Buffer.alloc(size, 0xab);
  const signature = IMAGE_SIGNATURES[contentType];
  if (!signature) throw new Error(`No signature for ${contentType}`);
  signature.copy(bytes, 0, 0, Math.min(size, signature.length));
  return bytes;
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

/** PUTs to the presigned URL with the headers it was signed for (fetch sets Content-Length). */
export async function putBytes(upload: CreatedUpload, bytes: Buffer, contentType?: string): Promise<number> {
  const headers = Object.fromEntries(
    Object.entries(upload.headers).filter(([name]) => name !== 'Content-Length'),
  );
  const response = await fetch(upload.url, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': contentType ?? upload.headers['Content-Type'] ?? '' },
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

let sequence = 0;

/** The stream record that starts processing: upload-complete's PENDING -> PROCESSING write. */
export function processingRecord(photoId: string, owner = 'owner'): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `processing-${sequence}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: { S: `PHOTO#${photoId}` }, sk: { S: 'PHOTO' } },
      NewImage: {
        pk: { S: `PHOTO#${photoId}` },
        sk: { S: 'PHOTO' },
        photoId: { S: photoId },
        ownerId: { S: owner },
        status: { S: 'PROCESSING' },
      },
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** The stream record of a photo becoming READY (after its INSERT and its PROCESSING write). */
export function isReadyRecord(record: DynamoDBRecord): boolean {
  return record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.status?.S === 'READY';
}

/** Runs the processing function on the photo, as the filtered stream would. */
export async function processPhoto(photoId: string): Promise<DynamoDBBatchResponse> {
  return processPhotoHandler(streamEvent([processingRecord(photoId)]), lambdaContext);
}

/** A small real PNG (processing decodes what it is given), made once. */
let readyPhotoBytes: Promise<Buffer> | undefined;

/** POST, PUT a real image, run upload-complete and the processing function: a READY photo. */
export async function createReadyPhoto(owner: string): Promise<CreatedUpload> {
  readyPhotoBytes ??= samplePhoto({ format: 'png', width: 64, height: 48 });
  const bytes = await readyPhotoBytes;
  const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: bytes.length });
  const status = await putBytes(upload, bytes);
  if (status !== 200) throw new Error(`PUT to the presigned URL failed with ${status}`);
  await notifyUpload(upload.objectKey, bytes.length);
  const processed = await processPhoto(upload.photoId);
  if (processed.batchItemFailures.length > 0) throw new Error('processing the photo failed');
  return upload;
}
