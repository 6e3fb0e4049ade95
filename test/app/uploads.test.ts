/**
 * The per-user limit of pending uploads: 429 beyond it with nothing written, slots given back when
 * uploads complete, are rejected, deleted or expire, and no burst of parallel requests past it.
 */
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { TooManyPendingUploadsError } from '../../lambda/shared/errors';
import { httpEvent, invoke, lambdaContext } from './support/http';
import { localPhotos } from './support/photo-service';
import { createUpload, imageBytes, newUserId, notifyUpload, putBytes } from './support/photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());
const LIMIT = Number(process.env.MAX_PENDING_UPLOADS_PER_USER);

beforeAll(() => stream.start());
afterAll(() => Promise.all([stores.close(), disposeStream()]));

const postPhoto = (caller: string) =>
  invoke(
    photosApi,
    httpEvent('POST /photos', { caller, body: { contentType: 'image/jpeg', sizeBytes: 256 } }),
  );

async function userAtTheLimit() {
  const owner = newUserId();
  const uploads = [];
  for (let index = 0; index < LIMIT; index += 1) uploads.push(await createUpload(owner));
  return { owner, uploads };
}

const pendingItemsOf = async (owner: string) =>
  (await stores.items()).filter((item) => item.ownerId === owner && item.status === 'PENDING');

describe('pending uploads per user', () => {
  it('answers 429 with the error envelope beyond the limit, and writes nothing', async () => {
    expect(LIMIT).toBe(20);
    const { owner } = await userAtTheLimit();
    const before = await stores.snapshot();
    const response = await postPhoto(owner);
    expect(response.statusCode).toBe(429);
    expect(response.json).toEqual({
      error: {
        code: 'TOO_MANY_PENDING_UPLOADS',
        message: 'At most 20 uploads may be pending at once; finish one or wait for it to expire',
      },
    });
    await stores.expectUnchanged(before);
    // The limit is per user.
    expect((await postPhoto(newUserId())).statusCode).toBe(201);
  });

  it('gives a slot back when an upload completes, is rejected or is deleted', async () => {
    const { owner, uploads } = await userAtTheLimit();
    const [completed, rejected, deleted] = uploads;

    await putBytes(completed, imageBytes(1024));
    await expect(notifyUpload(completed.objectKey, 1024)).resolves.toMatchObject({
      action: 'MARK_PROCESSING',
    });
    expect((await postPhoto(owner)).statusCode).toBe(201);
    expect((await postPhoto(owner)).statusCode).toBe(429);

    await putBytes(rejected, Buffer.alloc(1024, 0x20));
    await expect(notifyUpload(rejected.objectKey, 1024)).resolves.toMatchObject({ action: 'REJECT' });
    expect((await postPhoto(owner)).statusCode).toBe(201);
    expect((await postPhoto(owner)).statusCode).toBe(429);

    const removed = await invoke(
      photosApi,
      httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId: deleted.photoId } }),
    );
    expect(removed.statusCode).toBe(204);
    expect((await postPhoto(owner)).statusCode).toBe(201);
    expect((await postPhoto(owner)).statusCode).toBe(429);

    const slots = Object.keys((await stores.uploadSlots(owner)) ?? {});
    expect(slots).toHaveLength(LIMIT);
    expect(slots).not.toEqual(expect.arrayContaining([completed.photoId]));
    expect(slots).not.toEqual(expect.arrayContaining([rejected.photoId]));
    expect(slots).not.toEqual(expect.arrayContaining([deleted.photoId]));
  });

  it('gives the slots of expired uploads back, and drops them from the slot item', async () => {
    let now = new Date('2026-11-23T12:00:00Z');
    const photos = localPhotos({ maxPendingUploadsPerUser: 2, clock: () => now });
    try {
      const owner = newUserId();
      const request = { contentType: 'image/png', sizeBytes: 100 } as const;
      const first = await photos.service.createUpload(owner, request);
      await photos.service.createUpload(owner, request);
      await expect(photos.service.createUpload(owner, request)).rejects.toThrow(TooManyPendingUploadsError);

      // One second before the pending TTL (3600 s) the slots still count; at it they do not.
      now = new Date(now.getTime() + 3599_000);
      await expect(photos.service.createUpload(owner, request)).rejects.toThrow(TooManyPendingUploadsError);
      now = new Date(now.getTime() + 1000);
      const third = await photos.service.createUpload(owner, request);
      expect(Object.keys((await stores.uploadSlots(owner)) ?? {})).toEqual([third.photo.photoId]);
      expect(first.photo.photoId).not.toBe(third.photo.photoId);
    } finally {
      photos.close();
    }
  });

  it('lets a burst of parallel uploads of one user take exactly the limit, and not one more', async () => {
    const owner = newUserId();
    const responses = await Promise.all(Array.from({ length: 3 * LIMIT }, () => postPhoto(owner)));
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status !== 201)).toEqual(new Array(2 * LIMIT).fill(429));
    expect(await pendingItemsOf(owner)).toHaveLength(LIMIT);
    expect(Object.keys((await stores.uploadSlots(owner)) ?? {})).toHaveLength(LIMIT);
  });

  it('keeps the slot items out of the stream processor, which has nothing to derive from them', async () => {
    await stream.read();
    const owner = newUserId();
    await createUpload(owner);
    const records = await stream.read();
    expect(records.map((record) => record.dynamodb?.Keys?.pk?.S?.split('#')[0]).sort()).toEqual([
      'PHOTO',
      'UPLOADS',
    ]);
    const before = await stores.snapshot();
    const response = await streamProcessor(streamEvent(records), lambdaContext);
    expect(response.batchItemFailures).toEqual([]);
    await stores.expectUnchanged(before);
  });
});
