/** Happy paths of the profile routes against PostgreSQL and Redis. */
import { dispose, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { httpEvent, invoke } from './support/http';
import { newUserId } from './support/photos';
import { Stores } from './support/stores';

const stores = new Stores();
afterAll(() => Promise.all([stores.close(), dispose()]));

describe('PUT /me and GET /me', () => {
  it('creates the profile on first call and replaces its fields after', async () => {
    const user = newUserId();
    const created = await invoke(
      profilesApi,
      httpEvent('PUT /me', { caller: user, body: { displayName: '  Grace  ', bio: 'Compilers' } }),
    );
    expect(created.statusCode).toBe(200);
    expect(created.json).toEqual({
      userId: user,
      displayName: 'Grace',
      bio: 'Compilers',
      photoCount: 0,
      createdAt: expect.any(String),
      updatedAt: created.json.createdAt,
    });

    // Body base64-encoded by API Gateway, media type with parameters: still JSON.
    const updated = await invoke(
      profilesApi,
      httpEvent('PUT /me', {
        caller: user,
        body: Buffer.from(JSON.stringify({ displayName: 'Grace H.' })).toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      }),
    );
    expect(updated.statusCode).toBe(200);
    expect(updated.json).toMatchObject({
      userId: user,
      displayName: 'Grace H.',
      bio: null,
      createdAt: created.json.createdAt,
    });
    expect(Date.parse(updated.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.json.updatedAt));

    const me = await invoke(profilesApi, httpEvent('GET /me', { caller: user }));
    expect(me.statusCode).toBe(200);
    expect(me.json).toEqual(updated.json);
    expect(await stores.profileRow(user)).toMatchObject({
      display_name: 'Grace H.',
      bio: null,
      photo_count: 0,
    });
  });

  it('accepts a display name of exactly 64 characters and a bio of exactly 500 (multi-byte counted as one)', async () => {
    const user = newUserId();
    const response = await invoke(
      profilesApi,
      httpEvent('PUT /me', { caller: user, body: { displayName: '📷'.repeat(64), bio: 'é'.repeat(500) } }),
    );
    expect(response.statusCode).toBe(200);
    expect([...(response.json.displayName as string)]).toHaveLength(64);
  });
});

describe('GET /users/{userId}', () => {
  it('serves a public profile cache-aside and replaces the cache entry with a marker when the profile changes', async () => {
    const user = newUserId();
    const key = `profile:${user}`;
    await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Linus' } }));
    // The write left a marker that keeps racing reads from filling the cache; as if it had expired:
    await stores.redis().del(key);
    const viewer = newUserId();
    const first = await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: viewer, pathParameters: { userId: user } }),
    );
    expect(first.statusCode).toBe(200);
    expect(first.json).toEqual({
      userId: user,
      displayName: 'Linus',
      bio: null,
      photoCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.parse((await stores.redis().get(key)) ?? 'null')).toEqual(first.json);
    const ttl = await stores.redis().ttl(key);
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(330);

    await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Linus T.' } }));
    expect(JSON.parse((await stores.redis().get(key)) ?? 'null')).toEqual({
      invalidatedAt: expect.any(String),
    });
    const after = await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: viewer, pathParameters: { userId: user } }),
    );
    expect(after.json.displayName).toBe('Linus T.');
  });
});
