/**
 * Faults against the real engines: Redis stopped mid-test (the database answers), PostgreSQL
 * stopped (a clear 503, nothing half-written, stream records reported for retry).
 * The engines are restarted on the same ports afterwards for the other test files.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import {
  startPostgresServer,
  startRedisServer,
  stopPostgresServer,
  stopRedisServer,
} from '../../scripts/local/engines';
import { httpEvent, invoke, lambdaContext } from './support/http';
import { createReadyPhoto, isReadyRecord, newUserId } from './support/photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());
const redisPort = Number(process.env.CACHE_PORT);
const pgPort = Number(process.env.DB_PORT);
const pgDataDir = process.env.TEST_PG_DATA_DIR as string;

beforeAll(() => stream.start());
afterAll(async () => {
  // Whatever happened, leave both engines running for the next test file.
  await startRedisServer(redisPort).catch(() => undefined);
  await startPostgresServer(pgDataDir, pgPort).catch(() => undefined);
  await Promise.all([stores.close(), disposeProfiles(), disposeStream()]);
});

const getProfile = (userId: string) =>
  invoke(profilesApi, httpEvent('GET /users/{userId}', { caller: newUserId(), pathParameters: { userId } }));

async function processRecords(records: DynamoDBRecord[]): Promise<string[]> {
  const response = await streamProcessor(streamEvent(records), lambdaContext);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

describe('Redis stopped mid-test', () => {
  it('serves reads and writes from PostgreSQL, quickly, and uses the cache again once Redis is back', async () => {
    const user = newUserId();
    await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Cached' } }));
    expect((await getProfile(user)).json.displayName).toBe('Cached');
    expect(await stores.redis().exists(`profile:${user}`)).toBe(1);

    await stopRedisServer(redisPort);
    // Changed behind the (now unreachable) cache: the answer must come from the database.
    await stores.db.query("UPDATE profiles SET display_name = 'From the database' WHERE user_id = $1", [
      user,
    ]);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const started = Date.now();
      const response = await getProfile(user);
      expect(response.statusCode).toBe(200);
      expect(response.json.displayName).toBe('From the database');
      expect(Date.now() - started).toBeLessThan(1500);
    }
    const put = await invoke(
      profilesApi,
      httpEvent('PUT /me', { caller: user, body: { displayName: 'Written without cache' } }),
    );
    expect(put.statusCode).toBe(200);
    expect((await invoke(profilesApi, httpEvent('GET /me', { caller: user }))).json.displayName).toBe(
      'Written without cache',
    );

    // The stream processor keeps counting without the cache too, and reports the
    // record whose cache entry it could not invalidate, so Lambda retries it.
    await createReadyPhoto(user);
    const records = await stream.read();
    const reported = await processRecords(records);
    expect(reported).toHaveLength(1);
    expect(records.map((r) => r.dynamodb?.SequenceNumber)).toContain(reported[0]);
    expect(await stores.photoCount(user)).toBe(1);

    await startRedisServer(redisPort);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // client back-off, then reconnect
    let cached = 0;
    for (let attempt = 0; attempt < 20 && cached === 0; attempt += 1) {
      await getProfile(user);
      cached = await stores.redis().exists(`profile:${user}`);
      if (cached === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(cached).toBe(1);
  });
});

describe('PostgreSQL stopped', () => {
  it('answers 503, writes nothing, and reports stream records for retry until it is back', async () => {
    const owner = newUserId();
    await invoke(profilesApi, httpEvent('PUT /me', { caller: owner, body: { displayName: 'Owner' } }));
    // The write left its invalidation marker; let it lapse, as it does after 10 s.
    await stores.redis().del(`profile:${owner}`);
    const warm = await getProfile(owner); // cached: still readable while the database is down
    const photo = await createReadyPhoto(owner);
    const readyRecords = await stream.read();
    const newcomer = newUserId();
    const removeRecords: DynamoDBRecord[] = [];

    await stopPostgresServer(pgDataDir);
    try {
      const put = await invoke(
        profilesApi,
        httpEvent('PUT /me', { caller: newcomer, body: { displayName: 'New' } }),
      );
      expect(put.statusCode).toBe(503);
      expect(put.json).toEqual({
        error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'Profile database is temporarily unavailable' },
      });
      const me = await invoke(profilesApi, httpEvent('GET /me', { caller: owner }));
      expect(me.statusCode).toBe(503);
      expect(me.body).not.toMatch(/ECONNREFUSED|\n\s+at /);
      expect((await getProfile(newcomer)).statusCode).toBe(503);
      expect((await getProfile(owner)).json).toEqual(warm.json);

      // Photos do not depend on the database.
      const photos = await invoke(
        photosApi,
        httpEvent('GET /users/{userId}/photos', { caller: owner, pathParameters: { userId: owner } }),
      );
      expect(photos.statusCode).toBe(200);

      // The READY record fails and is reported; the owner's delete removes the object (it needs no
      // database) and fails on the uncount.
      const failed = await processRecords(readyRecords);
      const readySeq = readyRecords.find(isReadyRecord)?.dynamodb?.SequenceNumber;
      expect(failed).toContain(readySeq);
      await invoke(
        photosApi,
        httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId: photo.photoId } }),
      );
      // The stream also carries the pending-change items the failures wrote (pk RECONCILE).
      removeRecords.push(
        ...(await stream.read()).filter((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('PHOTO#')),
      );
      expect(removeRecords.map((record) => record.eventName)).toEqual(['REMOVE']);
      expect(await processRecords(removeRecords)).toHaveLength(1);
      expect(await stores.objectExists(photo.objectKey)).toBe(false);
    } finally {
      await startPostgresServer(pgDataDir, pgPort);
    }

    expect(await stores.profileRow(newcomer)).toBeUndefined();
    expect(await stores.photoCount(owner)).toBe(0);
    // Lambda retries the reported records: the READY then the REMOVE, now applied once each.
    expect(await processRecords(readyRecords)).toEqual([]);
    expect(await stores.photoCount(owner)).toBe(1);
    expect(await processRecords(removeRecords)).toEqual([]);
    expect(await stores.photoCount(owner)).toBe(0);
    expect(await stores.objectExists(photo.objectKey)).toBe(false);
    expect(
      (await invoke(profilesApi, httpEvent('PUT /me', { caller: newcomer, body: { displayName: 'New' } })))
        .statusCode,
    ).toBe(200);
  });
});
