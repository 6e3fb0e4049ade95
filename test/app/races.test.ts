/**
 * Every guard of the data layer against concurrent writers, one test each, with the race decided
 * by the test: one side is held at a Gate at the worst moment (read done, write not sent; or work
 * done, COMMIT not sent) while the other side runs, then let go. Removing the guard makes the test
 * fail; the list of guards and what fails without each is in the README ("Races").
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Pool } from 'pg';
import { PgSqlRunner } from '../../lambda/adapters/pg-sql-runner';
import { PostgresProfileStore } from '../../lambda/adapters/profile-database';
import type { Migration } from '../../lambda/domain/schema-migrations';
import { applyMigrations } from '../../lambda/domain/schema-migrations';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { TooManyPendingUploadsError } from '../../lambda/shared/errors';
import { appUserPool, scratchDatabase } from './support/databases';
import {
  Gate,
  finishedOrWaitingForLock,
  gatedDocuments,
  gatedPool,
  gatedRunner,
  losingFirstAnswer,
  photoStatusWrite,
  slotItemCreation,
  slotRemoval,
  slotReservation,
} from './support/gates';
import { httpEvent, invoke } from './support/http';
import { localPhotos } from './support/photo-service';
import type { LocalPhotosOptions } from './support/photo-service';
import { renditionKeysOf } from '../../lambda/domain/renditions';
import { samplePhoto } from '../../scripts/local/sample-photos';
import {
  createReadyPhoto,
  createUpload,
  imageBytes,
  newUserId,
  notifyUpload,
  putBytes,
} from './support/photos';
import { Stores, tableName } from './support/stores';

const stores = new Stores();
let pool: Pool;
beforeAll(() => {
  pool = appUserPool();
});
afterAll(() => Promise.all([stores.close(), pool.end()]));

const deletePhoto = (caller: string, photoId: string) =>
  invoke(photosApi, httpEvent('DELETE /photos/{photoId}', { caller, pathParameters: { photoId } }));

async function withPhotos<T>(
  options: LocalPhotosOptions,
  work: (photos: ReturnType<typeof localPhotos>) => Promise<T>,
): Promise<T> {
  const photos = localPhotos(options);
  try {
    return await work(photos);
  } finally {
    photos.close();
  }
}

describe('photo items (DynamoDB conditions)', () => {
  it('never lets a new upload overwrite an existing photo item', async () => {
    const existing = await createUpload(newUserId());
    const before = await stores.photoItem(existing.photoId);
    await withPhotos({ newId: () => existing.photoId }, async (photos) => {
      await expect(
        photos.service.createUpload(newUserId(), { contentType: 'image/png', sizeBytes: 10 }),
      ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    });
    expect(await stores.photoItem(existing.photoId)).toEqual(before);
  });

  describe('creates an upload once when DynamoDB applied a write whose answer was lost (the SDK retries it)', () => {
    const cases = [
      { write: 'the photo item', command: 'PutItemCommand', key: '"PHOTO#', earlier: 0 },
      { write: "a user's first slot item", command: 'PutItemCommand', key: '"UPLOADS#', earlier: 0 },
      { write: 'the last free slot', command: 'UpdateItemCommand', key: '"UPLOADS#', earlier: 1 },
    ];
    it.each(cases)('$write', async ({ command, key, earlier }) => {
      const owner = newUserId();
      const max = earlier + 1;
      const before: { photoId: string }[] = [];
      for (let i = 0; i < earlier; i++) before.push(await createUpload(owner));
      let lost = () => 0;
      const created = await withPhotos(
        {
          maxPendingUploadsPerUser: max,
          documents: (client) => {
            const losing = losingFirstAnswer(
              client,
              (name, input) => name === command && input.includes(key),
            );
            lost = losing.lost;
            return losing.documents;
          },
        },
        (photos) => photos.service.createUpload(owner, { contentType: 'image/png', sizeBytes: 10 }),
      );
      expect(lost()).toBe(1);
      expect(await stores.photoItem(created.photo.photoId)).toMatchObject({
        photoId: created.photo.photoId,
        ownerId: owner,
        status: 'PENDING',
      });
      const slots = (await stores.uploadSlots(owner)) ?? {};
      expect(Object.keys(slots).sort()).toEqual(
        [...before.map((u) => u.photoId), created.photo.photoId].sort(),
      );
    });
  });

  it('keeps a photo deleted while its upload is being marked verified deleted, and its listing answers', async () => {
    const owner = newUserId();
    const upload = await createUpload(owner);
    await putBytes(upload, imageBytes(1024));
    const gate = new Gate(1);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, photoStatusWrite('PROCESSING'));
    const outcome = await withPhotos({ documents }, async (photos) => {
      const completing = photos.reconciler.completeUpload(upload.objectKey);
      await gate.arrived(); // verified, PROCESSING not yet written
      expect((await deletePhoto(owner, upload.photoId)).statusCode).toBe(204);
      gate.open();
      return completing;
    });
    const listing = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', { caller: owner, pathParameters: { userId: owner } }),
    );
    expect(listing.statusCode).toBe(200);
    expect(listing.json.items).toEqual([]);
    expect(await stores.photoItem(upload.photoId)).toBeUndefined();
    expect(outcome).toMatchObject({ action: 'DELETE_ORPHAN' });
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
  });

  it('removes the renditions of a photo deleted while they were being written', async () => {
    const owner = newUserId();
    const bytes = await samplePhoto({ format: 'png', width: 64, height: 48 });
    const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: bytes.length });
    await putBytes(upload, bytes);
    await notifyUpload(upload.objectKey, bytes.length);
    const gate = new Gate(1);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, photoStatusWrite('READY'));
    const outcome = await withPhotos({ documents }, async (photos) => {
      const processing = photos.processor.process(upload.photoId);
      await gate.arrived(); // every rendition written, READY not yet
      expect((await deletePhoto(owner, upload.photoId)).statusCode).toBe(204);
      gate.open();
      return processing;
    });
    expect(outcome).toEqual({ action: 'NONE', reason: 'photo changed while processing (now deleted)' });
    expect(await stores.photoItem(upload.photoId)).toBeUndefined();
    // Whenever the stream processor handled the REMOVE (it deletes the original and the renditions
    // it finds), nothing written for the photo outlives it.
    for (const key of renditionKeysOf({ ownerId: owner, photoId: upload.photoId })) {
      expect(await stores.objectExists(key)).toBe(false);
    }
  });

  it('keeps a photo deleted while its upload is being rejected deleted: GET answers 404, not 500', async () => {
    const owner = newUserId();
    const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 256 });
    await putBytes(upload, Buffer.alloc(256, 0x20));
    const gate = new Gate(1);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, photoStatusWrite('REJECTED'));
    const outcome = await withPhotos({ documents }, async (photos) => {
      const completing = photos.reconciler.completeUpload(upload.objectKey);
      await gate.arrived(); // found wrong, REJECTED not yet written
      expect((await deletePhoto(owner, upload.photoId)).statusCode).toBe(204);
      gate.open();
      return completing;
    });
    const response = await invoke(
      photosApi,
      httpEvent('GET /photos/{photoId}', { caller: owner, pathParameters: { photoId: upload.photoId } }),
    );
    expect(response.statusCode).toBe(404);
    expect(await stores.photoItem(upload.photoId)).toBeUndefined();
    expect(outcome).toMatchObject({ action: 'REJECT' });
    expect(await stores.objectExists(upload.objectKey)).toBe(false);
  });

  it("refuses to delete another user's photo even when the service's own check is bypassed", async () => {
    const owner = newUserId();
    const { photoId } = await createReadyPhoto(owner);
    const before = await stores.photoItem(photoId);
    await withPhotos({}, async (photos) => {
      expect(await photos.repository.deleteOwned(photoId, newUserId())).toBe(false);
    });
    expect(await stores.photoItem(photoId)).toEqual(before);
  });
});

describe('upload slots (DynamoDB conditions)', () => {
  const request = { contentType: 'image/png', sizeBytes: 10 } as const;

  it('lets reservations sent at the same instant take only the free slots', async () => {
    const owner = newUserId();
    await createUpload(owner); // one of two slots taken
    const gate = new Gate(3);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, slotReservation);
    const results = await withPhotos({ maxPendingUploadsPerUser: 2, documents }, async (photos) => {
      const attempts = [1, 2, 3].map(() => photos.service.createUpload(owner, request));
      await gate.arrived(3); // all three about to write, none written
      gate.open();
      return Promise.allSettled(attempts);
    });
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(TooManyPendingUploadsError);
    }
    expect(Object.keys((await stores.uploadSlots(owner)) ?? {})).toHaveLength(2);
  });

  it('gives each of two first uploads of a new user a slot of its own', async () => {
    const owner = newUserId();
    const gate = new Gate(2);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, slotItemCreation);
    await withPhotos({ maxPendingUploadsPerUser: 2, documents }, async (photos) => {
      const attempts = [1, 2].map(() => photos.service.createUpload(owner, request));
      await gate.arrived(2); // both found no slot item and are about to create it
      gate.open();
      const created = await Promise.all(attempts);
      expect(Object.keys((await stores.uploadSlots(owner)) ?? {}).sort()).toEqual(
        created.map((upload) => upload.photo.photoId).sort(),
      );
      await expect(photos.service.createUpload(owner, request)).rejects.toThrow(TooManyPendingUploadsError);
    });
  });
});

describe('expired upload slots (DynamoDB condition)', () => {
  it('drops expired slots without failing when TTL removes the slot item at the same moment', async () => {
    const owner = newUserId();
    let now = new Date('2026-11-23T12:00:00Z');
    const request = { contentType: 'image/png', sizeBytes: 10 } as const;
    const gate = new Gate(1);
    const documents = (client: Parameters<typeof gatedDocuments>[0]) =>
      gatedDocuments(client, gate, slotRemoval);
    await withPhotos({ maxPendingUploadsPerUser: 1, clock: () => now, documents }, async (photos) => {
      await photos.service.createUpload(owner, request);
      now = new Date(now.getTime() + 3600_000); // that upload's slot has expired, and with it the item
      const creating = photos.service.createUpload(owner, request);
      await gate.arrived(); // read the expired slot, about to drop it
      await stores.documents.send(
        new DeleteCommand({ TableName: tableName(), Key: { pk: `UPLOADS#${owner}`, sk: 'PENDING' } }),
      );
      gate.open();
      const created = await creating;
      expect(Object.keys((await stores.uploadSlots(owner)) ?? {})).toEqual([created.photo.photoId]);
    });
  });
});

describe('photo counts (PostgreSQL locks and the counted_photos ledger)', () => {
  const store = () => new PostgresProfileStore(pool);
  /** A store whose transactions stop before COMMIT until the gate opens: work done, not yet visible. */
  const beforeCommit = (gate: Gate) =>
    new PostgresProfileStore(gatedPool(pool, gate, (sql) => sql === 'COMMIT'));
  const profile = { displayName: 'Racer', bio: null };

  it('counts a photo that is being counted while the profile is created', async () => {
    const user = newUserId();
    const gate = new Gate(1);
    const counting = beforeCommit(gate).count(user, randomUUID());
    await gate.arrived(); // ledger row written, no profile to add it to yet
    const creating = store().upsert(user, profile, new Date());
    await finishedOrWaitingForLock(stores.db, creating);
    gate.open();
    await expect(counting).resolves.toBe(true);
    await expect(creating).resolves.toMatchObject({ photoCount: 1 });
    expect(await stores.photoCount(user)).toBe(1);
  });

  it('does not count a photo that is being uncounted while the profile is created', async () => {
    const user = newUserId();
    const photoId = randomUUID();
    await store().count(user, photoId);
    const gate = new Gate(1);
    const uncounting = beforeCommit(gate).uncount(user, photoId);
    await gate.arrived(); // ledger row tombstoned, not yet committed
    const creating = store().upsert(user, profile, new Date());
    await finishedOrWaitingForLock(stores.db, creating);
    gate.open();
    await expect(uncounting).resolves.toBe(true);
    await expect(creating).resolves.toMatchObject({ photoCount: 0 });
    expect(await stores.photoCount(user)).toBe(0);
  });

  it('counts a READY record delivered twice at once only once', async () => {
    const user = newUserId();
    await store().upsert(user, profile, new Date());
    const photoId = randomUUID();
    const gate = new Gate(1);
    const first = beforeCommit(gate).count(user, photoId);
    await gate.arrived();
    const second = store().count(user, photoId);
    await finishedOrWaitingForLock(stores.db, second);
    gate.open();
    expect(await Promise.all([first, second])).toEqual([true, false]);
    expect(await stores.photoCount(user)).toBe(1);
  });

  it('uncounts a REMOVE record delivered twice at once only once', async () => {
    const user = newUserId();
    await store().upsert(user, profile, new Date());
    const [kept, removed] = [randomUUID(), randomUUID()];
    await store().count(user, kept);
    await store().count(user, removed);
    const gate = new Gate(1);
    const first = beforeCommit(gate).uncount(user, removed);
    await gate.arrived();
    const second = store().uncount(user, removed);
    await finishedOrWaitingForLock(stores.db, second);
    gate.open();
    expect(await Promise.all([first, second])).toEqual([true, false]);
    expect(await stores.photoCount(user)).toBe(1);
  });

  it('lets a REMOVE replayed after its photo was uncounted change nothing', async () => {
    const user = newUserId();
    await store().upsert(user, profile, new Date());
    const photoId = randomUUID();
    await store().count(user, photoId);
    await store().uncount(user, photoId);
    const before = await stores.snapshot();
    await expect(store().uncount(user, photoId)).resolves.toBe(false);
    await stores.expectUnchanged(before);
  });

  it('never counts a photo whose READY record comes after its REMOVE', async () => {
    const user = newUserId();
    await store().upsert(user, profile, new Date());
    const photoId = randomUUID();
    await expect(store().uncount(user, photoId)).resolves.toBe(false);
    await expect(store().count(user, photoId)).resolves.toBe(false);
    expect(await stores.photoCount(user)).toBe(0);
  });

  it('does not count a removed photo in a profile created after it', async () => {
    const user = newUserId();
    const photoId = randomUUID();
    await store().count(user, photoId);
    await store().uncount(user, photoId);
    await expect(store().upsert(user, profile, new Date())).resolves.toMatchObject({ photoCount: 0 });
  });

  it('never takes a count below zero, even one that drifted from the ledger', async () => {
    const user = newUserId();
    const photoId = randomUUID();
    await store().upsert(user, profile, new Date());
    await store().count(user, photoId);
    // As after restoring profiles from an older backup than the ledger.
    await stores.db.query('UPDATE profiles SET photo_count = 0 WHERE user_id = $1', [user]);
    await expect(store().uncount(user, photoId)).resolves.toBe(true);
    expect(await stores.photoCount(user)).toBe(0);
  });

  it('lets two first PUT /me of one user at once both succeed, on one profile', async () => {
    const user = newUserId();
    const written = await Promise.all([
      store().upsert(user, { displayName: 'First', bio: null }, new Date()),
      store().upsert(user, { displayName: 'Second', bio: null }, new Date()),
    ]);
    expect(written.map((row) => row.userId)).toEqual([user, user]);
    const { rows } = await stores.db.query('SELECT count(*)::int AS n FROM profiles WHERE user_id = $1', [
      user,
    ]);
    expect(rows[0]).toEqual({ n: 1 });
  });
});

describe('schema migrations (advisory lock)', () => {
  it('applies a migration once when two deployments run it at the same time', async () => {
    const database = await scratchDatabase('races');
    try {
      const probe: Migration[] = [
        {
          id: '0001-race-probe',
          sql: ['CREATE TABLE race_probe (n integer)', 'INSERT INTO race_probe VALUES (1)'],
        },
      ];
      const gate = new Gate(1);
      const first = applyMigrations(
        gatedRunner(new PgSqlRunner(database.pool()), gate, (sql) =>
          sql.startsWith('CREATE TABLE race_probe'),
        ),
        probe,
      );
      await gate.arrived(); // found it not applied, about to apply it
      const second = applyMigrations(new PgSqlRunner(database.pool()), probe);
      await finishedOrWaitingForLock(stores.db, second);
      gate.open();
      const [firstReport, secondReport] = await Promise.all([first, second]);
      expect(firstReport.applied).toEqual(['0001-race-probe']);
      expect(secondReport).toMatchObject({ applied: [], alreadyApplied: ['0001-race-probe'] });
      const { rows } = await database.pool().query('SELECT n FROM race_probe');
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await database.drop();
    }
  });
});
