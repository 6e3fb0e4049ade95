/**
 * Outages longer than the stream's retries: the stream processor deletes removed photos' objects
 * anyway, keeps the whole change in the photo table, and the reconciler finishes it once PostgreSQL
 * is back (photoCount recomputed from the ledger), idempotently.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import {
  dispose as disposeReconciler,
  handler as reconcile,
} from '../../lambda/handlers/reconcile-photo-changes';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';
import { httpEvent, invoke, lambdaContext } from './support/http';
import {
  DELIVERIES,
  deliverUntilExhausted,
  ensurePostgresRunning,
  pendingChangesOf,
  whilePostgresDown,
} from './support/outages';
import { createReadyPhoto, isReadyRecord, newUserId } from './support/photos';
import { Stores, dynamoDbEndpoint, tableName } from './support/stores';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());

beforeAll(() => stream.start());
afterAll(async () => {
  await ensurePostgresRunning();
  await Promise.all([stores.close(), disposeProfiles(), disposeStream(), disposeReconciler()]);
});

async function userWithProfile(): Promise<string> {
  const user = newUserId();
  await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Outlasted' } }));
  return user;
}

async function processed(records: DynamoDBRecord[]): Promise<void> {
  const response = await streamProcessor(streamEvent(records), lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
}

const deletePhoto = (owner: string, photoId: string) =>
  invoke(photosApi, httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId } }));

describe('an outage of PostgreSQL longer than the retries', () => {
  it('deletes removed photos anyway and uncounts them once the reconciler runs after the outage', async () => {
    const owner = await userWithProfile();
    const first = await createReadyPhoto(owner);
    const second = await createReadyPhoto(owner);
    const kept = await createReadyPhoto(owner);
    await processed(await stream.read());
    expect(await stores.photoCount(owner)).toBe(3);

    const failures = await whilePostgresDown(async () => {
      expect((await deletePhoto(owner, first.photoId)).statusCode).toBe(204);
      expect((await deletePhoto(owner, second.photoId)).statusCode).toBe(204);
      const removals = await stream.read();
      expect(removals.map((record) => record.eventName)).toEqual(['REMOVE', 'REMOVE']);
      return deliverUntilExhausted(removals);
    });

    // Every delivery failed both records (the failure queue would get pointers only) ...
    expect(failures.map((failed) => failed.length)).toEqual(Array(DELIVERIES).fill(2));
    // ... yet the object of the first, tried before the database, is gone, and both changes are kept whole.
    expect(await stores.objectExists(first.objectKey)).toBe(false);
    const removed = (photo: typeof first) => ({
      photoId: photo.photoId,
      ownerId: owner,
      objectKey: photo.objectKey,
      change: 'REMOVED',
      createdAt: 'string',
    });
    expect(await pendingChangesOf(stores, [first.photoId, second.photoId])).toEqual(
      [removed(first), removed(second)].sort((a, b) => a.photoId.localeCompare(b.photoId)),
    );
    expect(await stores.photoCount(owner)).toBe(3);

    const result = await reconcile({}, lambdaContext);
    expect(result).toMatchObject({ failed: 0, oldestPendingSeconds: 0 });
    expect(result.applied).toBeGreaterThanOrEqual(2);
    expect(await stores.objectExists(first.objectKey)).toBe(false);
    expect(await stores.objectExists(second.objectKey)).toBe(false);
    expect(await stores.objectExists(kept.objectKey)).toBe(true);
    expect(await stores.photoCount(owner)).toBe(1);
    expect(await pendingChangesOf(stores, [first.photoId, second.photoId])).toEqual([]);

    const settled = await settledState();
    expect(await reconcile({}, lambdaContext)).toMatchObject({ applied: 0, failed: 0 });
    expect(await settledState()).toEqual(settled);
  });

  it('counts an upload that became READY during the outage once the reconciler runs, and only once', async () => {
    const owner = await userWithProfile();
    const { photo, records, failures } = await whilePostgresDown(async () => {
      const upload = await createReadyPhoto(owner);
      const history = await stream.read();
      return { photo: upload, records: history, failures: await deliverUntilExhausted(history) };
    });

    const readySeq = records.find(isReadyRecord)?.dynamodb?.SequenceNumber;
    expect(failures.every((failed) => failed.includes(readySeq as string))).toBe(true);
    expect(await pendingChangesOf(stores, [photo.photoId])).toEqual([
      {
        photoId: photo.photoId,
        ownerId: owner,
        objectKey: photo.objectKey,
        change: 'READY',
        createdAt: 'string',
      },
    ]);
    expect(await stores.photoCount(owner)).toBe(0);
    // A count that drifted (say, restored from a backup) is recomputed from the ledger, not adjusted.
    await stores.db.query('UPDATE profiles SET photo_count = 7 WHERE user_id = $1', [owner]);

    expect(await reconcile({}, lambdaContext)).toMatchObject({ failed: 0 });
    expect(await stores.photoCount(owner)).toBe(1);
    expect(await stores.objectExists(photo.objectKey)).toBe(true);
    expect(await pendingChangesOf(stores, [photo.photoId])).toEqual([]);

    // A run again, or a late stream retry of the same records, counts nothing twice.
    const settled = await settledState();
    expect(await reconcile({}, lambdaContext)).toMatchObject({ applied: 0, failed: 0 });
    await processed(records);
    expect(await settledState()).toEqual(settled);
  });

  it('keeps the changes and fails the run while PostgreSQL is still down', async () => {
    const owner = await userWithProfile();
    const photo = await createReadyPhoto(owner);
    await processed(await stream.read());
    await whilePostgresDown(async () => {
      await deletePhoto(owner, photo.photoId);
      await deliverUntilExhausted(await stream.read());
      await expect(reconcile({}, lambdaContext)).rejects.toThrow(/pending photo change\(s\) left/);
      expect(await pendingChangesOf(stores, [photo.photoId])).toHaveLength(1);
    });
    expect(await reconcile({}, lambdaContext)).toMatchObject({ failed: 0 });
    expect(await stores.photoCount(owner)).toBe(0);
    expect(await pendingChangesOf(stores, [photo.photoId])).toEqual([]);
  });
});

/**
 * Every store's contents, with cache invalidation markers reduced to their
 * kind: a repeated run may invalidate again (a fresh marker, harmless), but
 * must change nothing else.
 */
async function settledState(): Promise<Record<string, unknown>> {
  const snapshot = await stores.snapshot();
  const cache = (snapshot.cache as [string, string | null][]).map(([key, value]): [string, string | null] => [
    key,
    value !== null && value.startsWith('{"invalidatedAt"') ? '<invalidation marker>' : value,
  ]);
  return { ...snapshot, cache };
}
