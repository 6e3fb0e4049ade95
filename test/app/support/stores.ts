/** Direct access to the engines behind the handlers, to arrange state and to assert on it. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { PG_ADMIN_PASSWORD, PG_ADMIN_USER } from '../../../scripts/local/engines';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is the app globalSetup configured?`);
  return value;
};

export const tableName = (): string => env('TABLE_NAME');
export const bucketName = (): string => env('BUCKET_NAME');
export const dynamoDbEndpoint = (): string => env('AWS_ENDPOINT_URL_DYNAMODB');

export class Stores {
  readonly documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: env('AWS_REGION') }));
  readonly s3 = new S3Client({
    region: env('AWS_REGION'),
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  readonly db = new Pool({
    host: '127.0.0.1',
    port: Number(env('DB_PORT')),
    user: PG_ADMIN_USER,
    password: PG_ADMIN_PASSWORD,
    database: env('DB_NAME'),
    max: 2,
  });
  private redisClient: Redis | undefined;

  constructor() {
    this.db.on('error', () => undefined);
  }

  redis(): Redis {
    if (!this.redisClient) {
      this.redisClient = new Redis({
        host: '127.0.0.1',
        port: Number(env('CACHE_PORT')),
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      });
      this.redisClient.on('error', () => undefined);
    }
    return this.redisClient;
  }

  async items(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({ TableName: tableName(), ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
  }

  async photoItem(photoId: string): Promise<Record<string, unknown> | undefined> {
    return (await this.items()).find((item) => item.pk === `PHOTO#${photoId}`);
  }

  /** The user's upload slots: photo id -> expiry (epoch seconds); undefined without a slot item. */
  async uploadSlots(userId: string): Promise<Record<string, number> | undefined> {
    const item = (await this.items()).find((candidate) => candidate.pk === `UPLOADS#${userId}`);
    return item?.pending as Record<string, number> | undefined;
  }

  /** Every object with what identifies its content (ETag, size), sorted by key. */
  async objects(): Promise<{ key: string; etag: string; size: number }[]> {
    const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucketName() }));
    return (page.Contents ?? [])
      .map((object) => ({ key: object.Key ?? '', etag: object.ETag ?? '', size: object.Size ?? -1 }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  async objectBytes(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucketName(), Key: key }));
    return Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  }

  async objectKeys(): Promise<string[]> {
    const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucketName() }));
    return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
  }

  async objectExists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucketName(), Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return false;
      throw error;
    }
  }

  async profileRow(userId: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await this.db.query('SELECT * FROM profiles WHERE user_id = $1', [userId]);
    return rows[0] as Record<string, unknown> | undefined;
  }

  async photoCount(userId: string): Promise<number | undefined> {
    const row = await this.profileRow(userId);
    return row === undefined ? undefined : Number(row.photo_count);
  }

  /** Everything every store holds (items whole, objects by ETag), for "nothing changed" assertions. */
  async snapshot(): Promise<Record<string, unknown>> {
    const expiries = new Map<string, number>();
    const [items, objects, profiles, ledger, cache] = await Promise.all([
      this.items(),
      this.objects(),
      this.db.query('SELECT * FROM profiles ORDER BY user_id').then((result) => result.rows),
      this.db.query('SELECT * FROM counted_photos ORDER BY photo_id').then((result) => result.rows),
      this.cacheEntries(expiries),
    ]);
    const snapshot = { items, objects, profiles, ledger, cache };
    this.expiries.set(snapshot, expiries);
    return snapshot;
  }

  /**
   * "Nothing changed since `before`" (but what `except` names): every store compared whole. A
   * cache entry of `before` that is gone now and may have reached its own expiry (an invalidation
   * marker of an earlier test lives 10 s) has lapsed, not changed, and is left out of the
   * comparison; an entry still there is compared, and anything written since still shows.
   */
  async expectUnchanged(
    before: Record<string, unknown>,
    except: { readonly itemPks?: readonly string[]; readonly objectKeys?: readonly string[] } = {},
  ): Promise<void> {
    const after = await this.snapshot();
    const expiries = this.expiries.get(before) ?? new Map<string, number>();
    const now = Date.now();
    const present = new Set((after.cache as [string, string][]).map(([key]) => key));
    const lapsed = (key: string) => !present.has(key) && (expiries.get(key) ?? Infinity) <= now;
    const beforeCache = (before.cache as [string, string][]).filter(([key]) => !lapsed(key));
    // What the caller expects to have changed is left out of both sides.
    const others = (snapshot: Record<string, unknown>) => ({
      ...snapshot,
      items: (snapshot.items as { pk?: unknown }[]).filter(
        (item) => !(except.itemPks ?? []).includes(String(item.pk)),
      ),
      objects: (snapshot.objects as { key: string }[]).filter(
        (object) => !(except.objectKeys ?? []).includes(object.key),
      ),
    });
    expect(others(after)).toEqual(others({ ...before, cache: beforeCache }));
  }

  private readonly expiries = new WeakMap<object, Map<string, number>>();

  /** Every cache key with its value, sorted by key: a changed value counts as a change. */
  async cacheEntries(expiries?: Map<string, number>): Promise<[string, string | null][]> {
    const redis = this.redis();
    const keys = (await redis.keys('*')).sort();
    const askedAt = Date.now();
    const [values, ttls] = await Promise.all([
      keys.length > 0 ? redis.mget(...keys) : Promise.resolve([]),
      Promise.all(keys.map((key) => redis.pttl(key))),
    ]);
    // A key that expired between KEYS and MGET (a lapsing invalidation marker) is gone, not changed.
    return keys
      .map((key, i): [string, string | null] => {
        const ttl = ttls[i] ?? -1;
        // PTTL was answered after this moment, so the key lapses no earlier than this (Redis
        // truncates to whole milliseconds: one more of margin). A later check that finds the key
        // gone after this time knows it may have lapsed; under load the reply can take tens of ms.
        if (ttl > 0) expiries?.set(key, askedAt + ttl - 1);
        return [key, values[i] ?? null];
      })
      .filter(([, value]) => value !== null);
  }

  async close(): Promise<void> {
    this.documents.destroy();
    this.s3.destroy();
    await this.db.end();
    this.redisClient?.disconnect();
  }
}
