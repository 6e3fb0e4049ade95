/**
 * What must hold after a load run, and the wait for the asynchronous work that precedes the check.
 * The API answers before S3's event reaches upload-complete and before the table's stream reaches
 * the stream processor, so the run first waits (bounded) until both have caught up, judged by the
 * stores themselves rather than by a sleep; then it reads the table, the bucket and the API.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { isPhotoPk } from '../../lambda/adapters/photo-item';
import type { PhotoStatus } from '../../lambda/domain/photos';
import { renditionKeysOf } from '../../lambda/domain/renditions';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines';
import { ApiUser } from './load-user';

/** The API to load, and the table and bucket behind it, which the checks read directly. */
export interface LoadTarget {
  readonly url: string;
  readonly stores: {
    readonly dynamoDbEndpoint: string;
    readonly s3Endpoint: string;
    readonly tableName: string;
    readonly bucketName: string;
  };
}

export interface InvariantResult {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface SettleResult {
  readonly settled: boolean;
  readonly ms: number;
  readonly detail: string;
}

interface PhotoRecord {
  readonly photoId: string;
  readonly ownerId: string;
  readonly status: PhotoStatus;
  readonly objectKey: string;
}

const POLL_MS = 200;
/** The most offenders a failed check names. */
const NAMED = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const named = (offenders: readonly string[]): string =>
  offenders.slice(0, NAMED).join('; ') +
  (offenders.length > NAMED ? `; and ${offenders.length - NAMED} more` : '');

/** Reads the whole table and bucket: fine for a local run's check, never for the app itself. */
class StoreReader {
  private readonly documents: DynamoDBDocumentClient;
  private readonly s3: S3Client;

  constructor(private readonly stores: LoadTarget['stores']) {
    const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    this.documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...common, endpoint: stores.dynamoDbEndpoint }),
    );
    this.s3 = new S3Client({ ...common, endpoint: stores.s3Endpoint, forcePathStyle: true });
  }

  async photos(): Promise<PhotoRecord[]> {
    const photos: PhotoRecord[] = [];
    const pages = paginateScan(
      { client: this.documents },
      {
        TableName: this.stores.tableName,
        ProjectionExpression: 'pk, photoId, ownerId, #status, objectKey',
        ExpressionAttributeNames: { '#status': 'status' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (isPhotoPk(item.pk)) photos.push(item as PhotoRecord);
    }
    return photos;
  }

  async objectKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    const pages = paginateListObjectsV2({ client: this.s3 }, { Bucket: this.stores.bucketName });
    for await (const page of pages)
      for (const object of page.Contents ?? []) if (object.Key) keys.add(object.Key);
    return keys;
  }

  close(): void {
    this.documents.destroy();
    this.s3.destroy();
  }
}

/**
 * Waits until the asynchronous work of the run is done, for at most `timeoutMs` (plus the probe
 * upload's own bounded wait until READY):
 * 1. S3 events and processing: no PENDING photo has its object any more (upload-complete has seen
 *    every upload), and none is PROCESSING (the processing function has made its renditions);
 * 2. the stream: a marker goes through it. A probe user uploads a photo and waits until its
 *    photoCount is 1. The local stream poller hands the records to the stream processor one batch
 *    at a time in sequence order, and the marker was written after every record of the run, so
 *    once it is counted every earlier record has been processed (or skipped after its retries).
 */
export async function settle(
  target: LoadTarget,
  probeUserId: string,
  timeoutMs: number,
): Promise<SettleResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const result = (settled: boolean, detail: string): SettleResult => ({
    settled,
    ms: Date.now() - started,
    detail,
  });
  const stores = new StoreReader(target.stores);
  try {
    for (;;) {
      const [photos, keys] = await Promise.all([stores.photos(), stores.objectKeys()]);
      const waiting = photos.filter(
        (photo) => (photo.status === 'PENDING' && keys.has(photo.objectKey)) || photo.status === 'PROCESSING',
      );
      if (waiting.length === 0) break;
      if (Date.now() >= deadline)
        return result(
          false,
          `${waiting.length} uploaded photo(s) still PENDING or PROCESSING after ${timeoutMs} ms`,
        );
      await sleep(POLL_MS);
    }
    const probe = await ApiUser.signIn(target.url, probeUserId);
    await probe.putProfile('stream marker');
    await probe.uploadPhoto('stream marker');
    for (;;) {
      const count = await probe.photoCount();
      if (count === 1) return result(true, 'uploads processed, stream drained past a marker');
      if (Date.now() >= deadline)
        return result(false, `the stream marker's photoCount is ${count}, not 1, after ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  } catch (error) {
    return result(false, `settling failed: ${describe(error)}`);
  } finally {
    stores.close();
  }
}

function noServerErrors(count5xx: number): InvariantResult {
  return {
    name: 'no 5xx responses',
    passed: count5xx === 0,
    detail: count5xx === 0 ? 'none' : `${count5xx} response(s) with a 5xx status`,
  };
}

/** photoCount (GET /me, from the database) against the listing (READY photos in the table). */
async function photoCountsMatch(url: string, userIds: readonly string[]): Promise<InvariantResult> {
  const name = "each user's photoCount equals their READY photos";
  try {
    const differences = await Promise.all(
      userIds.map(async (userId) => {
        const user = await ApiUser.signIn(url, userId);
        const [count, listed] = await Promise.all([user.photoCount(), user.listedPhotos(userId)]);
        return count === listed.length ? undefined : `${userId}: photoCount ${count}, ${listed.length} READY`;
      }),
    );
    const differing = differences.filter((difference) => difference !== undefined);
    return {
      name,
      passed: differing.length === 0,
      detail:
        differing.length === 0
          ? `${userIds.length} user(s) agree`
          : `${differing.length} of ${userIds.length} differ: ${named(differing)}`,
    };
  } catch (error) {
    return { name, passed: false, detail: `could not read: ${describe(error)}` };
  }
}

/** Every object belongs to a photo item (its original or a rendition): nothing else, under any prefix. */
function noOrphanObjects(photos: readonly PhotoRecord[], keys: ReadonlySet<string>): InvariantResult {
  const owned = new Set(photos.flatMap((photo) => [photo.objectKey, ...renditionKeysOf(photo)]));
  const orphans = [...keys].filter((key) => !owned.has(key));
  return {
    name: 'no object without a photo item',
    passed: orphans.length === 0,
    detail:
      orphans.length === 0
        ? `${keys.size} object(s), each a photo's`
        : `${orphans.length} orphan(s): ${named(orphans)}`,
  };
}

function noReadyPhotoWithoutObject(
  photos: readonly PhotoRecord[],
  keys: ReadonlySet<string>,
): InvariantResult {
  const ready = photos.filter((photo) => photo.status === 'READY');
  const missing = ready
    .flatMap((photo) => [photo.objectKey, ...renditionKeysOf(photo)])
    .filter((key) => !keys.has(key));
  return {
    name: 'no READY photo without its object',
    passed: missing.length === 0,
    detail:
      missing.length === 0
        ? `${ready.length} READY photo(s), each with its object and its renditions`
        : `${missing.length} missing: ${named(missing)}`,
  };
}

/** Checks every invariant; run it once the stores have settled. */
export async function checkInvariants(
  target: LoadTarget,
  run: { readonly userIds: readonly string[]; readonly count5xx: number },
): Promise<InvariantResult[]> {
  const stores = new StoreReader(target.stores);
  try {
    const [photos, keys, counts] = await Promise.all([
      stores.photos(),
      stores.objectKeys(),
      photoCountsMatch(target.url, run.userIds),
    ]);
    return [
      noServerErrors(run.count5xx),
      counts,
      noOrphanObjects(photos, keys),
      noReadyPhotoWithoutObject(photos, keys),
    ];
  } finally {
    stores.close();
  }
}
