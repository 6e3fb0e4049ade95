/**
 * Photo model and the pure rules of its life cycle:
 * PENDING (upload URL issued, TTL set) -> PROCESSING (object verified) -> READY (renditions made)
 * | REJECTED (object did not match, or could not be processed), and, for any state, deletion by the
 * owner or by TTL expiry.
 */
import { isPhotoId, isUserId } from './identifiers';
import { renditionKeysOf } from './renditions';
import type { RenditionDimensions } from './renditions';
import { PHOTO_CONTENT_TYPES } from '../../contract/limits';
import type { PhotoViewBody } from '../../contract/responses';
import type { CreatePhotoBody } from '../../contract/schemas';

export type PhotoContentType = (typeof PHOTO_CONTENT_TYPES)[number];
/** How long a REJECTED item is kept (so its owner can see why) before TTL removes it. */
export const REJECTED_RETENTION_SECONDS = 7 * 24 * 3600;
/**
 * How long a verified photo may stay PROCESSING. Processing takes seconds and its retries minutes;
 * a photo still PROCESSING after a day has exhausted them (its record waits in the failure queue),
 * and TTL then removes it, the stream processor its objects.
 */
export const PROCESSING_DEADLINE_SECONDS = 24 * 3600;

export type PhotoStatus = PhotoViewBody['status'];

export interface Photo {
  readonly photoId: string;
  readonly ownerId: string;
  readonly status: PhotoStatus;
  readonly contentType: PhotoContentType;
  readonly sizeBytes: number;
  readonly caption?: string;
  readonly objectKey: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Epoch seconds; set while PENDING or REJECTED so the item expires. */
  readonly expiresAt?: number;
  readonly rejectionReason?: string;
  /** Set when READY: the size of each rendition (the keys follow from the photo, renditions.ts). */
  readonly renditions?: RenditionDimensions;
}

/** What clients see (the contract's Photo): storage details (object key, TTL) stay private. */
export type PhotoView = PhotoViewBody;

export interface CreatePhotoRequest {
  readonly contentType: PhotoContentType;
  readonly sizeBytes: number;
  readonly caption?: string;
}

export function isPhotoContentType(value: unknown): value is PhotoContentType {
  return typeof value === 'string' && (PHOTO_CONTENT_TYPES as readonly string[]).includes(value);
}

/** The validated body of POST /photos as the service takes it: an empty caption is no caption. */
export function toCreatePhotoRequest(body: CreatePhotoBody): CreatePhotoRequest {
  const { contentType, sizeBytes, caption } = body;
  return { contentType, sizeBytes, ...(caption ? { caption } : {}) };
}

export const PHOTO_KEY_PREFIX = 'photos/';

export function objectKeyFor(ownerId: string, photoId: string): string {
  return `${PHOTO_KEY_PREFIX}${ownerId}/${photoId}`;
}

export function parseObjectKey(key: string): { ownerId: string; photoId: string } | undefined {
  const parts = key.split('/');
  if (parts.length !== 3 || parts[0] !== 'photos') return undefined;
  const [, ownerId, photoId] = parts;
  return isUserId(ownerId) && isPhotoId(photoId) ? { ownerId, photoId } : undefined;
}

export function newPendingPhoto(input: {
  readonly photoId: string;
  readonly ownerId: string;
  readonly request: CreatePhotoRequest;
  readonly now: Date;
  readonly pendingTtlSeconds: number;
}): Photo {
  const timestamp = input.now.toISOString();
  return {
    photoId: input.photoId,
    ownerId: input.ownerId,
    status: 'PENDING',
    contentType: input.request.contentType,
    sizeBytes: input.request.sizeBytes,
    ...(input.request.caption ? { caption: input.request.caption } : {}),
    objectKey: objectKeyFor(input.ownerId, input.photoId),
    createdAt: timestamp,
    updatedAt: timestamp,
    expiresAt: Math.floor(input.now.getTime() / 1000) + input.pendingTtlSeconds,
  };
}

export function toPhotoView(photo: Photo): PhotoView {
  return {
    photoId: photo.photoId,
    ownerId: photo.ownerId,
    status: photo.status,
    contentType: photo.contentType,
    sizeBytes: photo.sizeBytes,
    ...(photo.caption ? { caption: photo.caption } : {}),
    createdAt: photo.createdAt,
    updatedAt: photo.updatedAt,
    ...(photo.rejectionReason ? { rejectionReason: photo.rejectionReason } : {}),
  };
}

/** A photo that is not READY is visible only to its owner; to anyone else it does not exist. */
export function isVisibleTo(photo: Photo, callerId: string): boolean {
  return photo.status === 'READY' || photo.ownerId === callerId;
}

export interface StoredObject {
  readonly sizeBytes: number;
  readonly contentType?: string;
}

export type UploadOutcome =
  | { readonly action: 'MARK_PROCESSING' }
  | { readonly action: 'REJECT'; readonly reason: string }
  | { readonly action: 'DELETE_ORPHAN'; readonly reason: string }
  | { readonly action: 'NONE'; readonly reason: string };

/**
 * Decides what an uploaded object means for its photo. Pure, so that replays of the same event
 * reach the same decision: READY stays READY, and a rejected or orphaned object is deleted again.
 */
export function decideUploadOutcome(
  photo: Photo | undefined,
  key: { readonly ownerId: string },
  object: StoredObject,
): UploadOutcome {
  if (!photo) return { action: 'DELETE_ORPHAN', reason: 'no pending photo for this object' };
  if (photo.ownerId !== key.ownerId) return { action: 'DELETE_ORPHAN', reason: 'object key owner mismatch' };
  if (photo.status === 'READY') return { action: 'NONE', reason: 'already READY' };
  if (photo.status === 'PROCESSING') return { action: 'NONE', reason: 'already verified' };
  if (photo.status === 'REJECTED') return { action: 'DELETE_ORPHAN', reason: 'photo was rejected' };
  if (object.sizeBytes !== photo.sizeBytes) {
    return { action: 'REJECT', reason: `size ${object.sizeBytes} does not match ${photo.sizeBytes}` };
  }
  if (object.contentType !== photo.contentType) {
    return { action: 'REJECT', reason: 'content type does not match' };
  }
  return { action: 'MARK_PROCESSING' };
}

export type PhotoChange =
  | { readonly kind: 'INSERT' | 'MODIFY'; readonly before?: Photo; readonly after: Photo }
  | { readonly kind: 'REMOVE'; readonly before: Photo; readonly expiredByTtl: boolean };

export type DerivedAction =
  | { readonly type: 'COUNT_PHOTO'; readonly ownerId: string; readonly photoId: string }
  | { readonly type: 'UNCOUNT_PHOTO'; readonly ownerId: string; readonly photoId: string }
  | { readonly type: 'DELETE_OBJECT'; readonly objectKey: string };

/**
 * What a change of a photo item implies for derived data. A photo counts once it is READY; a
 * removed item's object is deleted whatever its state (owner delete, or an abandoned upload that
 * TTL expired), with its renditions, and a READY one is then uncounted. Every action is idempotent downstream.
 */
export function derivedActions(change: PhotoChange): DerivedAction[] {
  if (change.kind === 'REMOVE') {
    const { before } = change;
    // The delete first: it needs no database, so an outage of PostgreSQL cannot leave the bytes behind.
    const actions: DerivedAction[] = [{ type: 'DELETE_OBJECT', objectKey: before.objectKey }];
    // Renditions exist once processing has begun (a failed attempt may have left some behind).
    if (before.status === 'READY' || before.status === 'PROCESSING') {
      for (const objectKey of renditionKeysOf(before)) actions.push({ type: 'DELETE_OBJECT', objectKey });
    }
    if (before.status === 'READY') {
      actions.push({ type: 'UNCOUNT_PHOTO', ownerId: before.ownerId, photoId: before.photoId });
    }
    return actions;
  }
  if (change.after.status === 'READY' && change.before?.status !== 'READY') {
    return [{ type: 'COUNT_PHOTO', ownerId: change.after.ownerId, photoId: change.after.photoId }];
  }
  return [];
}
