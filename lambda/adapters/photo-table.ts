/**
 * DynamoDB access for photo metadata.
 *
 * Key design (one item per photo; access patterns first):
 *   pk = "PHOTO#<photoId>", sk = "PHOTO"            get / delete a photo by id (the only thing a
 *                                                    URL carries); writes spread over partitions.
 *   gsi1pk = "OWNER#<ownerId>", gsi1sk = "<createdAt>#<photoId>"   index `byOwner`: a user's photos,
 *                                                    newest first (ScanIndexForward=false).
 *   gsi2pk = "FEED", gsi2sk = "<createdAt>#<photoId>"              index `feed`: everyone's recent
 *                                                    photos, newest first.
 *   expiresAt (epoch seconds)                        TTL: set while PENDING (abandoned uploads expire)
 *                                                    and REJECTED; removed when the photo is READY.
 * Both indexes are sparse: the gsi attributes are written only when a photo becomes READY, so the
 * listings contain READY photos only without a filter (Limit is exact, no wasted reads).
 * The single "FEED" partition takes every READY write (about 1,000 writes/s per partition); shard
 * it ("FEED#<n>", merged on read) if uploads ever approach that rate.
 *
 * Cursors are opaque base64url JSON holding only the index sort value. The query's partition key is
 * always rebuilt from the request (path user id or FEED), so a cursor cannot be turned into a read
 * of another user's listing, and cursors of one listing are refused by the other.
 */
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
import { photoFromItem, photoPk } from './photo-item';
import type { PhotoPage, PhotoRepository } from '../domain/photo-service';
import type { Photo } from '../domain/photos';
import { isPhotoId } from '../domain/identifiers';
import { ValidationError } from '../shared/errors';

export const PHOTO_SK = 'PHOTO';
export const OWNER_INDEX = 'byOwner';
export const FEED_INDEX = 'feed';
const FEED_PK = 'FEED';
const DEPENDENCY = 'Photo metadata store';

const ownerPk = (ownerId: string): string => `OWNER#${ownerId}`;
const listingSk = (photo: { createdAt: string; photoId: string }): string =>
  `${photo.createdAt}#${photo.photoId}`;

const LISTING_SK = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)#([0-9a-f-]{36})$/;

type Scope = 'owner' | 'feed';

export function createDocumentClient(region: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function encodeCursor(scope: Scope, sortValue: string): string {
  return Buffer.from(JSON.stringify({ s: scope, k: sortValue }), 'utf8').toString('base64url');
}

function decodeCursor(scope: Scope, cursor: string): { sortValue: string; photoId: string } {
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
  return { sortValue: k, photoId: match[2] };
}

export class DynamoPhotoRepository implements PhotoRepository {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createPending(photo: Photo): Promise<void> {
    await guardDependency(DEPENDENCY, () =>
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: photoPk(photo.photoId), sk: PHOTO_SK, ...photo },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
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

  async markReady(photoId: string, now: Date): Promise<boolean> {
    const photo = await this.get(photoId);
    if (photo?.status !== 'PENDING') return false;
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        UpdateExpression:
          'SET #status = :ready, updatedAt = :now, gsi1pk = :gsi1pk, gsi1sk = :listingSk, gsi2pk = :feed, gsi2sk = :listingSk REMOVE expiresAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':ready': 'READY',
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':gsi1pk': ownerPk(photo.ownerId),
          ':feed': FEED_PK,
          ':listingSk': listingSk(photo),
        },
      }),
    );
  }

  async markRejected(photoId: string, reason: string, now: Date, expiresAt: number): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        UpdateExpression:
          'SET #status = :rejected, updatedAt = :now, rejectionReason = :reason, expiresAt = :expiresAt',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':rejected': 'REJECTED',
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':reason': reason,
          ':expiresAt': expiresAt,
        },
      }),
    );
  }

  async deleteOwned(photoId: string, ownerId: string): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: photoPk(photoId), sk: PHOTO_SK },
        ConditionExpression: 'ownerId = :ownerId',
        ExpressionAttributeValues: { ':ownerId': ownerId },
      }),
    );
  }

  listByOwner(ownerId: string, limit: number, cursor?: string): Promise<PhotoPage> {
    return this.list('owner', OWNER_INDEX, 'gsi1pk', 'gsi1sk', ownerPk(ownerId), limit, cursor);
  }

  listFeed(limit: number, cursor?: string): Promise<PhotoPage> {
    return this.list('feed', FEED_INDEX, 'gsi2pk', 'gsi2sk', FEED_PK, limit, cursor);
  }

  private async list(
    scope: Scope,
    indexName: string,
    partitionAttribute: string,
    sortAttribute: string,
    partitionValue: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<PhotoPage> {
    const start = cursor === undefined ? undefined : decodeCursor(scope, cursor);
    const result = await guardDependency(DEPENDENCY, () =>
      this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionAttribute },
          ExpressionAttributeValues: { ':pk': partitionValue },
          ScanIndexForward: false,
          Limit: limit,
          ...(start
            ? {
                ExclusiveStartKey: {
                  pk: photoPk(start.photoId),
                  sk: PHOTO_SK,
                  [partitionAttribute]: partitionValue,
                  [sortAttribute]: start.sortValue,
                },
              }
            : {}),
        }),
      ),
    );
    const items = (result.Items ?? []).map(photoFromItem);
    const last: unknown = result.LastEvaluatedKey?.[sortAttribute];
    return { items, ...(typeof last === 'string' ? { nextCursor: encodeCursor(scope, last) } : {}) };
  }

  private async conditional(command: UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      await guardDependency(DEPENDENCY, () => this.documents.send(command as UpdateCommand));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
