/**
 * The stream processor fed with DynamoDB Local's real stream records: counting, replays, a poisoned
 * record, TTL expiry of abandoned uploads (synthetic REMOVE, since DynamoDB Local never expires
 * items), and out-of-order delivery.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { PostgresProfileStore, createDatabasePool } from '../../lambda/adapters/profile-database';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { httpEvent, invoke, lambdaContext } from './support/http';
import {
  createReadyPhoto,
  createUpload,
  imageBytes,
  isReadyRecord,
  newUserId,
  putBytes,
} from './support/photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());

beforeAll(() => stream.start());
afterAll(() => Promise.all([stores.close(), disposeProfiles(), disposeStream()]));

async function processBatch(records: DynamoDBRecord[]): Promise<string[]> {
  const response = await streamProcessor(streamEvent(records), lambdaContext);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

async function userWithProfile(): Promise<string> {
  const user = newUserId();
  await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Streamer' } }));
  return user;
}

async function countingState(user: string): Promise<unknown> {
  const { rows } = await stores.db.query(
    'SELECT photo_id, removed_at IS NOT NULL AS removed FROM counted_photos WHERE user_id = $1 ORDER BY photo_id',
    [user],
  );
  return { count: await stores.photoCount(user), ledger: rows };
}

const recordsOf = (records: DynamoDBRecord[], photoId: string): DynamoDBRecord[] =>
  records.filter((record) => record.dynamodb?.Keys?.pk?.S === `PHOTO#${photoId}`);

/** A user whose one READY photo was deleted, and that photo's stream records (INSERT, MODIFY, REMOVE). */
async function deletedPhotoHistory() {
  const user = await userWithProfile();
  const photo = await createReadyPhoto(user);
  await invoke(
    photosApi,
    httpEvent('DELETE /photos/{photoId}', { caller: user, pathParameters: { photoId: photo.photoId } }),
  );
  return { user, photo, records: recordsOf(await stream.read(), photo.photoId) };
}

describe('stream processor', () => {
  it('counts READY photos once even when the batch is replayed', async () => {
    const user = await userWithProfile();
    await createReadyPhoto(user);
    await createReadyPhoto(user);
    await createUpload(user); // PENDING: not counted
    const records = await stream.read();
    expect(await processBatch(records)).toEqual([]);
    expect(await stores.photoCount(user)).toBe(2);
    const state = await countingState(user);

    expect(await processBatch(records)).toEqual([]);
    expect(await processBatch(records.slice(records.length - 2))).toEqual([]);
    expect(await countingState(user)).toEqual(state);
  });

  it('uncounts and deletes the object of a deleted photo, idempotently', async () => {
    const { user, photo, records } = await deletedPhotoHistory();
    // INSERT (PENDING), MODIFY (PROCESSING), MODIFY (READY), REMOVE.
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'REMOVE']);
    expect(await processBatch(records)).toEqual([]);
    expect(await stores.photoCount(user)).toBe(0);
    expect(await stores.objectExists(photo.objectKey)).toBe(false);
    const state = await countingState(user);

    // A replay of the whole history, or of just the READY record, leaves the same state.
    expect(await processBatch(records)).toEqual([]);
    expect(await processBatch(records.filter(isReadyRecord))).toEqual([]);
    expect(await countingState(user)).toEqual(state);
  });

  it('reports a poisoned record as the only failure and applies the others', async () => {
    const user = await userWithProfile();
    const first = await createReadyPhoto(user);
    const second = await createReadyPhoto(user);
    const records = await stream.read();
    const firstReady = recordsOf(records, first.photoId).find(isReadyRecord) as DynamoDBRecord;
    const secondReady = recordsOf(records, second.photoId).find(isReadyRecord) as DynamoDBRecord;
    const poisoned: DynamoDBRecord = {
      ...firstReady,
      eventID: 'poison',
      dynamodb: {
        ...firstReady.dynamodb,
        SequenceNumber: '999999999999999999999',
        NewImage: { ...firstReady.dynamodb?.NewImage, ownerId: { S: 'not#valid' } },
      },
    };
    expect(await processBatch([firstReady, poisoned, secondReady])).toEqual(['999999999999999999999']);
    expect(await stores.photoCount(user)).toBe(2);
  });

  it('deletes the object of an upload that TTL expired, without touching the count', async () => {
    const user = await userWithProfile();
    const upload = await createUpload(user, { contentType: 'image/jpeg', sizeBytes: 64 });
    await putBytes(upload, imageBytes(64)); // bytes arrived, but upload-complete never ran
    const insert = recordsOf(await stream.read(), upload.photoId)[0];
    expect(insert.eventName).toBe('INSERT');
    const ttlRemove: DynamoDBRecord = {
      ...insert,
      eventID: 'ttl',
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: {
        Keys: insert.dynamodb?.Keys,
        OldImage: insert.dynamodb?.NewImage,
        SequenceNumber: '999999999999999999998',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    expect(await stores.objectExists(upload.objectKey)).toBe(true);
    expect(await processBatch([ttlRemove])).toEqual([]);
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
    expect(await stores.photoCount(user)).toBe(0);
    expect(await processBatch([ttlRemove])).toEqual([]);
  });

  it('never counts a photo whose REMOVE was processed before its READY record', async () => {
    const { user, records } = await deletedPhotoHistory();
    expect(await processBatch([...records].reverse())).toEqual([]);
    expect(await stores.photoCount(user)).toBe(0);
  });

  it('counts photos uploaded before the profile existed when the profile is created', async () => {
    const user = newUserId();
    await createReadyPhoto(user);
    expect(await processBatch(await stream.read())).toEqual([]);
    const created = await invoke(
      profilesApi,
      httpEvent('PUT /me', { caller: user, body: { displayName: 'Late' } }),
    );
    expect(created.json.photoCount).toBe(1);
  });

  it('counts a photo once when two containers deliver its READY record at the same time', async () => {
    const user = await userWithProfile();
    const pool = createDatabasePool({
      host: '127.0.0.1',
      port: Number(process.env.DB_PORT),
      database: process.env.DB_NAME as string,
      user: 'app_user',
      tls: false,
      region: 'us-east-1',
    });
    const ledgers = [new PostgresProfileStore(pool), new PostgresProfileStore(pool)];
    try {
      const photoId = 'c0ffee00-1111-4222-8333-444455556666';
      const counted = await Promise.all(
        ledgers.flatMap((ledger) => [ledger.count(user, photoId), ledger.count(user, photoId)]),
      );
      expect(counted.filter(Boolean)).toHaveLength(1);
      const uncounted = await Promise.all(ledgers.map((ledger) => ledger.uncount(user, photoId)));
      expect(uncounted.filter(Boolean)).toHaveLength(1);
      expect(await stores.photoCount(user)).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
