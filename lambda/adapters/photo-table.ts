/**
 * DynamoDB access for photo metadata.
 *
 * Key design (one item per photo; access patterns first):
 *   pk = "PHOTO#<photoId>", sk = "PHOTO"            get / delete a photo by id (the only thing a
 *                                                    URL carries); writes spread over partitions.
 *   gsi1pk = "OWNER#<ownerId>", gsi1sk = "<createdAt>#<photoId>"   index `byOwner`: a user's photos,
 *                                                    newest first (ScanIndexForward=false).
 *   gsi2pk = "FEED#<shard>", gsi2sk = "<createdAt>#<photoId>"      index `feed`: everyone's recent
 *                                                    photos, written over `shards` partitions and
 *                                                    merged newest first on read (see below).
 *   expiresAt (epoch seconds)                        TTL: set while PENDING (abandoned uploads expire),
 *                                                    PROCESSING (a day, should processing never end)
 *                                                    and REJECTED; removed when the photo is READY.
 *   renditions                                       when READY: each rendition's width and height,
 *                                                    "256x192,1600x1200" (photo-item.ts).
 *   pk = "UPLOADS#<ownerId>", sk = "PENDING"        the owner's upload slots: `pending` maps each
 *                                                    PENDING photo id to the epoch second it expires;
 *                                                    its size is the owner's pending count, so the
 *                                                    per-user limit is a condition on one write.
 *                                                    Expired slots are dropped when they stand in the
 *                                                    way; the item's own TTL is its newest slot's.
 * Both indexes are sparse: the gsi attributes are written only when a photo becomes READY, so the
 * listings contain READY photos only without a filter (Limit is exact, no wasted reads).
 *
 * Feed shards. One partition takes about 1,000 write units per second, a throttled index throttles
 * the table's writes behind it, and split-for-heat cannot help a time-ordered sort key (every write
 * lands at the newest end), so every READY photo goes to one of `shards` partitions, "FEED#0" ..
 * "FEED#<shards-1>" (lib/config/feed-capacity.ts sizes them). The shard is a hash of the photo id,
 * not a random pick: every write of a photo's feed key names the same partition, so a repeated
 * write (a retry, the reshard step run twice) changes nothing, and anyone can tell from the id
 * alone where its entry lives. A feed page queries every shard once, in parallel, for up to `limit`
 * items older than the cursor, and merges them newest first: at most `shards` queries (one more
 * while the legacy partition is read), and exact, since each query returns either `limit` items or
 * all its partition holds below the cursor (a Query stops early only at 1 MB, and 100 items of at
 * most 2 KB are far below it). Adding shards needs no migration (the old ones are still read);
 * removing some, or leaving the single "FEED" partition of the unsharded layout, needs the reshard
 * step (scripts/feed-reshard.ts) while readers still read the old partitions.
 *
 * Cursors are opaque base64url JSON holding the listing and the sort value of the page's last
 * item, nothing else. The next page is everything strictly older than it, in every partition of
 * the listing: one small cursor whatever the shard count, valid across a change of it, and no
 * duplicates or gaps while photos keep arriving (sort values are unique, and each page is the
 * newest `limit` of what is older than the last). The query's partition keys are always rebuilt
 * from the request (path user id, or the feed's shards), so a cursor cannot be turned into a read
 * of another user's listing, and cursors of one listing are refused by the other.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { guardDependency } from './aws-errors';
import { PENDING_UPLOADS_SK, encodeRenditions, pendingUploadsPk, photoFromItem, photoPk } from './photo-item';
import { sdkDeadlineConfig } from './sdk-deadline';
import type { SdkDeadline } from './sdk-deadline';
import type { PhotoPage, PhotoRepository } from '../domain/photo-service';
import type { Photo } from '../domain/photos';
import type { RenditionDimensions } from '../domain/renditions';
import { isPhotoId } from '../domain/identifiers';
import { ConflictError, ValidationError } from '../shared/errors';
import { countMetric, logger } from '../shared/powertools';

export const PHOTO_SK = 'PHOTO';
export const OWNER_INDEX = 'byOwner';
export const FEED_INDEX = 'feed';
/** The feed's one partition before it was sharded. */
export const LEGACY_FEED_PK = 'FEED';
const DEPENDENCY = 'Photo metadata store';

/** Where the feed index keeps READY photos (contract/environment.ts: FEED_SHARDS, FEED_READ_LEGACY_PARTITION). */
export interface FeedLayout {
  /** READY photos are written over FEED#0 .. FEED#<shards-1>. */
  readonly shards: number;
  /** Also read LEGACY_FEED_PK, until the reshard step has moved its photos onto the shards. */
  readonly readLegacyPartition: boolean;
}

export const feedShardPk = (shard: number): string => `FEED#${shard}`;

/**
 * The shard of a photo: a hash of its id. Photo ids are random UUIDs, whose own bits would spread
 * as well; the hash keeps the spread even should ids become time-ordered (UUIDv7).
 */
export function feedShardOf(photoId: string, shards: number): number {
  return createHash('sha256').update(photoId).digest().readUInt32BE(0) % shards;
}

const ownerPk = (ownerId: string): string => `OWNER#${ownerId}`;
const listingSk = (photo: { createdAt: string; photoId: string }): string =>
  `${photo.createdAt}#${photo.photoId}`;

/** Reservations refused by a concurrent change of the slot item before the caller gets a 409. */
const MAX_RESERVE_ATTEMPTS = 5;
/** Expired slots dropped per write, to stay under DynamoDB's expression size limit. */
const PRUNE_BATCH = 50;

const LISTING_SK = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([0-9a-f-]{36})$/;

type Scope = 'owner' | 'feed';

/**
 * Single-item reads and writes and 100-item queries answer in milliseconds; 1 s per attempt is far
 * above that, and three attempts (a retry opens a new connection, likely to another host) cost at
 * most 3 × 1 s + 0.3 s back-off = 3.3 s per call (see worstCaseCallMs).
 */
export const DYNAMODB_DEADLINE: SdkDeadline = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1000,
  maxAttempts: 3,
};

export function createDocumentClient(region: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region, ...sdkDeadlineConfig(DYNAMODB_DEADLINE) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function encodeCursor(scope: Scope, sortValue: string): string {
  return Buffer.from(JSON.stringify({ s: scope, k: sortValue }), 'utf8').toString('base64url');
}

/** The sort value a cursor resumes below; refused unless it is one this listing issued. */
function decodeCursor(scope: Scope, cursor: string): string {
  const invalid = new ValidationError('cursor', 'is not a valid cursor for this listing');
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid;
  const { s, k } = parsed as { s?: unknown; k?: unknown };
  if (s !== scope || typeof k !== 'string' || Object.keys(parsed).length !== 2) throw invalid;
  const match = LISTING_SK.exec(k);
  if (!match || !isPhotoId(match[2])) throw invalid;
  return k;
}

export class DynamoPhotoRepository implements PhotoRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly feed: FeedLayout,
  ) {}

  async createPending(photo: Photo, maxPendingPerOwner: number): Promise<boolean> {
    if (!(await this.reserveSlot(photo, maxPendingPerOwner))) return false;
    try {
      await guardDependency(DEPENDENCY, () =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: photoPk(photo.photoId), sk: PHOTO_SK, ...photo },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      // The SDK retries a write whose answer was lost (a timeout, a dropped connection) although
      // DynamoDB applied it: the retry then fails its own condition. Finding exactly this photo
      // there means the earlier attempt wrote it.
      if (isConditionalCheckFailure(error) && isDeepStrictEqual(await this.get(photo.photoId), photo)) {
        return true;
      }
      // Give the slot back now rather than at its expiry; except on an id collision (never seen
      // with random UUIDs), where the slot may be the existing photo's.
      if (!isConditionalCheckFailure(error)) await this.releaseSlot(photo.ownerId, photo.photoId);
      throw error;
    }
    return true;
  }

  async get(photoId: string): Promise<Photo | undefined> {
    const { Item } = await guardDependency(DEPENDENCY, () =>
      this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: photoPk(photoId), sk: PHOTO_SK },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? photoFromItem(Item) : undefined;
  }

  async markProcessing(photoId: string, now: Date, expiresAt: number): Promise<boolean> {
    const updated = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        UpdateExpression: 'SET #status = :processing, updatedAt = :now, expiresAt = :expiresAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':processing': 'PROCESSING',
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':expiresAt': expiresAt,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    // Verified bytes no longer hold an upload slot: processing is the app's work, not the user's.
    const ownerId: unknown = updated?.Attributes?.ownerId;
    if (typeof ownerId === 'string') await this.releaseSlot(ownerId, photoId);
    return updated !== undefined;
  }

  async markReady(photoId: string, now: Date, renditions: RenditionDimensions): Promise<boolean> {
    const photo = await this.get(photoId);
    if (photo?.status !== 'PROCESSING') return false;
    const updated = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        UpdateExpression:
          'SET #status = :ready, updatedAt = :now, renditions = :renditions, gsi1pk = :gsi1pk, gsi1sk = :listingSk, gsi2pk = :feed, gsi2sk = :listingSk REMOVE expiresAt',
        ConditionExpression: '#status = :processing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':ready': 'READY',
          ':processing': 'PROCESSING',
          ':now': now.toISOString(),
          ':renditions': encodeRenditions(renditions),
          ':gsi1pk': ownerPk(photo.ownerId),
          ':feed': feedShardPk(feedShardOf(photoId, this.feed.shards)),
          ':listingSk': listingSk(photo),
        },
      }),
    );
    return updated !== undefined;
  }

  async markRejected(photoId: string, reason: string, now: Date, expiresAt: number): Promise<boolean> {
    const updated = await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        UpdateExpression:
          'SET #status = :rejected, updatedAt = :now, rejectionReason = :reason, expiresAt = :expiresAt',
        ConditionExpression: '#status IN (:pending, :processing)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':rejected': 'REJECTED',
          ':pending': 'PENDING',
          ':processing': 'PROCESSING',
          ':now': now.toISOString(),
          ':reason': reason,
          ':expiresAt': expiresAt,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    // A PENDING photo still held a slot; a PROCESSING one gave it back when it was verified.
    const before = updated?.Attributes;
    if (before?.status === 'PENDING' && typeof before.ownerId === 'string') {
      await this.releaseSlot(before.ownerId, photoId);
    }
    return updated !== undefined;
  }

  async deleteOwned(photoId: string, ownerId: string): Promise<boolean> {
    const deleted = await this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        ConditionExpression: 'ownerId = :ownerId',
        ExpressionAttributeValues: { ':ownerId': ownerId },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (deleted?.Attributes?.status === 'PENDING') await this.releaseSlot(ownerId, photoId);
    return deleted !== undefined;
  }

  listByOwner(ownerId: string, limit: number, cursor?: string): Promise<PhotoPage> {
    return this.listNewest('owner', OWNER_INDEX, 'gsi1pk', 'gsi1sk', [ownerPk(ownerId)], limit, cursor);
  }

  listFeed(limit: number, cursor?: string): Promise<PhotoPage> {
    const partitions = Array.from({ length: this.feed.shards }, (_, shard) => feedShardPk(shard));
    if (this.feed.readLegacyPartition) partitions.push(LEGACY_FEED_PK);
    return this.listNewest('feed', FEED_INDEX, 'gsi2pk', 'gsi2sk', partitions, limit, cursor);
  }

  /**
   * One page of a listing, newest first: each partition is queried once, in parallel, for up to
   * `limit` items older than the cursor, and the newest `limit` of them all are the page.
   */
  private async listNewest(
    scope: Scope,
    indexName: string,
    partitionAttribute: string,
    sortAttribute: string,
    partitions: readonly string[],
    limit: number,
    cursor: string | undefined,
  ): Promise<PhotoPage> {
    const before = cursor === undefined ? undefined : decodeCursor(scope, cursor);
    const results = await Promise.all(
      partitions.map((partition) =>
        guardDependency(DEPENDENCY, () =>
          this.documents.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: indexName,
              KeyConditionExpression: before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
              ExpressionAttributeNames: {
                '#pk': partitionAttribute,
                ...(before === undefined ? {} : { '#sk': sortAttribute }),
              },
              ExpressionAttributeValues: {
                ':pk': partition,
                ...(before === undefined ? {} : { ':before': before }),
              },
              ScanIndexForward: false,
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    const sortValue = (item: Record<string, unknown>): string => String(item[sortAttribute]);
    // Sort values are ASCII, so comparing strings is DynamoDB's byte order. The same photo can show
    // in two partitions for a moment while the reshard step moves it: it is listed once.
    const newest = results
      .flatMap((result) => result.Items ?? [])
      .sort((a, b) => compareDescending(sortValue(a), sortValue(b)))
      .filter((item, index, all) => index === 0 || sortValue(item) !== sortValue(all[index - 1]));
    const page = newest.slice(0, limit);
    const more = newest.length > limit || results.some((result) => result.LastEvaluatedKey !== undefined);
    const last = page.at(-1);
    return {
      items: page.map(photoFromItem),
      ...(more && last !== undefined ? { nextCursor: encodeCursor(scope, sortValue(last)) } : {}),
    };
  }

  /**
   * Takes one of the owner's upload slots for a new PENDING photo; false when all are taken. The
   * limit is the write's own condition, so concurrent reservations cannot overshoot it: DynamoDB
   * applies writes to one item one after another, each seeing the slots the others took.
   */
  private async reserveSlot(photo: Photo, max: number): Promise<boolean> {
    const key = { pk: pendingUploadsPk(photo.ownerId), sk: PENDING_UPLOADS_SK };
    const expiresAt = photo.expiresAt;
    if (expiresAt === undefined) throw new Error('A pending photo needs an expiry');
    const now = Math.floor(Date.parse(photo.createdAt) / 1000);
    for (let attempt = 1; attempt <= MAX_RESERVE_ATTEMPTS; attempt += 1) {
      const reserved = await this.conditional(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET pending.#photo = :expiresAt, expiresAt = :expiresAt',
          ConditionExpression: 'size(pending) < :max',
          ExpressionAttributeNames: { '#photo': photo.photoId },
          ExpressionAttributeValues: { ':expiresAt': expiresAt, ':max': max },
        }),
      );
      if (reserved) return true;
      const slots = await this.slots(key);
      // A retried write whose first attempt DynamoDB applied (its answer lost) is refused when
      // that attempt took the last slot: the slot is this photo's all the same.
      if (slots !== undefined && Object.hasOwn(slots, photo.photoId)) return true;
      if (slots === undefined) {
        // The owner's first upload (or their slot item expired): create it holding this slot.
        const created = await this.conditional(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, pending: { [photo.photoId]: expiresAt }, expiresAt },
            ConditionExpression: 'attribute_not_exists(pending)',
          }),
        );
        if (created) return true;
        continue;
      }
      const expired = Object.keys(slots).filter((photoId) => slots[photoId] <= now);
      if (expired.length === 0) {
        if (Object.keys(slots).length >= max) return false;
        continue; // a slot was given back since the write was refused
      }
      // An expired upload can no longer use its slot (its URL expired before it).
      await this.dropSlots(key, expired);
    }
    throw new ConflictError('Too many uploads are being started at once; retry');
  }

  private async slots(key: Record<string, string>): Promise<Record<string, number> | undefined> {
    const { Item } = await guardDependency(DEPENDENCY, () =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    const pending: unknown = Item?.pending;
    return typeof pending === 'object' && pending !== null ? (pending as Record<string, number>) : undefined;
  }

  private async dropSlots(key: Record<string, string>, photoIds: string[]): Promise<void> {
    for (let start = 0; start < photoIds.length; start += PRUNE_BATCH) {
      const batch = photoIds.slice(start, start + PRUNE_BATCH);
      const names = Object.fromEntries(batch.map((photoId, index) => [`#p${index}`, photoId]));
      await this.conditional(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `REMOVE ${Object.keys(names)
            .map((name) => `pending.${name}`)
            .join(', ')}`,
          ConditionExpression: 'attribute_exists(pending)',
          ExpressionAttributeNames: names,
        }),
      );
    }
  }

  /**
   * Gives a photo's slot back once it is no longer PENDING. Idempotent. If it fails the photo has
   * already changed state, so the request is not failed for it: the slot frees itself at expiry.
   */
  private async releaseSlot(ownerId: string, photoId: string): Promise<void> {
    try {
      await this.dropSlots({ pk: pendingUploadsPk(ownerId), sk: PENDING_UPLOADS_SK }, [photoId]);
    } catch (error) {
      countMetric('UploadSlotReleaseFailed');
      logger.warn('Upload slot not released; it frees itself when it expires', {
        photoId,
        error: (error as Error).message,
      });
    }
  }

  /** Sends a conditional write; undefined when its condition failed. */
  private async conditional<C extends UpdateCommand | DeleteCommand | PutCommand>(
    command: C,
  ): Promise<{ Attributes?: Record<string, unknown> } | undefined> {
    try {
      return await guardDependency(DEPENDENCY, () => this.documents.send(command as UpdateCommand));
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }
}

function compareDescending(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? 1 : -1;
}

function isConditionalCheckFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}
