/**
 * The whole photo flow against the real engines: profile, upload, bytes through the presigned URL,
 * upload-complete, listings, photoCount through the stream processor fed from DynamoDB Local's
 * stream, cache-aside profile reads, and deletion.
 */
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { httpEvent, invoke, listedPhotos, lambdaContext } from './support/http';
import { createUpload, newUserId, notifyUpload, processPhoto, putBytes } from './support/photos';
import { samplePhoto } from '../../scripts/local/sample-photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());

beforeAll(() => stream.start());
afterAll(() => Promise.all([stores.close(), disposeProfiles(), disposeStream()]));

async function drainStream(): Promise<number> {
  const records = await stream.read();
  const response = await streamProcessor(streamEvent(records), lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
  return records.length;
}

describe('full photo flow', () => {
  it('creates, uploads, lists, counts, caches and deletes a photo', async () => {
    const owner = newUserId();
    const viewer = newUserId();

    const put = await invoke(
      profilesApi,
      httpEvent('PUT /me', { caller: owner, body: { displayName: 'Ada', bio: 'Takes photos' } }),
    );
    expect(put.statusCode).toBe(200);
    expect(put.json).toMatchObject({ userId: owner, displayName: 'Ada', bio: 'Takes photos', photoCount: 0 });

    const bytes = await samplePhoto({ width: 640, height: 480 });
    const upload = await createUpload(owner, {
      contentType: 'image/jpeg',
      sizeBytes: bytes.length,
      caption: 'Sunset',
    });
    expect(upload.response.photo).toMatchObject({
      status: 'PENDING',
      sizeBytes: bytes.length,
      caption: 'Sunset',
    });
    expect(upload.response.upload).toMatchObject({ method: 'PUT' });
    expect((await stores.photoItem(upload.photoId))?.expiresAt).toEqual(expect.any(Number));

    expect(await putBytes(upload, bytes)).toBe(200);
    expect(await stores.objectExists(upload.objectKey)).toBe(true);

    // Before upload-complete the photo is PENDING: the owner sees it, others do not, listings do not.
    expect(
      (
        await invoke(
          photosApi,
          httpEvent('GET /photos/{photoId}', { caller: viewer, pathParameters: { photoId: upload.photoId } }),
        )
      ).statusCode,
    ).toBe(404);

    await notifyUpload(upload.objectKey, bytes.length);
    // Verified, not yet shown: the owner sees it PROCESSING, others and listings do not.
    expect((await stores.photoItem(upload.photoId))?.status).toBe('PROCESSING');
    expect(
      (
        await invoke(
          photosApi,
          httpEvent('GET /photos/{photoId}', { caller: viewer, pathParameters: { photoId: upload.photoId } }),
        )
      ).statusCode,
    ).toBe(404);
    expect(
      listedPhotos(
        await invoke(
          photosApi,
          httpEvent('GET /users/{userId}/photos', { caller: viewer, pathParameters: { userId: owner } }),
        ),
      ),
    ).toEqual([]);

    expect((await processPhoto(upload.photoId)).batchItemFailures).toEqual([]);
    const item = await stores.photoItem(upload.photoId);
    expect(item).toMatchObject({ status: 'READY' });
    expect(item?.expiresAt).toBeUndefined();

    const listing = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', { caller: viewer, pathParameters: { userId: owner } }),
    );
    expect(listing.statusCode).toBe(200);
    expect(listedPhotos(listing).map((photo) => photo.photoId)).toEqual([upload.photoId]);

    const feed = await invoke(photosApi, httpEvent('GET /feed', { caller: viewer, query: { limit: '100' } }));
    expect(feed.json.items[0]).toMatchObject({ photoId: upload.photoId, status: 'READY' });

    const get = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: viewer, pathParameters: { photoId: upload.photoId } }),
    );
    expect(get.statusCode).toBe(200);
    // Others get the renditions, not the original with its metadata; its owner gets that too.
    expect(get.json.downloadUrl).toBeUndefined();
    const display = Buffer.from(
      await (await fetch(get.json.renditions.display.jpeg as string)).arrayBuffer(),
    );
    expect(display.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const own = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: owner, pathParameters: { photoId: upload.photoId } }),
    );
    const download = await fetch(own.json.downloadUrl as string);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);

    // The stream (INSERT PENDING, MODIFY PROCESSING, MODIFY READY) drives photoCount.
    expect(await drainStream()).toBeGreaterThanOrEqual(2);
    expect(await stores.photoCount(owner)).toBe(1);

    // First public read fills the cache; the second is served from Redis: prove it by changing the
    // row behind the cache's back. The writes above left an invalidation marker, which would keep the
    // first read from filling for a few seconds: as if it had expired.
    await stores.redis().del(`profile:${owner}`);
    const first = await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: viewer, pathParameters: { userId: owner } }),
    );
    expect(first.json).toMatchObject({ userId: owner, displayName: 'Ada', photoCount: 1 });
    expect(await stores.redis().exists(`profile:${owner}`)).toBe(1);
    await stores.db.query(
      "UPDATE profiles SET display_name = 'Changed behind the cache' WHERE user_id = $1",
      [owner],
    );
    const second = await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: viewer, pathParameters: { userId: owner } }),
    );
    expect(second.json).toEqual(first.json);
    await stores.db.query("UPDATE profiles SET display_name = 'Ada' WHERE user_id = $1", [owner]);

    const deleted = await invoke(
      photosApi,
      httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId: upload.photoId } }),
    );
    expect(deleted.statusCode).toBe(204);
    expect(await stores.photoItem(upload.photoId)).toBeUndefined();

    await drainStream();
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
    expect(await stores.objectKeys()).not.toContainEqual(expect.stringContaining(upload.photoId));
    expect(await stores.photoCount(owner)).toBe(0);
    // The count change replaced the cached profile with a marker, so the next read is fresh.
    expect(JSON.parse((await stores.redis().get(`profile:${owner}`)) ?? 'null')).toEqual({
      invalidatedAt: expect.any(String),
    });
    const after = await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: viewer, pathParameters: { userId: owner } }),
    );
    expect(after.json.photoCount).toBe(0);
    const emptyListing = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', { caller: viewer, pathParameters: { userId: owner } }),
    );
    expect(emptyListing.json.items).toEqual([]);
  });
});
