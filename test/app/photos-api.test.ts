/** Happy paths of the photo routes against DynamoDB Local and s3rver. */
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { httpEvent, invoke, listedPhotos } from './support/http';
import { createReadyPhoto, createUpload, imageBytes, newUserId, putBytes } from './support/photos';
import { Stores } from './support/stores';

const stores = new Stores();
afterAll(() => stores.close());

describe('POST /photos', () => {
  it('creates a PENDING photo with a TTL and a presigned upload bound to type and size', async () => {
    const owner = newUserId();
    const before = Math.floor(Date.now() / 1000);
    const response = await invoke(
      photosApi,
      httpEvent('POST /photos', {
        caller: owner,
        body: { contentType: 'image/webp', sizeBytes: 5000, caption: ' Hi ' },
      }),
    );
    expect(response.statusCode).toBe(201);
    const { photo, upload } = response.json;
    expect(photo).toEqual({
      photoId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ownerId: owner,
      status: 'PENDING',
      contentType: 'image/webp',
      sizeBytes: 5000,
      caption: 'Hi',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({
      'Content-Type': 'image/webp',
      'Content-Length': '5000',
      'If-None-Match': '*',
    });
    const url = new URL(upload.url as string);
    expect(url.pathname).toBe(`/${process.env.BUCKET_NAME}/photos/${owner}/${photo.photoId}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'host', 'if-none-match']),
    );
    expect(Date.parse(upload.expiresAt as string)).toBeGreaterThan(Date.now());

    const item = await stores.photoItem(photo.photoId);
    expect(item).toMatchObject({
      status: 'PENDING',
      ownerId: owner,
      objectKey: `photos/${owner}/${photo.photoId}`,
    });
    expect(item?.expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(item?.gsi1pk).toBeUndefined();
    expect(item?.gsi2pk).toBeUndefined();
  });
});

describe('POST /photos with a type the processing cannot decode', () => {
  it('refuses HEIC with 400, naming the types it accepts, and writes nothing', async () => {
    const owner = newUserId();
    const before = await stores.snapshot();
    const response = await invoke(
      photosApi,
      httpEvent('POST /photos', { caller: owner, body: { contentType: 'image/heic', sizeBytes: 5000 } }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({
      error: {
        code: 'VALIDATION_ERROR',
        message:
          'contentType: must be one of image/jpeg, image/png, image/webp (HEIC cannot be processed here: convert it to JPEG first)',
      },
    });
    await stores.expectUnchanged(before);
  });
});

describe('GET /photos/{photoId}', () => {
  it('shows a PENDING photo to its owner without a download URL', async () => {
    const owner = newUserId();
    const { photoId } = await createUpload(owner);
    const response = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: owner, pathParameters: { photoId } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json.photo).toMatchObject({ photoId, status: 'PENDING' });
    expect(response.json.downloadUrl).toBeUndefined();
  });

  it('gives anyone a READY photo with short-lived URLs of its renditions, and no URL of the original', async () => {
    const owner = newUserId();
    const { photoId } = await createReadyPhoto(owner);
    const response = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: newUserId(), pathParameters: { photoId } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json.photo).toMatchObject({ photoId, status: 'READY', ownerId: owner });
    expect(response.json.downloadUrl).toBeUndefined();
    for (const name of ['thumbnail', 'display']) {
      for (const format of ['webp', 'jpeg']) {
        const url = new URL(response.json.renditions[name][format] as string);
        expect(url.pathname).toMatch(new RegExp(`/renditions/${owner}/${photoId}/${name}\\.(webp|jpg)$`));
        expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
      }
    }
  });

  it('gives the owner of a READY photo a short-lived URL of the original too', async () => {
    const owner = newUserId();
    const { photoId, objectKey } = await createReadyPhoto(owner);
    const response = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: owner, pathParameters: { photoId } }),
    );
    const url = new URL(response.json.downloadUrl as string);
    expect(url.pathname).toMatch(new RegExp(`/${objectKey}$`));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
  });
});

describe('DELETE /photos/{photoId}', () => {
  it('lets the owner delete a photo', async () => {
    const owner = newUserId();
    const { photoId } = await createReadyPhoto(owner);
    const response = await invoke(
      photosApi,
      httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId } }),
    );
    expect(response.statusCode).toBe(204);
    expect(response.body).toBeUndefined();
    expect(await stores.photoItem(photoId)).toBeUndefined();
  });
});

describe('GET /users/{userId}/photos and GET /feed', () => {
  it('lists READY photos only, newest first, across pages', async () => {
    const owner = newUserId();
    const ready: string[] = [];
    for (let index = 0; index < 3; index += 1) ready.unshift((await createReadyPhoto(owner)).photoId);
    const pending = await createUpload(owner);
    await putBytes(pending, imageBytes(1024));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await invoke(
        photosApi,
        httpEvent('GET /users/{userId}/photos', {
          caller: newUserId(),
          pathParameters: { userId: owner },
          query: { limit: '2', ...(cursor ? { cursor } : {}) },
        }),
      );
      expect(response.statusCode).toBe(200);
      expect(response.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...listedPhotos(response).map((photo) => photo.photoId));
      for (const photo of response.json.items) expect(photo.status).toBe('READY');
      cursor = response.json.nextCursor;
      pages += 1;
    } while (cursor && pages < 5);
    expect(seen).toEqual(ready);
    expect(pages).toBe(2);
  });

  it("keeps a cursor inside the listing it is used on: another user's cursor cannot reveal their photos", async () => {
    const alice = newUserId();
    const bob = newUserId();
    const bobPhoto = await createReadyPhoto(bob);
    await createReadyPhoto(alice);
    await createReadyPhoto(alice);
    const alicePage = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', {
        caller: bob,
        pathParameters: { userId: alice },
        query: { limit: '1' },
      }),
    );
    const response = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', {
        caller: bob,
        pathParameters: { userId: bob },
        query: { cursor: alicePage.json.nextCursor },
      }),
    );
    expect(response.statusCode).toBe(200);
    for (const photo of response.json.items) expect(photo.ownerId).toBe(bob);
    // Bob's only photo is older than Alice's cursor position, so it is the page.
    expect(listedPhotos(response).map((photo) => photo.photoId)).toEqual([bobPhoto.photoId]);
  });

  it('serves the feed newest first with the default limit of 20', async () => {
    const latest = await createReadyPhoto(newUserId());
    const response = await invoke(photosApi, httpEvent('GET /feed', { caller: newUserId() }));
    expect(response.statusCode).toBe(200);
    expect(response.json.items.length).toBeLessThanOrEqual(20);
    expect(response.json.items[0].photoId).toBe(latest.photoId);
    const times = listedPhotos(response).map((photo) => photo.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    for (const photo of response.json.items) expect(photo.status).toBe('READY');
  });

  it('answers 404 for an unknown route', async () => {
    const response = await invoke(photosApi, httpEvent('PATCH /photos', { caller: newUserId() }));
    expect(response.statusCode).toBe(404);
    expect(response.json.error.code).toBe('NOT_FOUND');
  });
});
