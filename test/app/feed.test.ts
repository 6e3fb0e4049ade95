/**
 * The sharded feed on DynamoDB Local: pages merged newest first over every shard, pagination that
 * neither repeats nor skips while photos keep arriving, what a page costs in queries, the unsharded
 * partition kept readable during the migration and emptied by the reshard step, the write units of
 * the largest feed entry, and the cursors refused. The tests use tables of their own (and the
 * repository wired as the handlers wire it), so the photos of other test files do not show.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod/mini';
import { MAX_CAPTION_CHARACTERS, MAX_PHOTO_BYTES } from '../../contract/limits';
import { CreatePhotoRequest } from '../../contract/schemas';
import {
  DynamoPhotoRepository,
  LEGACY_FEED_PK,
  createDocumentClient,
  feedShardOf,
  feedShardPk,
} from '../../lambda/adapters/photo-table';
import { isUserId } from '../../lambda/domain/identifiers';
import {
  newPendingPhoto,
  toCreatePhotoRequest,
  type CreatePhotoRequest as PhotoRequest,
} from '../../lambda/domain/photos';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { ValidationError } from '../../lambda/shared/errors';
import { FEED_WRITE_UNITS } from '../../lib/config';
import { reshardFeed } from '../../scripts/feed-reshard';
import { createPhotoTable } from '../../scripts/local/engines';
import { httpEvent, invoke } from './support/http';
import { createReadyPhoto, newUserId } from './support/photos';
import { Stores, dynamoDbEndpoint } from './support/stores';

const region = process.env.AWS_REGION ?? 'us-east-1';
const stores = new Stores();
const tables: string[] = [];
const clients: DynamoDBDocumentClient[] = [];

afterAll(async () => {
  const admin = new DynamoDBClient({ region });
  await Promise.all(tables.map((TableName) => admin.send(new DeleteTableCommand({ TableName }))));
  admin.destroy();
  for (const client of clients) client.destroy();
  await stores.close();
});

/** A document client that counts the Query calls sent through it. */
function documentClient(): { documents: DynamoDBDocumentClient; queries: () => number } {
  const documents = createDocumentClient(region);
  clients.push(documents);
  let queries = 0;
  documents.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'QueryCommand') queries += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countQueries' },
  );
  return { documents, queries: () => queries };
}

/** A photo table of its own, and repositories of any feed layout over it. */
async function feedTable() {
  const name = `feed-${randomUUID()}`;
  await createPhotoTable(dynamoDbEndpoint(), name);
  tables.push(name);
  const { documents, queries } = documentClient();
  return {
    name,
    documents,
    queries,
    repository: (shards: number, readLegacyPartition = false) =>
      new DynamoPhotoRepository(documents, name, { shards, readLegacyPartition }),
  };
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (minute: number): Date => new Date(T0 + minute * 60_000);
const SMALL_PHOTO: PhotoRequest = { contentType: 'image/png', sizeBytes: 2048 };
/** What the processing function would record; these listings only need a READY item. */
const SOME_RENDITIONS = { thumbnail: { width: 256, height: 192 }, display: { width: 1600, height: 1200 } };

/** A photo created at `minute` and made READY as the upload verifier does; its id. */
async function readyPhoto(
  repository: DynamoPhotoRepository,
  minute: number,
  options: { ownerId?: string; request?: PhotoRequest } = {},
): Promise<string> {
  const photo = newPendingPhoto({
    photoId: randomUUID(),
    ownerId: options.ownerId ?? newUserId(),
    request: options.request ?? SMALL_PHOTO,
    now: at(minute),
    pendingTtlSeconds: 3600,
  });
  if (!(await repository.createPending(photo, 20))) throw new Error('no upload slot');
  if (!(await repository.markProcessing(photo.photoId, at(minute), 0))) throw new Error('not verified');
  if (!(await repository.markReady(photo.photoId, at(minute), SOME_RENDITIONS))) {
    throw new Error('not marked READY');
  }
  return photo.photoId;
}

/** Every page of the feed, in order; `between` runs after each page that has a next one. */
async function walkFeed(
  repository: DynamoPhotoRepository,
  limit: number,
  between: (cursor: string) => Promise<void> = () => Promise.resolve(),
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await repository.listFeed(limit, cursor);
    pages.push(page.items.map((photo) => photo.photoId));
    cursor = page.nextCursor;
    if (cursor !== undefined) await between(cursor);
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

/** Newest first, as the feed lists them. */
const newestFirst = (photos: ReadonlyMap<string, number>): string[] =>
  [...photos.entries()].sort(([, a], [, b]) => b - a).map(([photoId]) => photoId);

async function feedPartitionOf(table: { name: string; documents: DynamoDBDocumentClient }, photoId: string) {
  const { Item } = await table.documents.send(
    new GetCommand({ TableName: table.name, Key: { pk: `PHOTO#${photoId}`, sk: 'PHOTO' } }),
  );
  return Item?.gsi2pk as string | undefined;
}

/** Puts a READY photo's feed entry where the unsharded version of the app wrote it. */
async function moveToLegacyPartition(
  table: { name: string; documents: DynamoDBDocumentClient },
  photoId: string,
) {
  await table.documents.send(
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: `PHOTO#${photoId}`, sk: 'PHOTO' },
      UpdateExpression: 'SET gsi2pk = :legacy',
      ExpressionAttributeValues: { ':legacy': LEGACY_FEED_PK },
    }),
  );
}

describe.each([1, 4])('a feed of %i shard(s)', (shards) => {
  it('writes each READY photo to the shard of its id and lists them newest first over all shards', async () => {
    const table = await feedTable();
    const repository = table.repository(shards);
    const photos = new Map<string, number>();
    // Created out of order, so that the order comes from the merge, not from the writes.
    for (const minute of [17, 3, 29, 11, 0, 23, 8, 35, 14, 5, 31, 20, 2, 26, 38, 9, 33, 12, 6, 39]) {
      photos.set(await readyPhoto(repository, minute), minute);
    }
    const partitions = new Set<string | undefined>();
    for (const photoId of photos.keys()) {
      const partition = await feedPartitionOf(table, photoId);
      expect(partition).toBe(feedShardPk(feedShardOf(photoId, shards)));
      partitions.add(partition);
    }
    if (shards === 1) expect(partitions.size).toBe(1);
    else expect(partitions.size).toBeGreaterThan(1);

    const whole = await repository.listFeed(100);
    expect(whole.items.map((photo) => photo.photoId)).toEqual(newestFirst(photos));
    expect(whole.nextCursor).toBeUndefined();
    const pages = await walkFeed(repository, 7);
    expect(pages.map((page) => page.length)).toEqual([7, 7, 6]);
    expect(pages.flat()).toEqual(newestFirst(photos));
  });

  it('pages without duplicates or gaps while photos keep arriving between pages', async () => {
    const table = await feedTable();
    const repository = table.repository(shards);
    const listed = new Map<string, number>();
    for (let minute = 0; minute < 50; minute += 2) listed.set(await readyPhoto(repository, minute), minute);

    let arrivals = 0;
    const pages = await walkFeed(repository, 10, async (cursor) => {
      const cursorMinute = (Date.parse(decodedSortValue(cursor).slice(0, 24)) - T0) / 60_000;
      arrivals += 1;
      // Newer than the first page: a later first page shows it, this walk does not.
      await readyPhoto(repository, 100 + arrivals);
      // Created before the cursor, READY only now: older than the cursor, so this walk lists it.
      listed.set(await readyPhoto(repository, cursorMinute - 3), cursorMinute - 3);
    });
    expect(arrivals).toBe(2);
    expect(pages.flat()).toEqual(newestFirst(listed));
    expect(new Set(pages.flat()).size).toBe(pages.flat().length);
  });
});

/** The sort value a cursor carries (its format is the adapter's; tests only read it). */
function decodedSortValue(cursor: string): string {
  return (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: string }).k;
}

describe('what a page costs', () => {
  it('takes one query per shard for a page of 20, one more while the unsharded partition is read', async () => {
    const table = await feedTable();
    const owner = newUserId();
    for (let minute = 0; minute < 45; minute += 1) {
      await readyPhoto(table.repository(4), minute, minute % 3 === 0 ? { ownerId: owner } : {});
    }
    const cost = async (read: () => Promise<unknown>): Promise<number> => {
      const before = table.queries();
      await read();
      return table.queries() - before;
    };
    const sharded = table.repository(4);
    const first = await sharded.listFeed(20);
    expect(first.items).toHaveLength(20);
    expect(await cost(() => sharded.listFeed(20))).toBe(4);
    expect(await cost(() => sharded.listFeed(20, first.nextCursor))).toBe(4);
    expect(await cost(() => table.repository(4, true).listFeed(20))).toBe(5);
    expect(await cost(() => table.repository(1).listFeed(20))).toBe(1);
    expect(await cost(() => sharded.listByOwner(owner, 20))).toBe(1);
  });

  it('keeps the cursor one small value whatever the shard count, valid across a change of it', async () => {
    const table = await feedTable();
    const photos = new Map<string, number>();
    for (let minute = 0; minute < 12; minute += 1)
      photos.set(await readyPhoto(table.repository(4), minute), minute);
    const four = await table.repository(4).listFeed(5);
    const many = await table.repository(32).listFeed(5);
    expect(many.nextCursor).toBe(four.nextCursor);
    expect(many.nextCursor?.length).toBeLessThan(120);
    // A cursor from a reader of 32 shards resumes on a reader of 4: the items are where they were.
    const rest = await table.repository(4).listFeed(100, many.nextCursor);
    expect([...many.items, ...rest.items].map((photo) => photo.photoId)).toEqual(newestFirst(photos));
  });
});

describe('the unsharded feed of earlier versions', () => {
  it('stays listed while the stage reads it, and the reshard step moves it onto the shards', async () => {
    const table = await feedTable();
    const writer = table.repository(4);
    const legacy = new Map<string, number>();
    const sharded = new Map<string, number>();
    for (let minute = 0; minute < 24; minute += 1) {
      const photoId = await readyPhoto(writer, minute);
      if (minute % 2 === 0) {
        await moveToLegacyPartition(table, photoId);
        legacy.set(photoId, minute);
      } else {
        sharded.set(photoId, minute);
      }
    }
    const all = new Map([...legacy, ...sharded]);
    const migrating = table.repository(4, true);
    expect((await walkFeed(migrating, 5)).flat()).toEqual(newestFirst(all));
    // Without the legacy read, the unsharded photos would be missing until the step has run.
    expect((await walkFeed(table.repository(4), 5)).flat()).toEqual(newestFirst(sharded));
    const beforeStep = await migrating.listFeed(5);

    await expect(
      reshardFeed(table.documents, { tableName: table.name, shards: 4, movesPerSecond: 1000 }),
    ).resolves.toEqual({ moved: legacy.size, skipped: 0 });
    for (const photoId of legacy.keys()) {
      expect(await feedPartitionOf(table, photoId)).toBe(feedShardPk(feedShardOf(photoId, 4)));
    }
    await expect(
      reshardFeed(table.documents, { tableName: table.name, shards: 4, movesPerSecond: 1000 }),
    ).resolves.toEqual({ moved: 0, skipped: 0 });

    const after = table.repository(4);
    expect((await walkFeed(after, 5)).flat()).toEqual(newestFirst(all));
    // A cursor issued during the migration goes on after it, on a reader without the legacy read.
    const rest = await after.listFeed(100, beforeStep.nextCursor);
    expect([...beforeStep.items, ...rest.items].map((photo) => photo.photoId)).toEqual(newestFirst(all));
  });

  it('lists a photo once when it shows in two partitions at once, as it can while the step moves it', async () => {
    const table = await feedTable();
    const photos = new Map<string, number>();
    for (let minute = 0; minute < 10; minute += 1)
      photos.set(await readyPhoto(table.repository(1), minute), minute);
    // The legacy partition's query answered with shard 0's entries: every photo shows twice.
    const { documents } = documentClient();
    documents.middlewareStack.add(
      (next) => (args) => {
        const input = args.input as { ExpressionAttributeValues?: Record<string, unknown> };
        if (input.ExpressionAttributeValues?.[':pk'] === LEGACY_FEED_PK) {
          input.ExpressionAttributeValues[':pk'] = feedShardPk(0);
        }
        return next(args);
      },
      { step: 'initialize', name: 'legacyAnswersWithShardZero' },
    );
    const doubled = new DynamoPhotoRepository(documents, table.name, {
      shards: 1,
      readLegacyPartition: true,
    });
    const pages = await walkFeed(doubled, 4);
    expect(pages.flat()).toEqual(newestFirst(photos));
    expect(pages.map((page) => page.length)).toEqual([4, 4, 2]);
  });

  it('leaves a photo deleted while the step runs deleted, rather than writing a stub of it', async () => {
    const table = await feedTable();
    const writer = table.repository(2);
    const kept = await readyPhoto(writer, 1);
    const deleted = await readyPhoto(writer, 2);
    await moveToLegacyPartition(table, kept);
    await moveToLegacyPartition(table, deleted);
    // The owner deletes `deleted` after the step has listed it and before it moves it.
    const { documents } = documentClient();
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: { pk?: string } }).Key;
        if (context.commandName === 'UpdateItemCommand' && key?.pk === `PHOTO#${deleted}`) {
          await table.documents.send(new DeleteCommand({ TableName: table.name, Key: key }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'deleteDuringTheStep' },
    );
    await expect(
      reshardFeed(documents, { tableName: table.name, shards: 2, movesPerSecond: 1000 }),
    ).resolves.toEqual({ moved: 1, skipped: 1 });
    expect(await feedPartitionOf(table, kept)).toBe(feedShardPk(feedShardOf(kept, 2)));
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.name, Key: { pk: `PHOTO#${deleted}`, sk: 'PHOTO' } }),
    );
    expect(Item).toBeUndefined();
  });

  it('moves the entries of dropped shards when the shard count is lowered', async () => {
    const table = await feedTable();
    const photos = new Map<string, number>();
    for (let minute = 0; minute < 20; minute += 1)
      photos.set(await readyPhoto(table.repository(4), minute), minute);
    const onDropped = [...photos.keys()].filter((photoId) => feedShardOf(photoId, 4) >= 2);
    expect(onDropped.length).toBeGreaterThan(0);
    await expect(
      reshardFeed(table.documents, { tableName: table.name, shards: 2, movesPerSecond: 1000 }),
    ).resolves.toEqual({ moved: onDropped.length, skipped: 0 });
    expect((await walkFeed(table.repository(2), 6)).flat()).toEqual(newestFirst(photos));
  });
});

describe('write units of a feed entry', () => {
  /** Asks for the index units of every write and records the `feed` index's. */
  function feedWriteUnits(documents: DynamoDBDocumentClient): number[] {
    const units: number[] = [];
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        if (!['UpdateItemCommand', 'DeleteItemCommand'].includes(context.commandName ?? ''))
          return next(args);
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const consumed = (
          result.output as {
            ConsumedCapacity?: { GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> };
          }
        ).ConsumedCapacity;
        const feed = consumed?.GlobalSecondaryIndexes?.feed?.CapacityUnits;
        if (feed !== undefined) units.push(feed);
        return result;
      },
      { step: 'initialize', name: 'feedWriteUnits' },
    );
    return units;
  }

  it('costs at most FEED_WRITE_UNITS for the largest photo the contract allows, to list and to remove', async () => {
    const table = await feedTable();
    const { documents } = documentClient();
    const units = feedWriteUnits(documents);
    const repository = new DynamoPhotoRepository(documents, table.name, {
      shards: 2,
      readLegacyPartition: false,
    });
    const largest = {
      // As long as any type's name (a stored photo's may be image/heic, of the same length).
      contentType: 'image/jpeg',
      sizeBytes: MAX_PHOTO_BYTES,
      // 4 bytes each in UTF-8; the contract counts code points.
      caption: '\u{1F4F7}'.repeat(MAX_CAPTION_CHARACTERS),
    };
    // The API would take it: the contract's own schema and owner id format.
    const accepted = z.safeParse(CreatePhotoRequest, largest);
    if (!accepted.success) throw new Error('the contract refuses the largest photo');
    const ownerId = 'u'.repeat(128);
    expect(isUserId(ownerId)).toBe(true);

    const large = await readyPhoto(repository, 1, { ownerId, request: toCreatePhotoRequest(accepted.data) });
    expect(await repository.deleteOwned(large, ownerId)).toBe(true);
    const typicalOwner = newUserId();
    const typical = await readyPhoto(repository, 2, { ownerId: typicalOwner });
    expect(await repository.deleteOwned(typical, typicalOwner)).toBe(true);
    // READY and removed: the largest photo, then a typical one (a UUID owner, no caption).
    expect(units).toEqual([FEED_WRITE_UNITS, FEED_WRITE_UNITS, 1, 1]);
  });
});

describe('cursors', () => {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const sortValue = `2026-03-01T12:00:00.000Z#${randomUUID()}`;
  const refused: Array<[string, string]> = [
    ['per-shard positions', b64({ s: 'feed', k: sortValue, p: { 'FEED#0': sortValue } })],
    ['a shard key in place of the sort value', b64({ s: 'feed', k: 'FEED#1' })],
    ['a sort value without a photo id', b64({ s: 'feed', k: '2026-03-01T12:00:00.000Z#FEED' })],
    ['a user listing cursor', b64({ s: 'owner', k: sortValue })],
    ['no JSON', Buffer.from('FEED#0').toString('base64url')],
  ];

  it.each(refused)(
    'answers 400 to a feed cursor holding %s, and reads and changes nothing',
    async (_name, cursor) => {
      await createReadyPhoto(newUserId());
      const before = await stores.snapshot();
      const response = await invoke(
        photosApi,
        httpEvent('GET /feed', { caller: newUserId(), query: { cursor } }),
      );
      expect(response.statusCode).toBe(400);
      expect(response.json.error).toEqual({
        code: 'VALIDATION_ERROR',
        message: 'cursor: is not a valid cursor for this listing',
      });
      await stores.expectUnchanged(before);

      const table = await feedTable();
      const queriesBefore = table.queries();
      await expect(table.repository(4, true).listFeed(20, cursor)).rejects.toThrow(ValidationError);
      expect(table.queries()).toBe(queriesBefore);
    },
  );
});
