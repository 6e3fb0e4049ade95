/**
 * The photo item of the table as a Photo: the key layout's photo key, and the conversion of stored
 * items and of DynamoDB Streams images. Apart from photo-table.ts so that the stream processor,
 * which only reads stream images, does not load the DynamoDB client at init.
 */
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';
import type { Photo, PhotoStatus } from '../domain/photos';
import { isPhotoContentType } from '../domain/photos';
import type { RenditionDimensions } from '../domain/renditions';
import { RENDITION_NAMES } from '../domain/renditions';
import { PHOTO_STATUSES } from '../../contract/limits';
import { isPhotoId, isUserId } from '../domain/identifiers';

export const photoPk = (photoId: string): string => `PHOTO#${photoId}`;
/** The item of a user's upload slots (see photo-table.ts); the table holds it beside the photos. */
export const pendingUploadsPk = (ownerId: string): string => `UPLOADS#${ownerId}`;
export const PENDING_UPLOADS_SK = 'PENDING';

/** True for the key of a photo item, false for the other items of the table. */
export const isPhotoPk = (pk: unknown): boolean => typeof pk === 'string' && pk.startsWith('PHOTO#');

const STATUSES: readonly PhotoStatus[] = PHOTO_STATUSES;

const isDimension = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/** The stored renditions map, or undefined when it is absent or malformed. */
function renditionsFrom(value: unknown): RenditionDimensions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const map = value as Record<string, { width?: unknown; height?: unknown } | undefined>;
  const complete = RENDITION_NAMES.every(
    (name) => isDimension(map[name]?.width) && isDimension(map[name]?.height),
  );
  if (!complete) return undefined;
  return Object.fromEntries(
    RENDITION_NAMES.map((name) => [name, { width: map[name]!.width, height: map[name]!.height }]),
  ) as RenditionDimensions;
}

/** Converts a stored item (table or stream image) back into a Photo, refusing anything malformed. */
export function photoFromItem(item: Record<string, unknown>): Photo {
  const { photoId, ownerId, status, contentType, sizeBytes, objectKey, createdAt, updatedAt } = item;
  if (
    !isPhotoId(photoId) ||
    !isUserId(ownerId) ||
    !STATUSES.includes(status as PhotoStatus) ||
    !isPhotoContentType(contentType) ||
    typeof sizeBytes !== 'number' ||
    typeof objectKey !== 'string' ||
    typeof createdAt !== 'string' ||
    typeof updatedAt !== 'string' ||
    item.pk !== photoPk(photoId)
  ) {
    throw new Error(`Malformed photo item ${JSON.stringify(item.pk ?? null)}`);
  }
  const renditions = renditionsFrom(item.renditions);
  return {
    photoId,
    ownerId,
    status: status as PhotoStatus,
    contentType,
    sizeBytes,
    objectKey,
    createdAt,
    updatedAt,
    ...(typeof item.caption === 'string' ? { caption: item.caption } : {}),
    ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
    ...(typeof item.rejectionReason === 'string' ? { rejectionReason: item.rejectionReason } : {}),
    ...(renditions ? { renditions } : {}),
  };
}

/** Unmarshalls a DynamoDB Streams image (the subset of types this table uses, plus nesting). */
export function itemFromStreamImage(image: Record<string, StreamAttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, fromStreamValue(value)]));
}

function fromStreamValue(value: StreamAttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromStreamValue);
  if (value.M !== undefined) return itemFromStreamImage(value.M);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  throw new Error('Unsupported attribute type in stream image');
}
