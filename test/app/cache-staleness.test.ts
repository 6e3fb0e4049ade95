/**
 * How stale a cached public profile can be. The races are decided by the test: a reader's database
 * read is held after PostgreSQL answered (gates.ts) while a write and its invalidation go through,
 * then released. Redis unreachable during an invalidation is a handler module loaded against a port
 * nothing listens on, while the rest of the test still sees the real Redis.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { RedisProfileCache } from '../../lambda/adapters/profile-cache';
import type { CacheConnection } from '../../lambda/adapters/profile-cache';
import { PostgresProfileStore, createDatabasePool } from '../../lambda/adapters/profile-database';
import { ProfileService } from '../../lambda/domain/profile-service';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { freePort } from '../../scripts/local/engines';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';
import { Gate, gatedProfileReads } from './support/gates';
import type { IsolatedHandlers } from './support/hangs';
import { withHandlersAt } from './support/hangs';
import { httpEvent, invoke, lambdaContext } from './support/http';
import { createReadyPhoto, isReadyRecord, newUserId } from './support/photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());
const pool = createDatabasePool({
  host: '127.0.0.1',
  port: Number(process.env.DB_PORT),
  database: process.env.DB_NAME as string,
  user: 'app_user',
  tls: false,
  region: 'us-east-1',
});
const store = new PostgresProfileStore(pool);
const caches: RedisProfileCache[] = [];
const isolated: IsolatedHandlers[] = [];

beforeAll(() => stream.start());
afterAll(async () => {
  await Promise.all([...caches.map((cache) => cache.close()), ...isolated.map((h) => h.dispose())]);
  await Promise.all([stores.close(), pool.end(), disposeProfiles(), disposeStream()]);
});

/** A cache on the test Redis, as another Lambda environment would hold it. */
function testCache(windows: Pick<CacheConnection, 'markerTtlMs' | 'fillWindowMs'> = {}): RedisProfileCache {
  const cache = new RedisProfileCache({
    host: '127.0.0.1',
    port: Number(process.env.CACHE_PORT),
    tls: false,
    ttlSeconds: 300,
    ...windows,
  });
  caches.push(cache);
  return cache;
}

/** A profile written behind the handlers, so that no invalidation marker is in the way yet. */
async function seedProfile(user: string, displayName: string): Promise<void> {
  await stores.db.query('INSERT INTO profiles (user_id, display_name) VALUES ($1, $2)', [user, displayName]);
}

const put = (user: string, displayName: string) =>
  invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName } }));
const publicProfile = (user: string) =>
  invoke(profilesApi, httpEvent('GET /users/{userId}', { caller: user, pathParameters: { userId: user } }));
const cachedName = async (user: string): Promise<unknown> =>
  (JSON.parse((await stores.redis().get(`profile:${user}`)) ?? 'null') as { displayName?: unknown } | null)
    ?.displayName;

async function untilGone(key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await stores.redis().exists(key)) === 1) {
    if (Date.now() > deadline) throw new Error(`${key} did not expire within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a cache-aside read racing a write', () => {
  it('never puts back the row it read before a PUT /me that invalidated the profile', async () => {
    const user = newUserId();
    await seedProfile(user, 'Before');
    const gate = new Gate(1);
    const reader = new ProfileService(gatedProfileReads(store, gate), testCache());

    const reading = reader.getPublicProfile(user);
    await gate.arrived();
    expect((await put(user, 'After')).statusCode).toBe(200);
    gate.open();
    // The racing read may answer what it read; it must not leave that in the cache.
    expect((await reading).displayName).toBe('Before');

    expect(await cachedName(user)).toBeUndefined();
    expect((await publicProfile(user)).json.displayName).toBe('After');
  });

  it('does not store a read that outlasted the invalidation marker', async () => {
    const user = newUserId();
    await seedProfile(user, 'Before');
    const cache = testCache({ markerTtlMs: 200, fillWindowMs: 100 });
    const gate = new Gate(1);
    const reader = new ProfileService(gatedProfileReads(store, gate), cache);
    const writer = new ProfileService(store, cache);

    const reading = reader.getPublicProfile(user);
    await gate.arrived();
    await writer.putOwnProfile(user, { displayName: 'After', bio: null });
    await untilGone(`profile:${user}`);
    gate.open();
    await reading;

    expect(await stores.redis().exists(`profile:${user}`)).toBe(0);
    expect((await publicProfile(user)).json.displayName).toBe('After');
  });
});

describe('an invalidation while Redis is unreachable', () => {
  it('answers PUT /me with the written profile, and the old entry lives at most its TTL', async () => {
    const user = newUserId();
    await seedProfile(user, 'Before');
    expect((await publicProfile(user)).json.displayName).toBe('Before');
    const ttlSeconds = Number(process.env.CACHE_TTL_SECONDS ?? 300);

    const written = await withHandlersAt(
      { CACHE_PORT: String(await freePort()) },
      (handlers) =>
        invoke(handlers.profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'After' } })),
      isolated,
    );
    expect(written.statusCode).toBe(200);
    expect(written.json).toMatchObject({ userId: user, displayName: 'After' });
    expect((await invoke(profilesApi, httpEvent('GET /me', { caller: user }))).json.displayName).toBe(
      'After',
    );
    // Others may see the old profile until the entry expires: the bound the README states.
    expect(await cachedName(user)).toBe('Before');
    expect(await stores.redis().ttl(`profile:${user}`)).toBeLessThanOrEqual(Math.ceil(ttlSeconds * 1.1));
  });

  it('reports the stream record for retry, and the retry drops the stale profile', async () => {
    const user = newUserId();
    await seedProfile(user, 'Counted');
    await stream.read();
    expect((await publicProfile(user)).json.photoCount).toBe(0);
    await createReadyPhoto(user);
    const records = await stream.read();
    const ready = records.find(isReadyRecord) as DynamoDBRecord;

    const failed = await withHandlersAt(
      { CACHE_PORT: String(await freePort()) },
      async (handlers) => {
        const response = await handlers.streamProcessor(streamEvent(records), lambdaContext);
        return response.batchItemFailures.map((failure) => failure.itemIdentifier);
      },
      isolated,
    );
    expect(failed).toEqual([ready.dynamodb?.SequenceNumber]);
    expect(await stores.photoCount(user)).toBe(1);
    expect((await publicProfile(user)).json.photoCount).toBe(0);

    const retried = await streamProcessor(streamEvent([ready]), lambdaContext);
    expect(retried.batchItemFailures).toEqual([]);
    expect(await stores.photoCount(user)).toBe(1);
    expect((await publicProfile(user)).json.photoCount).toBe(1);
  });
});
