/**
 * Photo use cases. The service depends on ports (interfaces) that the DynamoDB and S3 adapters
 * implement, so it stays free of the AWS SDK and is wired once per container by the handlers.
 */
import { randomUUID } from 'node:crypto';
import type {
  CreatePhotoRequest,
  DerivedAction,
  Photo,
  PhotoChange,
  PhotoView,
  UploadOutcome,
} from './photos';
import {
  PHOTO_KEY_PREFIX,
  PROCESSING_DEADLINE_SECONDS,
  REJECTED_RETENTION_SECONDS,
  decideUploadOutcome,
  derivedActions,
  isVisibleTo,
  newPendingPhoto,
  parseObjectKey,
  toPhotoView,
} from './photos';
import { IMAGE_SIGNATURE_BYTES, imageSignatureMismatch } from './image-signature';
import type { RenditionDimensions, RenditionName } from './renditions';
import { RENDITION_FORMAT_NAMES, RENDITION_NAMES, renditionKey } from './renditions';
import type { RenditionViewBody } from '../../contract/responses';
import { ForbiddenError, NotFoundError, TooManyPendingUploadsError } from '../shared/errors';

export interface PhotoPage {
  readonly items: Photo[];
  readonly nextCursor?: string;
}

export interface PhotoRepository {
  /**
   * Stores a new PENDING photo unless its owner already has maxPendingPerOwner uploads pending
   * (false then, and nothing is written).
   */
  createPending(photo: Photo, maxPendingPerOwner: number): Promise<boolean>;
  get(photoId: string): Promise<Photo | undefined>;
  /**
   * PENDING -> PROCESSING (the object is verified; renditions are next), with a new expiry
   * (PROCESSING_DEADLINE_SECONDS); false if the photo is no longer PENDING.
   */
  markProcessing(photoId: string, now: Date, expiresAt: number): Promise<boolean>;
  /** PROCESSING -> READY with the renditions' sizes; false if the photo is no longer PROCESSING. */
  markReady(photoId: string, now: Date, renditions: RenditionDimensions): Promise<boolean>;
  /** PENDING or PROCESSING -> REJECTED; false if the photo is in neither state. */
  markRejected(photoId: string, reason: string, now: Date, expiresAt: number): Promise<boolean>;
  /** Deletes the photo only if it is owned by ownerId; false if it is gone or not theirs. */
  deleteOwned(photoId: string, ownerId: string): Promise<boolean>;
  listByOwner(ownerId: string, limit: number, cursor?: string): Promise<PhotoPage>;
  listFeed(limit: number, cursor?: string): Promise<PhotoPage>;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'PUT';
  readonly headers: Record<string, string>;
}

export interface PhotoObjectStore {
  presignUpload(input: {
    readonly objectKey: string;
    readonly contentType: string;
    readonly sizeBytes: number;
    readonly expiresInSeconds: number;
  }): Promise<PresignedUpload>;
  presignDownload(objectKey: string, expiresInSeconds: number): Promise<string>;
  /** Metadata of the stored object, or undefined if there is none. */
  head(
    objectKey: string,
    versionId?: string,
  ): Promise<{ sizeBytes: number; contentType?: string } | undefined>;
  /** The first `count` bytes of the stored object (fewer if it is shorter), or undefined if it is gone. */
  readFirstBytes(
    objectKey: string,
    versionId: string | undefined,
    count: number,
  ): Promise<Uint8Array | undefined>;
  delete(objectKey: string, versionId?: string): Promise<void>;
}

export interface PhotoServiceSettings {
  readonly uploadUrlExpirySeconds: number;
  readonly pendingUploadTtlSeconds: number;
  readonly downloadUrlExpirySeconds: number;
  /** Uploads one user may have PENDING at once: the table and bucket are shared by everyone. */
  readonly maxPendingUploadsPerUser: number;
}

export interface CreatedUpload {
  readonly photo: PhotoView;
  readonly upload: PresignedUpload & { readonly expiresAt: string };
}

export class PhotoService {
  constructor(
    private readonly repository: PhotoRepository,
    private readonly objects: PhotoObjectStore,
    private readonly settings: PhotoServiceSettings,
    private readonly clock: () => Date = () => new Date(),
    private readonly newId: () => string = randomUUID,
  ) {}

  async createUpload(ownerId: string, request: CreatePhotoRequest): Promise<CreatedUpload> {
    const now = this.clock();
    const photo = newPendingPhoto({
      photoId: this.newId(),
      ownerId,
      request,
      now,
      pendingTtlSeconds: this.settings.pendingUploadTtlSeconds,
    });
    // Sign first: if signing fails nothing is written.
    const upload = await this.objects.presignUpload({
      objectKey: photo.objectKey,
      contentType: photo.contentType,
      sizeBytes: photo.sizeBytes,
      expiresInSeconds: this.settings.uploadUrlExpirySeconds,
    });
    if (!(await this.repository.createPending(photo, this.settings.maxPendingUploadsPerUser))) {
      throw new TooManyPendingUploadsError(this.settings.maxPendingUploadsPerUser);
    }
    const expiresAt = new Date(now.getTime() + this.settings.uploadUrlExpirySeconds * 1000).toISOString();
    return { photo: toPhotoView(photo), upload: { ...upload, expiresAt } };
  }

  /**
   * A photo with a URL per rendition once READY. The original (with whatever metadata its camera
   * wrote, GPS included) is the owner's alone: only they get its URL.
   */
  async getPhoto(
    callerId: string,
    photoId: string,
  ): Promise<{
    photo: PhotoView;
    renditions?: Record<RenditionName, RenditionViewBody>;
    downloadUrl?: string;
  }> {
    const photo = await this.repository.get(photoId);
    if (!photo || !isVisibleTo(photo, callerId)) throw new NotFoundError('Photo');
    if (photo.status !== 'READY') return { photo: toPhotoView(photo) };
    const renditions = Object.fromEntries(
      await Promise.all(RENDITION_NAMES.map(async (name) => [name, await this.renditionView(photo, name)])),
    ) as Record<RenditionName, RenditionViewBody>;
    const downloadUrl =
      photo.ownerId === callerId
        ? await this.objects.presignDownload(photo.objectKey, this.settings.downloadUrlExpirySeconds)
        : undefined;
    return { photo: toPhotoView(photo), renditions, ...(downloadUrl ? { downloadUrl } : {}) };
  }

  async deletePhoto(callerId: string, photoId: string): Promise<void> {
    const photo = await this.repository.get(photoId);
    // What the caller may not see does not exist for them, whatever the method.
    if (!photo || !isVisibleTo(photo, callerId)) throw new NotFoundError('Photo');
    if (photo.ownerId !== callerId) throw new ForbiddenError('Only the owner can delete a photo');
    // The object is deleted by the stream processor when it sees the item's REMOVE record.
    if (!(await this.repository.deleteOwned(photoId, callerId))) throw new NotFoundError('Photo');
  }

  async listUserPhotos(
    ownerId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: PhotoView[]; nextCursor?: string }> {
    return this.toViewPage(await this.repository.listByOwner(ownerId, limit, cursor));
  }

  async listFeed(limit: number, cursor?: string): Promise<{ items: PhotoView[]; nextCursor?: string }> {
    return this.toViewPage(await this.repository.listFeed(limit, cursor));
  }

  /** Listings show the thumbnail; presigning is local work (no request), two URLs per item. */
  private async toViewPage(page: PhotoPage): Promise<{ items: PhotoView[]; nextCursor?: string }> {
    const items = await Promise.all(
      page.items.map(async (photo) => ({
        ...toPhotoView(photo),
        ...(photo.renditions ? { thumbnail: await this.renditionView(photo, 'thumbnail') } : {}),
      })),
    );
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  private async renditionView(photo: Photo, name: RenditionName): Promise<RenditionViewBody> {
    const dimensions = photo.renditions?.[name];
    if (!dimensions) throw new Error(`READY photo ${photo.photoId} has no ${name} rendition`);
    const urls = await Promise.all(
      RENDITION_FORMAT_NAMES.map(async (format) => [
        format,
        await this.objects.presignDownload(
          renditionKey(photo, name, format),
          this.settings.downloadUrlExpirySeconds,
        ),
      ]),
    );
    return { ...dimensions, ...(Object.fromEntries(urls) as Record<'webp' | 'jpeg', string>) };
  }
}

/** Reconciles uploaded objects with their pending photos (the S3 "Object Created" consumer). */
export class UploadReconciler {
  constructor(
    private readonly repository: PhotoRepository,
    private readonly objects: PhotoObjectStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Reconciles an uploaded object with its pending photo: verified bytes make it PROCESSING, which
   * the processing function picks up from the table's stream. Idempotent: a replay finds the photo
   * past PENDING (nothing to do) or the rejected object already deleted.
   */
  async completeUpload(
    objectKey: string,
    versionId?: string,
    attempt = 1,
  ): Promise<UploadOutcome | { action: 'IGNORED' }> {
    // Only the photo prefix is ours to police; anything else in the bucket is left alone.
    if (!objectKey.startsWith(PHOTO_KEY_PREFIX)) return { action: 'IGNORED' };
    const key = parseObjectKey(objectKey);
    // Under the prefix, a key the server never generates cannot belong to a photo.
    if (!key) {
      await this.objects.delete(objectKey, versionId);
      return { action: 'DELETE_ORPHAN', reason: 'malformed photo key' };
    }
    const stored = await this.objects.head(objectKey, versionId);
    if (!stored) return { action: 'NONE', reason: 'object no longer exists' };
    const photo = await this.repository.get(key.photoId);
    let outcome = decideUploadOutcome(photo, key, stored);
    if (outcome.action === 'MARK_PROCESSING' && photo) {
      // Type and size match what was declared; the bytes must agree too. Only the first few are read.
      const first = await this.objects.readFirstBytes(objectKey, versionId, IMAGE_SIGNATURE_BYTES);
      if (!first) return { action: 'NONE', reason: 'object no longer exists' };
      const mismatch = imageSignatureMismatch(photo.contentType, first);
      if (mismatch) outcome = { action: 'REJECT', reason: mismatch };
    }
    const now = this.clock();
    switch (outcome.action) {
      case 'MARK_PROCESSING':
        if (
          await this.repository.markProcessing(
            key.photoId,
            now,
            epochSeconds(now) + PROCESSING_DEADLINE_SECONDS,
          )
        ) {
          return outcome;
        }
        // The photo changed under us (deleted, or another delivery won): decide again on fresh state.
        if (attempt >= 3) throw new Error('Photo kept changing while completing its upload');
        return this.completeUpload(objectKey, versionId, attempt + 1);
      case 'REJECT': {
        const expiresAt = epochSeconds(now) + REJECTED_RETENTION_SECONDS;
        // Mark first: if the delete then fails, the retry sees REJECTED and deletes the object again.
        await this.repository.markRejected(key.photoId, outcome.reason, now, expiresAt);
        await this.objects.delete(objectKey, versionId);
        return outcome;
      }
      case 'DELETE_ORPHAN':
        await this.objects.delete(objectKey, versionId);
        return outcome;
      case 'NONE':
        return outcome;
    }
  }
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Derived data kept by the stream processor; each operation must be idempotent. */
export interface PhotoCountLedger {
  /** Counts a READY photo once; true if this call changed the count. */
  count(ownerId: string, photoId: string): Promise<boolean>;
  /** Uncounts a photo once (and forever); true if this call changed the count. */
  uncount(ownerId: string, photoId: string): Promise<boolean>;
}

export interface ProfileInvalidator {
  invalidate(userId: string): Promise<void>;
}

export class PhotoChangeProcessor {
  constructor(
    private readonly ledger: PhotoCountLedger,
    private readonly objects: Pick<PhotoObjectStore, 'delete'>,
    private readonly cache: ProfileInvalidator,
  ) {}

  async apply(change: PhotoChange): Promise<DerivedAction[]> {
    const actions = derivedActions(change);
    for (const action of actions) {
      switch (action.type) {
        case 'COUNT_PHOTO':
          await this.ledger.count(action.ownerId, action.photoId);
          await this.cache.invalidate(action.ownerId);
          break;
        case 'UNCOUNT_PHOTO':
          await this.ledger.uncount(action.ownerId, action.photoId);
          await this.cache.invalidate(action.ownerId);
          break;
        case 'DELETE_OBJECT':
          await this.objects.delete(action.objectKey);
          break;
      }
    }
    return actions;
  }
}
