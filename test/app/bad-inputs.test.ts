/**
 * Bad inputs across the API: each gets the right 4xx with {"error": {"code", "message"}} (naming
 * the field for validation errors) and leaves every store (table, bucket, database, cache) as it was.
 */
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import type { EventOptions } from './support/http';
import { httpEvent, invoke } from './support/http';
import { createReadyPhoto, createUpload, newUserId, notifyUpload, putBytes } from './support/photos';
import { Stores } from './support/stores';

const stores = new Stores();
const owner = newUserId();
const stranger = newUserId();
const fixture = {
  readyPhotoId: '',
  pendingPhotoId: '',
  rejectedPhotoId: '',
  feedCursor: '',
  ownerCursor: '',
};

beforeAll(async () => {
  await invoke(profilesApi, httpEvent('PUT /me', { caller: owner, body: { displayName: 'Owner' } }));
  fixture.readyPhotoId = (await createReadyPhoto(owner)).photoId;
  await createReadyPhoto(owner);
  fixture.pendingPhotoId = (await createUpload(owner)).photoId;
  const rejected = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 64 });
  await putBytes(rejected, Buffer.alloc(64, 0x20));
  await notifyUpload(rejected.objectKey, 64);
  fixture.rejectedPhotoId = rejected.photoId;
  const feed = await invoke(photosApi, httpEvent('GET /feed', { caller: stranger, query: { limit: '1' } }));
  fixture.feedCursor = feed.json.nextCursor;
  const listing = await invoke(
    photosApi,
    httpEvent('GET /users/{userId}/photos', {
      caller: stranger,
      pathParameters: { userId: owner },
      query: { limit: '1' },
    }),
  );
  fixture.ownerCursor = listing.json.nextCursor;
  expect(fixture.feedCursor).toEqual(expect.any(String));
  expect(fixture.ownerCursor).toEqual(expect.any(String));
});

afterAll(() => Promise.all([stores.close(), disposeProfiles()]));

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const validPhoto = { contentType: 'image/jpeg', sizeBytes: 1000 };
const unknownPhotoId = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';

interface BadInput {
  readonly name: string;
  readonly api: 'photos' | 'profiles';
  readonly route: string;
  readonly options: () => EventOptions;
  readonly status: number;
  readonly code: string;
  /** For 400s: the field the message must name. */
  readonly field?: string;
}

const cases: BadInput[] = [
  // POST /photos
  {
    name: 'malformed JSON',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: '{"contentType":' }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'body',
  },
  {
    name: 'JSON array instead of object',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: '[1,2]' }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'body',
  },
  {
    name: 'missing body',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'body',
  },
  {
    name: 'missing contentType',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { sizeBytes: 10 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'contentType',
  },
  {
    name: 'unsupported contentType image/gif',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, contentType: 'image/gif' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'contentType',
  },
  {
    name: 'contentType of wrong type',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, contentType: 7 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'contentType',
  },
  {
    name: 'sizeBytes 0',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, sizeBytes: 0 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'sizeBytes',
  },
  {
    name: 'sizeBytes above 20 MiB',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, sizeBytes: 20 * 1024 * 1024 + 1 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'sizeBytes',
  },
  {
    name: 'sizeBytes as string',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, sizeBytes: '1000' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'sizeBytes',
  },
  {
    name: 'sizeBytes fractional',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, sizeBytes: 1.5 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'sizeBytes',
  },
  {
    name: 'caption of 301 characters',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, caption: 'x'.repeat(301) } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'caption',
  },
  {
    name: 'extra field ownerId (identity from the body)',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, ownerId: owner } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'ownerId',
  },
  {
    name: 'text/plain body',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({
      caller: stranger,
      body: JSON.stringify(validPhoto),
      headers: { 'content-type': 'text/plain' },
    }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'body over 16 KiB',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: stranger, body: { ...validPhoto, caption: 'x'.repeat(17 * 1024) } }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'missing identity',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: null, body: validPhoto }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'identity with forbidden characters',
    api: 'photos',
    route: 'POST /photos',
    options: () => ({ caller: 'user#1', body: validPhoto }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  // GET and DELETE /photos/{photoId}
  {
    name: 'GET malformed photo id',
    api: 'photos',
    route: 'GET /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: 'not-a-uuid' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'photoId',
  },
  {
    name: 'GET unknown photo',
    api: 'photos',
    route: 'GET /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: unknownPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "GET another user's PENDING photo",
    api: 'photos',
    route: 'GET /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: fixture.pendingPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "DELETE another user's PENDING photo (as if it did not exist)",
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: fixture.pendingPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "GET another user's REJECTED photo",
    api: 'photos',
    route: 'GET /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: fixture.rejectedPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "DELETE another user's REJECTED photo",
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: fixture.rejectedPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    // A READY photo is public: refusing to delete it reveals nothing.
    name: "DELETE another user's READY photo",
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: stranger, pathParameters: { photoId: fixture.readyPhotoId } }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'DELETE unknown photo',
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: owner, pathParameters: { photoId: unknownPhotoId } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'DELETE malformed photo id',
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: owner, pathParameters: { photoId: '../etc' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'photoId',
  },
  {
    name: 'DELETE without identity',
    api: 'photos',
    route: 'DELETE /photos/{photoId}',
    options: () => ({ caller: null, pathParameters: { photoId: fixture.readyPhotoId } }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  // Listings
  {
    name: 'limit 0',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({ caller: stranger, pathParameters: { userId: owner }, query: { limit: '0' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'limit',
  },
  {
    name: 'limit 101',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({ caller: stranger, pathParameters: { userId: owner }, query: { limit: '101' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'limit',
  },
  {
    name: 'limit not a number',
    api: 'photos',
    route: 'GET /feed',
    options: () => ({ caller: stranger, query: { limit: 'ten' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'limit',
  },
  {
    name: 'negative limit',
    api: 'photos',
    route: 'GET /feed',
    options: () => ({ caller: stranger, query: { limit: '-5' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'limit',
  },
  {
    name: 'garbage cursor',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({
      caller: stranger,
      pathParameters: { userId: owner },
      query: { cursor: '!!!not-base64!!!' },
    }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'cursor',
  },
  {
    name: 'feed cursor on a user listing',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({
      caller: stranger,
      pathParameters: { userId: owner },
      query: { cursor: fixture.feedCursor },
    }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'cursor',
  },
  {
    name: 'user-listing cursor on the feed',
    api: 'photos',
    route: 'GET /feed',
    options: () => ({ caller: stranger, query: { cursor: fixture.ownerCursor } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'cursor',
  },
  {
    name: 'forged cursor carrying a partition key',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({
      caller: stranger,
      pathParameters: { userId: stranger },
      query: {
        cursor: b64({ s: 'owner', k: `2026-01-01T00:00:00.000Z#${unknownPhotoId}`, pk: `OWNER#${owner}` }),
      },
    }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'cursor',
  },
  {
    name: 'forged cursor with a malformed sort key',
    api: 'photos',
    route: 'GET /feed',
    options: () => ({ caller: stranger, query: { cursor: b64({ s: 'feed', k: 'OWNER#x' }) } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'cursor',
  },
  {
    name: 'user id with a key separator',
    api: 'photos',
    route: 'GET /users/{userId}/photos',
    options: () => ({ caller: stranger, pathParameters: { userId: 'a#b' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'userId',
  },
  {
    name: 'feed without identity',
    api: 'photos',
    route: 'GET /feed',
    options: () => ({ caller: null }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  // Profiles
  {
    name: 'empty displayName',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: '   ' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'displayName',
  },
  {
    name: 'displayName of 65 characters',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'n'.repeat(65) } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'displayName',
  },
  {
    name: 'bio of 501 characters',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'Ok', bio: 'b'.repeat(501) } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'bio',
  },
  {
    name: 'displayName as number',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 42 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'displayName',
  },
  {
    name: 'missing displayName',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { bio: 'hello' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'displayName',
  },
  {
    name: 'displayName with control characters',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'bad\u0007name' } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'displayName',
  },
  {
    name: 'extra field photoCount',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'Ok', photoCount: 1000 } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'photoCount',
  },
  {
    name: 'extra field userId',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'Ok', userId: owner } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'userId',
  },
  {
    name: 'form-encoded body',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({
      caller: stranger,
      body: 'displayName=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'malformed JSON profile',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: "{displayName: 'x'}" }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'body',
  },
  {
    name: 'profile body over 16 KiB',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: stranger, body: { displayName: 'Ok', bio: 'b'.repeat(20_000) } }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'PUT /me without identity',
    api: 'profiles',
    route: 'PUT /me',
    options: () => ({ caller: null, body: { displayName: 'Ok' } }),
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'GET /me before creating a profile',
    api: 'profiles',
    route: 'GET /me',
    options: () => ({ caller: stranger }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'GET unknown user profile',
    api: 'profiles',
    route: 'GET /users/{userId}',
    options: () => ({ caller: stranger, pathParameters: { userId: newUserId() } }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'GET profile with malformed user id',
    api: 'profiles',
    route: 'GET /users/{userId}',
    options: () => ({ caller: stranger, pathParameters: { userId: 'x'.repeat(129) } }),
    status: 400,
    code: 'VALIDATION_ERROR',
    field: 'userId',
  },
];

describe('bad inputs', () => {
  it('covers at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const before = await stores.snapshot();
    const handler = testCase.api === 'photos' ? photosApi : profilesApi;
    const response = await invoke(handler, httpEvent(testCase.route, testCase.options()));
    expect(response.statusCode).toBe(testCase.status);
    expect(Object.keys(response.json)).toEqual(['error']);
    expect(response.json.error).toEqual({ code: testCase.code, message: expect.any(String) });
    if (testCase.field) expect(response.json.error.message).toContain(testCase.field);
    expect(response.body).not.toMatch(/\n\s+at /);
    await stores.expectUnchanged(before);
  });
});

describe('a photo the caller may not see', () => {
  it.each(['GET /photos/{photoId}', 'DELETE /photos/{photoId}'])(
    '%s answers exactly as for a photo that does not exist',
    async (route) => {
      const missing = await invoke(
        photosApi,
        httpEvent(route, { caller: stranger, pathParameters: { photoId: unknownPhotoId } }),
      );
      expect(missing.statusCode).toBe(404);
      for (const photoId of [fixture.pendingPhotoId, fixture.rejectedPhotoId]) {
        const hidden = await invoke(
          photosApi,
          httpEvent(route, { caller: stranger, pathParameters: { photoId } }),
        );
        expect(hidden.statusCode).toBe(missing.statusCode);
        expect(hidden.headers).toEqual(missing.headers);
        expect(Buffer.from(hidden.body ?? '').equals(Buffer.from(missing.body ?? ''))).toBe(true);
      }
    },
  );
});

describe('the "nothing changed" check itself', () => {
  it('leaves out a cache entry that lapsed on its own', async () => {
    const redis = stores.redis();
    const lapsing = `check:lapsing:${newUserId()}`;
    await redis.set(lapsing, 'marker', 'PX', 200);
    const before = await stores.snapshot();
    while ((await redis.exists(lapsing)) === 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await stores.expectUnchanged(before);
  });

  it('sees a cache entry that changed, and one that appeared', async () => {
    const redis = stores.redis();
    const changing = `check:changing:${newUserId()}`;
    await redis.set(changing, 'before', 'PX', 60_000);
    const before = await stores.snapshot();
    await redis.set(changing, 'after', 'KEEPTTL');
    await expect(stores.expectUnchanged(before)).rejects.toThrow(/after/);
    await redis.del(changing);
    const empty = await stores.snapshot();
    await redis.set(changing, 'new', 'PX', 60_000);
    await expect(stores.expectUnchanged(empty)).rejects.toThrow(/new/);
    await redis.del(changing);
  });
});
