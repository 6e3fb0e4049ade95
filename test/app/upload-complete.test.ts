/**
 * The S3 "Object Created" handler: verification (size, type, and the bytes' magic number),
 * rejection, orphans, and idempotent replays.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { UPLOAD_CONTENT_TYPES } from '../../contract/limits';
import { PROCESSING_DEADLINE_SECONDS } from '../../lambda/domain/photos';
import type { PhotoObjectStore } from '../../lambda/domain/photo-service';
import { handler as uploadComplete } from '../../lambda/handlers/upload-complete';
import { lambdaContext } from './support/http';
import { localPhotos } from './support/photo-service';
import {
  createUpload,
  imageBytes,
  newUserId,
  notifyUpload,
  objectCreatedEvent,
  putBytes,
} from './support/photos';
import { Stores, bucketName } from './support/stores';

const stores = new Stores();
afterAll(() => stores.close());

async function putDirectly(key: string, bytes: Buffer, contentType: string): Promise<void> {
  await stores.s3.send(
    new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: bytes, ContentType: contentType }),
  );
}

describe('upload-complete', () => {
  it('marks a matching upload PROCESSING, with a day to be processed in, and changes nothing more on replay', async () => {
    const owner = newUserId();
    const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 3000 });
    expect(await putBytes(upload, imageBytes(3000))).toBe(200);
    const started = Math.floor(Date.now() / 1000);
    await expect(notifyUpload(upload.objectKey, 3000)).resolves.toEqual({
      objectKey: upload.objectKey,
      action: 'MARK_PROCESSING',
    });
    const verified = await stores.photoItem(upload.photoId);
    expect(verified).toMatchObject({ status: 'PROCESSING' });
    // Not listed before its renditions exist: the index keys come with READY.
    expect(verified?.gsi1pk).toBeUndefined();
    expect(verified?.gsi2pk).toBeUndefined();
    expect(verified?.expiresAt).toBeGreaterThanOrEqual(started + PROCESSING_DEADLINE_SECONDS);
    expect(verified?.expiresAt).toBeLessThanOrEqual(
      Math.ceil(Date.now() / 1000) + PROCESSING_DEADLINE_SECONDS,
    );

    const before = await stores.snapshot();
    await expect(notifyUpload(upload.objectKey, 3000)).resolves.toMatchObject({ action: 'NONE' });
    await stores.expectUnchanged(before);
  });

  it('rejects an object whose size does not match: object deleted, photo REJECTED with a TTL', async () => {
    const owner = newUserId();
    const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 3000 });
    await putDirectly(upload.objectKey, imageBytes(2999), 'image/jpeg');
    await expect(notifyUpload(upload.objectKey, 2999)).resolves.toMatchObject({ action: 'REJECT' });
    const item = await stores.photoItem(upload.photoId);
    expect(item).toMatchObject({ status: 'REJECTED', rejectionReason: expect.stringContaining('size') });
    expect(item?.expiresAt).toEqual(expect.any(Number));
    expect(item?.gsi1pk).toBeUndefined();
    expect(await stores.objectExists(upload.objectKey)).toBe(false);

    const before = await stores.snapshot();
    await notifyUpload(upload.objectKey, 2999);
    await stores.expectUnchanged(before);
  });

  it('rejects an object whose content type does not match', async () => {
    const owner = newUserId();
    const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 100 });
    await putDirectly(upload.objectKey, imageBytes(100), 'text/html');
    await expect(notifyUpload(upload.objectKey, 100)).resolves.toMatchObject({ action: 'REJECT' });
    expect(await stores.photoItem(upload.photoId)).toMatchObject({ status: 'REJECTED' });
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
  });

  it('deletes an object that has no pending photo, or sits under another user', async () => {
    const owner = newUserId();
    const orphanKey = `photos/${owner}/0b0e0f0a-1111-4222-8333-444455556666`;
    await putDirectly(orphanKey, imageBytes(10), 'image/png');
    await expect(notifyUpload(orphanKey, 10)).resolves.toMatchObject({ action: 'DELETE_ORPHAN' });
    expect(await stores.objectExists(orphanKey)).toBe(false);

    const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: 10 });
    const wrongOwnerKey = `photos/${newUserId()}/${upload.photoId}`;
    await putDirectly(wrongOwnerKey, imageBytes(10), 'image/png');
    await expect(notifyUpload(wrongOwnerKey, 10)).resolves.toMatchObject({ action: 'DELETE_ORPHAN' });
    expect(await stores.objectExists(wrongOwnerKey)).toBe(false);
    expect(await stores.photoItem(upload.photoId)).toMatchObject({ status: 'PENDING' });

    const strayKey = 'photos/not-a-photo-key';
    await putDirectly(strayKey, imageBytes(10), 'image/png');
    await expect(notifyUpload(strayKey, 10)).resolves.toMatchObject({ action: 'DELETE_ORPHAN' });
    expect(await stores.objectExists(strayKey)).toBe(false);
  });

  it('leaves objects outside the photos/ prefix alone', async () => {
    const otherKey = `exports/${newUserId()}.zip`;
    await putDirectly(otherKey, imageBytes(10), 'application/zip');
    await expect(notifyUpload(otherKey, 10)).resolves.toMatchObject({ action: 'IGNORED' });
    expect(await stores.objectExists(otherKey)).toBe(true);
  });

  it('ignores events of another bucket', async () => {
    const before = await stores.snapshot();
    await expect(
      uploadComplete(objectCreatedEvent(`photos/${newUserId()}/x`, 1, 'some-other-bucket'), lambdaContext),
    ).resolves.toBeUndefined();
    await stores.expectUnchanged(before);
  });
});

describe('upload-complete checks the bytes against the declared type', () => {
  it.each(UPLOAD_CONTENT_TYPES)(
    'accepts an upload of %s whose bytes carry its magic number',
    async (type) => {
      const upload = await createUpload(newUserId(), { contentType: type, sizeBytes: 500 });
      expect(await putBytes(upload, imageBytes(500, type))).toBe(200);
      await expect(notifyUpload(upload.objectKey, 500)).resolves.toMatchObject({ action: 'MARK_PROCESSING' });
      expect(await stores.photoItem(upload.photoId)).toMatchObject({ status: 'PROCESSING' });
    },
  );

  /** Runs the reconciler on a store that records deletes, with the version id S3 would send. */
  async function completeRecordingDeletes(objectKey: string, versionId: string) {
    const deletes: [string, string | undefined][] = [];
    const ranges: (string | undefined)[] = [];
    const photos = localPhotos({
      objects: (store): PhotoObjectStore => ({
        presignUpload: (input) => store.presignUpload(input),
        presignDownload: (key, expires) => store.presignDownload(key, expires),
        head: (key, version) => store.head(key, version),
        readFirstBytes: (key, version, count) => store.readFirstBytes(key, version, count),
        delete: async (key, version) => {
          deletes.push([key, version]);
          await store.delete(key, version);
        },
      }),
    });
    photos.s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'GET') ranges.push(request.headers?.range);
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    try {
      const outcome = await photos.reconciler.completeUpload(objectKey, versionId);
      return { outcome, deletes, ranges };
    } finally {
      photos.close();
    }
  }

  it.each([
    ['PNG bytes', imageBytes(400, 'image/png'), 'content is image/png, not the declared image/jpeg'],
    [
      'text',
      Buffer.from('<html>not a photo</html>'.padEnd(400, ' ')),
      'content does not look like image/jpeg',
    ],
  ])(
    'rejects %s declared as image/jpeg: photo REJECTED with the reason, that exact version deleted',
    async (_name, bytes, reason) => {
      const upload = await createUpload(newUserId(), { contentType: 'image/jpeg', sizeBytes: 400 });
      // Type and size are the declared ones (the signature binds them); only the bytes lie.
      expect(await putBytes(upload, bytes)).toBe(200);
      const { outcome, deletes, ranges } = await completeRecordingDeletes(upload.objectKey, 'version-1');
      expect(outcome).toEqual({ action: 'REJECT', reason });
      expect(ranges).toEqual(['bytes=0-31']);
      expect(deletes).toEqual([[upload.objectKey, 'version-1']]);
      expect(await stores.objectExists(upload.objectKey)).toBe(false);
      const item = await stores.photoItem(upload.photoId);
      expect(item).toMatchObject({
        status: 'REJECTED',
        rejectionReason: reason,
        expiresAt: expect.any(Number),
      });
      expect(item?.gsi1pk).toBeUndefined();
    },
  );

  it('rejects a HEIC upload (declared as JPEG) by its ftyp box', async () => {
    const upload = await createUpload(newUserId(), { contentType: 'image/jpeg', sizeBytes: 300 });
    expect(await putBytes(upload, imageBytes(300, 'image/heic'))).toBe(200);
    await expect(notifyUpload(upload.objectKey, 300)).resolves.toMatchObject({ action: 'REJECT' });
    expect(await stores.photoItem(upload.photoId)).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'content is image/heic, not the declared image/jpeg',
    });
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
  });
});
