/** The processing rules with the image library and the stores faked: limits, reasons, replays. */
import type { Photo } from '../../lambda/domain/photos';
import type {
  ImageRenderer,
  PhotoBytesStore,
  ProcessingRepository,
} from '../../lambda/domain/photo-processing';
import { PhotoProcessor, UndecodableImageError } from '../../lambda/domain/photo-processing';
import type {
  ImageFacts,
  ImageLimits,
  RenderedImage,
  RenditionDimensions,
} from '../../lambda/domain/renditions';
import {
  IMAGE_LIMITS,
  imageProblem,
  inputSizeProblem,
  renditionKey,
  renditionKeysOf,
} from '../../lambda/domain/renditions';
import { MAX_PHOTO_BYTES } from '../../contract/limits';

const PHOTO_ID = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const LIMITS: ImageLimits = { maxInputBytes: 1000, maxPixels: 100 * 100 };
const JPEG_FACTS: ImageFacts = { format: 'jpeg', width: 100, height: 80, pages: 1 };

const photo = (overrides: Partial<Photo> = {}): Photo => ({
  photoId: PHOTO_ID,
  ownerId: 'owner',
  status: 'PROCESSING',
  contentType: 'image/jpeg',
  sizeBytes: 10,
  objectKey: `photos/owner/${PHOTO_ID}`,
  createdAt: '2026-11-23T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
  ...overrides,
});

const rendition = (name: RenderedImage['name'], format: RenderedImage['format']): RenderedImage => ({
  name,
  format,
  width: name === 'thumbnail' ? 25 : 100,
  height: name === 'thumbnail' ? 20 : 80,
  bytes: Uint8Array.from([1, 2, 3]),
});
const ALL_RENDITIONS: RenderedImage[] = (['thumbnail', 'display'] as const).flatMap((name) =>
  (['webp', 'jpeg'] as const).map((format) => rendition(name, format)),
);

/** One photo in memory, with the calls made on it in order. */
class World implements ProcessingRepository, PhotoBytesStore, ImageRenderer {
  readonly calls: string[] = [];
  readonly objects = new Map<string, Uint8Array>();
  stored: Photo | undefined;
  facts: ImageFacts = JPEG_FACTS;
  renderFails?: Error;
  putFails?: Error;

  constructor(initial: Photo | undefined, original = new Uint8Array(10)) {
    this.stored = initial;
    if (initial) this.objects.set(initial.objectKey, original);
  }

  get(): Promise<Photo | undefined> {
    return Promise.resolve(this.stored);
  }
  markReady(_photoId: string, now: Date, renditions: RenditionDimensions): Promise<boolean> {
    this.calls.push('markReady');
    if (this.stored?.status !== 'PROCESSING') return Promise.resolve(false);
    this.stored = { ...this.stored, status: 'READY', renditions, updatedAt: now.toISOString() };
    return Promise.resolve(true);
  }
  markRejected(_photoId: string, reason: string): Promise<boolean> {
    this.calls.push(`markRejected ${reason}`);
    if (this.stored?.status !== 'PROCESSING' && this.stored?.status !== 'PENDING') {
      return Promise.resolve(false);
    }
    this.stored = { ...this.stored, status: 'REJECTED', rejectionReason: reason };
    return Promise.resolve(true);
  }
  head(key: string): Promise<{ sizeBytes: number } | undefined> {
    const bytes = this.objects.get(key);
    return Promise.resolve(bytes ? { sizeBytes: bytes.byteLength } : undefined);
  }
  read(key: string): Promise<Uint8Array | undefined> {
    this.calls.push('read');
    return Promise.resolve(this.objects.get(key));
  }
  putRendition(key: string, bytes: Uint8Array): Promise<void> {
    if (this.putFails) return Promise.reject(this.putFails);
    this.calls.push(`put ${key}`);
    this.objects.set(key, bytes);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.calls.push(`delete ${key}`);
    this.objects.delete(key);
    return Promise.resolve();
  }
  inspect(): Promise<ImageFacts> {
    return Promise.resolve(this.facts);
  }
  render(): Promise<RenderedImage[]> {
    this.calls.push('render');
    return this.renderFails ? Promise.reject(this.renderFails) : Promise.resolve(ALL_RENDITIONS);
  }

  processor(limits = LIMITS): PhotoProcessor {
    return new PhotoProcessor(this, this, this, limits, () => new Date('2026-11-23T00:01:00.000Z'));
  }
}

describe('rendition keys', () => {
  it('are fixed by the photo, under their own prefix, one per rendition and format', () => {
    const owner = { ownerId: 'owner', photoId: PHOTO_ID };
    expect(renditionKey(owner, 'thumbnail', 'webp')).toBe(`renditions/owner/${PHOTO_ID}/thumbnail.webp`);
    expect(renditionKeysOf(owner)).toEqual([
      `renditions/owner/${PHOTO_ID}/thumbnail.webp`,
      `renditions/owner/${PHOTO_ID}/thumbnail.jpg`,
      `renditions/owner/${PHOTO_ID}/display.webp`,
      `renditions/owner/${PHOTO_ID}/display.jpg`,
    ]);
  });
});

describe('image limits', () => {
  it('take the largest upload the API signs, and 64 million pixels', () => {
    expect(IMAGE_LIMITS).toEqual({ maxInputBytes: MAX_PHOTO_BYTES, maxPixels: 64_000_000 });
  });

  it('name the size over the byte limit', () => {
    expect(inputSizeProblem(1000, LIMITS)).toBeUndefined();
    expect(inputSizeProblem(1001, LIMITS)).toBe('input is 1001 bytes, over the limit of 1000');
  });

  it.each([
    ['within every limit', 'image/jpeg', JPEG_FACTS, undefined],
    ['exactly the pixel limit', 'image/jpeg', { ...JPEG_FACTS, width: 100, height: 100 }, undefined],
    [
      'one row over the pixel limit',
      'image/jpeg',
      { ...JPEG_FACTS, width: 100, height: 101 },
      'image is 100 x 101 = 10100 pixels, over the limit of 10000',
    ],
    [
      'bytes of another type',
      'image/jpeg',
      { ...JPEG_FACTS, format: 'png' },
      'content is png, not the declared image/jpeg',
    ],
    [
      'an animation',
      'image/webp',
      { ...JPEG_FACTS, format: 'webp', pages: 12 },
      'animated images are not supported (12 frames)',
    ],
    ['no pixels', 'image/png', { ...JPEG_FACTS, format: 'png', width: 0 }, 'image has no pixels'],
  ] as const)('%s', (_name, declared, facts, expected) => {
    expect(imageProblem(declared, facts, LIMITS)).toBe(expected);
  });
});

describe('PhotoProcessor', () => {
  it('writes every rendition, then marks the photo READY with their sizes', async () => {
    const world = new World(photo());
    const outcome = await world.processor().process(PHOTO_ID);
    expect(outcome).toMatchObject({ action: 'READY' });
    expect(world.calls).toEqual([
      'read',
      'render',
      ...renditionKeysOf(photo()).map((key) => `put ${key}`),
      'markReady',
    ]);
    expect(world.stored).toMatchObject({
      status: 'READY',
      renditions: { thumbnail: { width: 25, height: 20 }, display: { width: 100, height: 80 } },
    });
    // The original stays, for its owner.
    expect(world.objects.has(photo().objectKey)).toBe(true);
  });

  it('does nothing for a photo already READY, so a replayed event writes no rendition again', async () => {
    const world = new World(photo());
    await world.processor().process(PHOTO_ID);
    const callsAfterFirst = world.calls.length;
    await expect(world.processor().process(PHOTO_ID)).resolves.toEqual({
      action: 'NONE',
      reason: 'photo is READY',
    });
    expect(world.calls).toHaveLength(callsAfterFirst);
  });

  it('writes the same keys again when a retry follows a failure after some renditions were written', async () => {
    const world = new World(photo());
    world.putFails = new Error('S3 is down');
    await expect(world.processor().process(PHOTO_ID)).rejects.toThrow('S3 is down');
    expect(world.stored?.status).toBe('PROCESSING');
    world.putFails = undefined;
    await expect(world.processor().process(PHOTO_ID)).resolves.toMatchObject({ action: 'READY' });
    expect([...world.objects.keys()].sort()).toEqual([photo().objectKey, ...renditionKeysOf(photo())].sort());
  });

  it('deletes the renditions it wrote when the photo was deleted before it could be marked READY', async () => {
    const world = new World(photo());
    world.markReady = () => {
      world.stored = undefined;
      return Promise.resolve(false);
    };
    await expect(world.processor().process(PHOTO_ID)).resolves.toEqual({
      action: 'NONE',
      reason: 'photo changed while processing (now deleted)',
    });
    expect(renditionKeysOf(photo()).filter((key) => world.objects.has(key))).toEqual([]);
  });

  it('keeps the renditions when another delivery of the same record made the photo READY first', async () => {
    const world = new World(photo());
    world.markReady = () => {
      world.stored = photo({ status: 'READY' });
      return Promise.resolve(false);
    };
    await expect(world.processor().process(PHOTO_ID)).resolves.toMatchObject({ action: 'NONE' });
    expect(renditionKeysOf(photo()).filter((key) => world.objects.has(key))).toEqual(
      renditionKeysOf(photo()),
    );
  });

  it('ignores a photo that is not verified yet', async () => {
    const world = new World(photo({ status: 'PENDING' }));
    await expect(world.processor().process(PHOTO_ID)).resolves.toEqual({
      action: 'NONE',
      reason: 'photo is PENDING',
    });
    expect(world.calls).toEqual([]);
  });

  it('ignores a photo that was deleted', async () => {
    await expect(new World(undefined).processor().process(PHOTO_ID)).resolves.toEqual({
      action: 'NONE',
      reason: 'photo no longer exists',
    });
  });

  describe('rejects, deletes the original and writes no rendition', () => {
    const expectRejected = async (world: World, reason: string, limits = LIMITS) => {
      await expect(world.processor(limits).process(PHOTO_ID)).resolves.toEqual({
        action: 'REJECTED',
        reason,
      });
      expect(world.stored).toMatchObject({ status: 'REJECTED', rejectionReason: reason });
      expect(world.objects.size).toBe(0);
      expect(world.calls.filter((call) => call.startsWith('put'))).toEqual([]);
    };

    it('an input over the size limit, without reading it', async () => {
      const world = new World(photo(), new Uint8Array(1001));
      await expectRejected(world, 'input is 1001 bytes, over the limit of 1000');
      expect(world.calls).not.toContain('read');
    });

    it('an image over the pixel limit, without decoding it', async () => {
      const world = new World(photo());
      world.facts = { ...JPEG_FACTS, width: 5000, height: 5000 };
      await expectRejected(world, 'image is 5000 x 5000 = 25000000 pixels, over the limit of 10000');
      expect(world.calls).not.toContain('render');
    });

    it('an animated image', async () => {
      const world = new World(photo({ contentType: 'image/webp' }));
      world.facts = { ...JPEG_FACTS, format: 'webp', pages: 3 };
      await expectRejected(world, 'animated images are not supported (3 frames)');
    });

    it('bytes that are not the declared type', async () => {
      const world = new World(photo());
      world.facts = { ...JPEG_FACTS, format: 'png' };
      await expectRejected(world, 'content is png, not the declared image/jpeg');
    });

    it('a file that cannot be decoded', async () => {
      const world = new World(photo());
      world.renderFails = new UndecodableImageError(
        'image could not be decoded: premature end of JPEG image',
      );
      await expectRejected(world, 'image could not be decoded: premature end of JPEG image');
    });

    it('a type the image library cannot decode (HEIC)', async () => {
      const world = new World(photo({ contentType: 'image/heic' }));
      await expectRejected(world, 'image/heic images cannot be decoded here; upload JPEG, PNG or WebP');
    });
  });

  it('fails (to be retried) instead of rejecting when the renderer fails for another reason', async () => {
    const world = new World(photo());
    world.renderFails = new Error('out of memory');
    await expect(world.processor().process(PHOTO_ID)).rejects.toThrow('out of memory');
    expect(world.stored?.status).toBe('PROCESSING');
  });

  it('deletes the original again when a replay finds the photo REJECTED', async () => {
    const world = new World(photo({ status: 'REJECTED' }));
    await expect(world.processor().process(PHOTO_ID)).resolves.toEqual({
      action: 'NONE',
      reason: 'photo is REJECTED',
    });
    expect(world.objects.size).toBe(0);
  });
});
