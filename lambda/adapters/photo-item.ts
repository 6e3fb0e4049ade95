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

/**
 * How an item stores its renditions' sizes: "<w>x<h>,<w>x<h>" in RENDITION_NAMES order (thumbnail,
 * display). A string of about 17 bytes rather than a map of about 60: the feed index projects every
 * attribute, and the largest photo item must stay within 2 KB, FEED_WRITE_UNITS (feed.test.ts).
 */
export function encodeRenditions(renditions: RenditionDimensions): string {
  return RENDITION_NAMES.map((name) => `${renditions[name].width}x${renditions[name].height}`).join(',');
}

/** The stored sizes, or undefined when they are absent or malformed. */
function renditionsFrom(value: unknown): RenditionDimensions | undefined {
  if (typeof value !== 'string') return undefined;
  const sizes = value.split(',').map((size) => /^([1-9]\d{0,4})x([1-9]\d{0,4})$/.exec(size));
  if (sizes.length !== RENDITION_NAMES.length || sizes.some((size) => size === null)) return undefined;
  return Object.fromEntries(
    RENDITION_NAMES.map((name, index) => [
      name,
      { width: Number(sizes[index]![1]), height: Number(sizes[index]![2]) },
    ]),
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
