/**
 * Turns a verified upload (PROCESSING) into the renditions the API serves, and the photo READY; or,
 * for an image that must not or cannot be processed, into a REJECTED photo with the reason and its
 * original deleted. Bad input never throws: only a dependency failure does, and then the event is
 * retried. Idempotent: rendition keys are fixed by the photo, so a retried event overwrites the same
 * objects with the same bytes, and an event for a photo that is no longer PROCESSING does nothing.
 */
import type { Photo } from './photos';
import { REJECTED_RETENTION_SECONDS } from './photos';
import type { ImageFacts, ImageLimits, RenderedImage, RenditionDimensions } from './renditions';
import {
  RENDITION_FORMATS,
  declaredTypeProblem,
  dimensionsOf,
  imageProblem,
  inputSizeProblem,
  renditionKey,
  renditionKeysOf,
} from './renditions';

/** The input could not be decoded: a corrupt or truncated file. */
export class UndecodableImageError extends Error {}

/** The image library, behind a port so that the rules above it stay testable and SDK-free. */
export interface ImageRenderer {
  /** Reads the header only; throws UndecodableImageError when there is no image to read. */
  inspect(bytes: Uint8Array): Promise<ImageFacts>;
  /**
   * Every rendition of the plan (renditions.ts): oriented, fitted, metadata stripped but the colour
   * profile. Throws UndecodableImageError when the pixels cannot be decoded.
   */
  render(bytes: Uint8Array, limits: ImageLimits): Promise<RenderedImage[]>;
}

/** What processing needs of the photo bucket. */
export interface PhotoBytesStore {
  head(objectKey: string): Promise<{ sizeBytes: number } | undefined>;
  /** The whole object, or undefined if it is gone. */
  read(objectKey: string): Promise<Uint8Array | undefined>;
  /** Writes (or overwrites) a rendition. */
  putRendition(objectKey: string, bytes: Uint8Array, contentType: string): Promise<void>;
  delete(objectKey: string): Promise<void>;
}

/** What processing needs of the photo table. */
export interface ProcessingRepository {
  get(photoId: string): Promise<Photo | undefined>;
  /** PROCESSING -> READY with the renditions' sizes; false if the photo is no longer PROCESSING. */
  markReady(photoId: string, now: Date, renditions: RenditionDimensions): Promise<boolean>;
  /** PENDING or PROCESSING -> REJECTED; false if the photo is in neither state. */
  markRejected(photoId: string, reason: string, now: Date, expiresAt: number): Promise<boolean>;
}

export type ProcessingOutcome =
  | { readonly action: 'READY'; readonly renditions: readonly RenderedImage[] }
  | { readonly action: 'REJECTED'; readonly reason: string }
  | { readonly action: 'NONE'; readonly reason: string };

export class PhotoProcessor {
  constructor(
    private readonly repository: ProcessingRepository,
    private readonly objects: PhotoBytesStore,
    private readonly renderer: ImageRenderer,
    private readonly limits: ImageLimits,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async process(photoId: string): Promise<ProcessingOutcome> {
    const photo = await this.repository.get(photoId);
    if (!photo) return { action: 'NONE', reason: 'photo no longer exists' };
    // A replay after a rejection whose delete failed: the original goes now.
    if (photo.status === 'REJECTED') {
      await this.objects.delete(photo.objectKey);
      return { action: 'NONE', reason: 'photo is REJECTED' };
    }
    // A replay after READY, or a record for a photo that is not verified yet.
    if (photo.status !== 'PROCESSING') return { action: 'NONE', reason: `photo is ${photo.status}` };

    const typeProblem = declaredTypeProblem(photo.contentType);
    if (typeProblem) return this.reject(photo, typeProblem);
    const stored = await this.objects.head(photo.objectKey);
    if (!stored) return { action: 'NONE', reason: 'object no longer exists' };
    const sizeProblem = inputSizeProblem(stored.sizeBytes, this.limits);
    if (sizeProblem) return this.reject(photo, sizeProblem);
    const bytes = await this.objects.read(photo.objectKey);
    if (!bytes) return { action: 'NONE', reason: 'object no longer exists' };
    // The size may have changed between HEAD and GET only if the key was written twice.
    const readProblem = inputSizeProblem(bytes.byteLength, this.limits);
    if (readProblem) return this.reject(photo, readProblem);

    let rendered: RenderedImage[];
    try {
      const problem = imageProblem(photo.contentType, await this.renderer.inspect(bytes), this.limits);
      if (problem) return this.reject(photo, problem);
      rendered = await this.renderer.render(bytes, this.limits);
    } catch (error) {
      if (error instanceof UndecodableImageError) return this.reject(photo, error.message);
      throw error;
    }
    for (const image of rendered) {
      await this.objects.putRendition(
        renditionKey(photo, image.name, image.format),
        image.bytes,
        RENDITION_FORMATS[image.format].contentType,
      );
    }
    // READY only now that every rendition exists.
    if (!(await this.repository.markReady(photo.photoId, this.clock(), dimensionsOf(rendered)))) {
      return this.lostToAChange(photo);
    }
    return { action: 'READY', renditions: rendered };
  }

  /**
   * The photo left PROCESSING while its renditions were being written. Another delivery of the same
   * record may have made it READY with the same objects; otherwise it was deleted (its REMOVE may
   * have been processed before these renditions existed) or rejected, and what was written here
   * would belong to nobody.
   */
  private async lostToAChange(photo: Photo): Promise<ProcessingOutcome> {
    const now = await this.repository.get(photo.photoId);
    if (now?.status !== 'READY') {
      for (const key of renditionKeysOf(photo)) await this.objects.delete(key);
    }
    return { action: 'NONE', reason: `photo changed while processing (now ${now?.status ?? 'deleted'})` };
  }

  /** Marks first: if the delete then fails, the retry finds the photo REJECTED and deletes again. */
  private async reject(photo: Photo, reason: string): Promise<ProcessingOutcome> {
    const now = this.clock();
    const expiresAt = Math.floor(now.getTime() / 1000) + REJECTED_RETENTION_SECONDS;
    if (!(await this.repository.markRejected(photo.photoId, reason, now, expiresAt))) {
      return { action: 'NONE', reason: 'photo changed while processing' };
    }
    await this.objects.delete(photo.objectKey);
    return { action: 'REJECTED', reason };
  }
}
