/**
 * Hung dependencies, unlike stopped ones, accept a connection and never answer. For each one, two
 * kinds of hang: a black hole (accepts TCP, never answers) and the real engine frozen with SIGSTOP
 * (resumed with SIGCONT). The API answers 503 with the error envelope (Redis: 200 from the
 * database) well inside the function's timeout, upload-complete and the stream processor fail fast
 * for Lambda to retry, and everything works again once the engine resumes.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  DEFAULT_DATA_API_RETRY,
  DATA_API_DEADLINE,
  DataApiSqlRunner,
  createDataApiClient,
} from '../../lambda/adapters/data-api-sql-runner';
import { S3_DEADLINE } from '../../lambda/adapters/photo-bucket';
import { DYNAMODB_DEADLINE } from '../../lambda/adapters/photo-table';
import { CACHE_DEADLINE } from '../../lambda/adapters/profile-cache';
import { DATABASE_DEADLINE } from '../../lambda/adapters/profile-database';
import { worstCaseCallMs } from '../../lambda/adapters/sdk-deadline';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { handler as uploadComplete } from '../../lambda/handlers/upload-complete';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../scripts/local/engines';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';
import type { BlackHole, IsolatedHandlers, S3Process, Timed } from './support/hangs';
import {
  FUNCTION_TIMEOUT_MS,
  dynamoDbPids,
  laterChange,
  openBlackHole,
  pendingPhotoInserts,
  postgresPids,
  redisPids,
  startS3Process,
  thawAll,
  timedAll,
  whileFrozen,
  withHandlersAt,
} from './support/hangs';
import type { ParsedResponse } from './support/http';
import { httpEvent, invoke, lambdaContext } from './support/http';
import { createUpload, imageBytes, newUserId, objectCreatedEvent, putBytes } from './support/photos';
import { Stores, bucketName, dynamoDbEndpoint, tableName } from './support/stores';

/** Scheduling and loopback round trips on top of a deadline. */
const SLACK_MS = 1000;
const DYNAMODB_CALL_MS = worstCaseCallMs(DYNAMODB_DEADLINE);
const S3_CALL_MS = worstCaseCallMs(S3_DEADLINE);
const DATABASE_STATEMENT_MS = DATABASE_DEADLINE.connectTimeoutMs + DATABASE_DEADLINE.queryTimeoutMs;
/** The bound for a Redis hang: about a second, then the database answers. */
const REDIS_HANG_MS = 1500;
/** Records whose cache invalidations would outlast that bound if each waited for a hung Redis. */
const REDIS_BATCH = 10;

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());
const holes: BlackHole[] = [];
const isolated: IsolatedHandlers[] = [];
let s3Process: S3Process | undefined;

beforeAll(() => stream.start());
afterEach(thawAll);
afterAll(async () => {
  thawAll();
  // Black holes first: their dropped connections let the isolated pools end.
  await Promise.all(holes.map((hole) => hole.close()));
  await s3Process?.stop();
  await Promise.all(isolated.map((handlers) => handlers.dispose()));
  await Promise.all([stores.close(), disposeProfiles(), disposeStream()]);
});

async function blackHole(): Promise<BlackHole> {
  const hole = await openBlackHole();
  holes.push(hole);
  return hole;
}

const unavailable = (dependency: string) => ({
  error: { code: 'DEPENDENCY_UNAVAILABLE', message: `${dependency} is temporarily unavailable` },
});

/** Every call answered 503 with the envelope, each within `boundMs` and the function's timeout. */
function expect503(results: Timed<ParsedResponse>[], dependency: string, boundMs: number, timeoutMs: number) {
  for (const { ms, outcome } of results) {
    expect(outcome.status).toBe('fulfilled');
    const response = (outcome as PromiseFulfilledResult<ParsedResponse>).value;
    expect(response.statusCode).toBe(503);
    expect(response.json).toEqual(unavailable(dependency));
    expect(ms).toBeLessThan(Math.min(boundMs, timeoutMs));
  }
}

/** The invocation failed (Lambda retries it) with the dependency error, within the bound. */
function expectRejected(result: Timed<unknown>, dependency: string, boundMs: number, timeoutMs: number) {
  expect(result.outcome.status).toBe('rejected');
  expect((result.outcome as PromiseRejectedResult).reason).toMatchObject({
    code: 'DEPENDENCY_UNAVAILABLE',
    message: `${dependency} is temporarily unavailable`,
  });
  expect(result.ms).toBeLessThan(Math.min(boundMs, timeoutMs));
}

/** Every photo route, each touching the photo table first. */
function photoRoutes(
  api: typeof photosApi,
  owner: string,
  photoId: string,
): (() => Promise<ParsedResponse>)[] {
  const caller = owner;
  return [
    () =>
      invoke(
        api,
        httpEvent('POST /photos', { caller, body: { contentType: 'image/jpeg', sizeBytes: 1024 } }),
      ),
    () => invoke(api, httpEvent('GET /photos/{photoId}', { caller, pathParameters: { photoId } })),
    () => invoke(api, httpEvent('DELETE /photos/{photoId}', { caller, pathParameters: { photoId } })),
    () => invoke(api, httpEvent('GET /users/{userId}/photos', { caller, pathParameters: { userId: owner } })),
    () => invoke(api, httpEvent('GET /feed', { caller })),
  ];
}

/** Every profile route, each touching the database (the public profile is not cached). */
function profileRoutes(
  api: typeof profilesApi,
  caller: string,
  uncached: string,
): (() => Promise<ParsedResponse>)[] {
  return [
    () => invoke(api, httpEvent('GET /me', { caller })),
    () => invoke(api, httpEvent('PUT /me', { caller, body: { displayName: 'Hung' } })),
    () => invoke(api, httpEvent('GET /users/{userId}', { caller, pathParameters: { userId: uncached } })),
  ];
}

async function failedRecords(handler: typeof streamProcessor, records: DynamoDBRecord[]): Promise<string[]> {
  const response = await handler(streamEvent(records), lambdaContext);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

const sequenceNumbers = (records: DynamoDBRecord[]): string[] =>
  records.map((record) => record.dynamodb?.SequenceNumber ?? '');

/** A PENDING photo whose bytes are in the shared bucket: upload-complete's input. */
async function uploadedPhoto(owner: string) {
  const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: 2048 });
  expect(await putBytes(upload, imageBytes(2048))).toBe(200);
  return upload;
}

describe('DynamoDB hangs', () => {
  it('answers 503 within the timeout on every photo route, and fails upload-complete, when DynamoDB never answers', async () => {
    const owner = newUserId();
    const upload = await uploadedPhoto(owner);
    const hole = await blackHole();
    await withHandlersAt(
      { AWS_ENDPOINT_URL_DYNAMODB: hole.url },
      async (handlers) => {
        const [notified, ...routes] = await timedAll<unknown>([
          () => handlers.uploadComplete(objectCreatedEvent(upload.objectKey, 2048), lambdaContext),
          ...photoRoutes(handlers.photosApi, owner, upload.photoId),
        ]);
        expect503(
          routes as Timed<ParsedResponse>[],
          'Photo metadata store',
          DYNAMODB_CALL_MS + SLACK_MS,
          FUNCTION_TIMEOUT_MS.photosApi,
        );
        expectRejected(
          notified,
          'Photo metadata store',
          DYNAMODB_CALL_MS + SLACK_MS,
          FUNCTION_TIMEOUT_MS.uploadComplete,
        );
      },
      isolated,
    );
  });

  it('answers 503 within the timeout while DynamoDB Local is frozen, and serves again once it resumes', async () => {
    const owner = newUserId();
    const upload = await uploadedPhoto(owner);
    await whileFrozen(dynamoDbPids(), async () => {
      const [notified, ...routes] = await timedAll<unknown>([
        () => uploadComplete(objectCreatedEvent(upload.objectKey, 2048), lambdaContext),
        ...photoRoutes(photosApi, owner, upload.photoId),
      ]);
      expect503(
        routes as Timed<ParsedResponse>[],
        'Photo metadata store',
        DYNAMODB_CALL_MS + SLACK_MS,
        FUNCTION_TIMEOUT_MS.photosApi,
      );
      expectRejected(
        notified,
        'Photo metadata store',
        DYNAMODB_CALL_MS + SLACK_MS,
        FUNCTION_TIMEOUT_MS.uploadComplete,
      );
    });
    await expect(
      uploadComplete(objectCreatedEvent(upload.objectKey, 2048), lambdaContext),
    ).resolves.toBeDefined();
    for (const route of photoRoutes(photosApi, owner, upload.photoId)) {
      expect((await route()).statusCode).toBeLessThan(300);
    }
  });
});

describe('S3 hangs', () => {
  it('fails upload-complete and reports the stream records within the timeout when S3 never answers', async () => {
    const owner = newUserId();
    const upload = await uploadedPhoto(owner);
    const removals = (await pendingPhotoInserts(stream, owner, 5)).map((insert) =>
      laterChange(insert, 'REMOVE'),
    );
    const hole = await blackHole();
    await withHandlersAt(
      { AWS_ENDPOINT_URL_S3: hole.url },
      async (handlers) => {
        const [notified, processed] = await timedAll<unknown>([
          () => handlers.uploadComplete(objectCreatedEvent(upload.objectKey, 2048), lambdaContext),
          () => failedRecords(handlers.streamProcessor, removals),
        ]);
        expectRejected(notified, 'Photo storage', S3_CALL_MS + SLACK_MS, FUNCTION_TIMEOUT_MS.uploadComplete);
        // The first deletion waits out its deadline; the rest of the batch fails at once.
        expect(processed.outcome).toEqual({ status: 'fulfilled', value: sequenceNumbers(removals) });
        expect(processed.ms).toBeLessThan(
          Math.min(S3_CALL_MS + SLACK_MS, FUNCTION_TIMEOUT_MS.streamProcessor),
        );
      },
      isolated,
    );
  });

  it('fails fast while the S3 emulator is frozen, and succeeds once it resumes', async () => {
    s3Process = await startS3Process(bucketName());
    const frozenBucket = new S3Client({
      region: LOCAL_REGION,
      endpoint: s3Process.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const owner = newUserId();
    const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: 2048 });
    try {
      await frozenBucket.send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: upload.objectKey,
          Body: imageBytes(2048),
          ContentType: 'image/png',
        }),
      );
    } finally {
      frozenBucket.destroy();
    }
    const removals = (await pendingPhotoInserts(stream, owner, 5)).map((insert) =>
      laterChange(insert, 'REMOVE'),
    );
    const emulator = s3Process;
    await withHandlersAt(
      { AWS_ENDPOINT_URL_S3: emulator.endpoint },
      async (handlers) => {
        const notify = () =>
          handlers.uploadComplete(objectCreatedEvent(upload.objectKey, 2048), lambdaContext);
        await whileFrozen([emulator.pid], async () => {
          const [notified, processed] = await timedAll<unknown>([
            notify,
            () => failedRecords(handlers.streamProcessor, removals),
          ]);
          expectRejected(
            notified,
            'Photo storage',
            S3_CALL_MS + SLACK_MS,
            FUNCTION_TIMEOUT_MS.uploadComplete,
          );
          expect(processed.outcome).toEqual({ status: 'fulfilled', value: sequenceNumbers(removals) });
          expect(processed.ms).toBeLessThan(
            Math.min(S3_CALL_MS + SLACK_MS, FUNCTION_TIMEOUT_MS.streamProcessor),
          );
        });
        await expect(notify()).resolves.toBeDefined();
        expect(await failedRecords(handlers.streamProcessor, removals)).toEqual([]);
      },
      isolated,
    );
  });
});

describe('PostgreSQL hangs', () => {
  it('answers 503 within the timeout on every profile route, and reports the stream records, when the database never answers', async () => {
    const owner = newUserId();
    const readies = (await pendingPhotoInserts(stream, owner, 5)).map((insert) =>
      laterChange(insert, 'READY'),
    );
    const hole = await blackHole();
    await withHandlersAt(
      { DB_PORT: String(hole.port) },
      async (handlers) => {
        const [processed, ...routes] = await timedAll<unknown>([
          () => failedRecords(handlers.streamProcessor, readies),
          ...profileRoutes(handlers.profilesApi, owner, newUserId()),
        ]);
        expect503(
          routes as Timed<ParsedResponse>[],
          'Profile database',
          DATABASE_STATEMENT_MS + SLACK_MS,
          FUNCTION_TIMEOUT_MS.profilesApi,
        );
        expect(processed.outcome).toEqual({ status: 'fulfilled', value: sequenceNumbers(readies) });
        expect(processed.ms).toBeLessThan(
          Math.min(DATABASE_STATEMENT_MS + SLACK_MS, FUNCTION_TIMEOUT_MS.streamProcessor),
        );
      },
      isolated,
    );
  });

  it('answers 503 within the timeout while PostgreSQL is frozen, and serves again once it resumes', async () => {
    const owner = newUserId();
    // An open pooled connection in each handler: the frozen server must also stall those.
    expect(
      (await invoke(profilesApi, httpEvent('PUT /me', { caller: owner, body: { displayName: 'Owner' } })))
        .statusCode,
    ).toBe(200);
    const readies = (await pendingPhotoInserts(stream, owner, 5)).map((insert) =>
      laterChange(insert, 'READY'),
    );
    expect(await failedRecords(streamProcessor, readies.slice(0, 1))).toEqual([]);
    const pending = readies.slice(1);
    const pids = await postgresPids(stores.db);
    await whileFrozen(pids, async () => {
      const [processed, ...routes] = await timedAll<unknown>([
        () => failedRecords(streamProcessor, pending),
        ...profileRoutes(profilesApi, owner, newUserId()),
      ]);
      expect503(
        routes as Timed<ParsedResponse>[],
        'Profile database',
        DATABASE_STATEMENT_MS + SLACK_MS,
        FUNCTION_TIMEOUT_MS.profilesApi,
      );
      expect(processed.outcome).toEqual({ status: 'fulfilled', value: sequenceNumbers(pending) });
      expect(processed.ms).toBeLessThan(
        Math.min(DATABASE_STATEMENT_MS + SLACK_MS, FUNCTION_TIMEOUT_MS.streamProcessor),
      );
    });
    for (const route of profileRoutes(profilesApi, owner, owner))
      expect((await route()).statusCode).toBe(200);
    expect(await failedRecords(streamProcessor, pending)).toEqual([]);
    expect(await stores.photoCount(owner)).toBe(5);
  });
});

describe('Redis hangs', () => {
  /** A profile cached in Redis, then changed behind the cache: only the database has the new name. */
  async function profileChangedBehindCache(): Promise<string> {
    const user = newUserId();
    await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Cached' } }));
    await invoke(
      profilesApi,
      httpEvent('GET /users/{userId}', { caller: user, pathParameters: { userId: user } }),
    );
    expect(await stores.redis().exists(`profile:${user}`)).toBe(1);
    await stores.db.query("UPDATE profiles SET display_name = 'From the database' WHERE user_id = $1", [
      user,
    ]);
    return user;
  }

  /** Reads and a write answered from the database, the batch counted, each within about a second. */
  async function expectServedWithoutCache(
    handlers: Pick<IsolatedHandlers, 'profilesApi' | 'streamProcessor'>,
    user: string,
    readies: DynamoDBRecord[],
  ) {
    const read = () =>
      invoke(
        handlers.profilesApi,
        httpEvent('GET /users/{userId}', { caller: user, pathParameters: { userId: user } }),
      );
    const [first, processed] = await timedAll<unknown>([
      read,
      () => failedRecords(handlers.streamProcessor, readies),
    ]);
    const [second, written] = await timedAll<unknown>([
      read,
      () =>
        invoke(
          handlers.profilesApi,
          httpEvent('PUT /me', { caller: user, body: { displayName: 'From the database' } }),
        ),
    ]);
    for (const result of [first, second, written]) {
      expect(result.outcome).toMatchObject({
        status: 'fulfilled',
        value: { statusCode: 200, json: { displayName: 'From the database' } },
      });
      expect(result.ms).toBeLessThan(REDIS_HANG_MS);
    }
    // Counted from the database; each record whose cache entry could not be
    // invalidated is reported, so Lambda retries the invalidation.
    const sequenceNumbers = readies.map((record) => record.dynamodb?.SequenceNumber);
    expect(processed.outcome).toEqual({
      status: 'fulfilled',
      value: expect.arrayContaining(sequenceNumbers) as unknown,
    });
    expect((processed.outcome as PromiseFulfilledResult<unknown[]>).value).toHaveLength(readies.length);
    expect(processed.ms).toBeLessThan(REDIS_HANG_MS);
  }

  it('answers from the database within about a second when Redis never answers', async () => {
    const user = await profileChangedBehindCache();
    const readies = (await pendingPhotoInserts(stream, user, REDIS_BATCH)).map((insert) =>
      laterChange(insert, 'READY'),
    );
    const hole = await blackHole();
    await withHandlersAt(
      { CACHE_PORT: String(hole.port) },
      (handlers) => expectServedWithoutCache(handlers, user, readies),
      isolated,
    );
    expect(await stores.photoCount(user)).toBe(REDIS_BATCH);
  });

  it('answers from the database within about a second while Redis is frozen, and caches again once it resumes', async () => {
    const user = await profileChangedBehindCache();
    const readies = (await pendingPhotoInserts(stream, user, REDIS_BATCH + 1)).map((insert) =>
      laterChange(insert, 'READY'),
    );
    // Both handlers hold an open Redis connection, which the frozen server leaves unanswered.
    expect(await failedRecords(streamProcessor, readies.slice(0, 1))).toEqual([]);
    const pids = await redisPids(stores.redis());
    await whileFrozen(pids, () =>
      expectServedWithoutCache({ profilesApi, streamProcessor }, user, readies.slice(1)),
    );
    expect(await stores.photoCount(user)).toBe(REDIS_BATCH + 1);

    const read = () =>
      invoke(
        profilesApi,
        httpEvent('GET /users/{userId}', { caller: user, pathParameters: { userId: user } }),
      );
    expect((await read()).statusCode).toBe(200);
    // After the adapter's retry window the cache is used again.
    await new Promise((resolve) => setTimeout(resolve, CACHE_DEADLINE.retryAfterMs));
    expect((await read()).statusCode).toBe(200);
    expect(await stores.redis().exists(`profile:${user}`)).toBe(1);
  });
});

describe('Data API hangs', () => {
  it('gives up on a Data API endpoint that never answers within attempts × deadline', async () => {
    const hole = await blackHole();
    // The production deadline is 50 s; the same client construction with a short one shows it aborts.
    const deadline = { ...DATA_API_DEADLINE, requestTimeoutMs: 500 };
    const saved = process.env.AWS_ENDPOINT_URL_RDS_DATA;
    process.env.AWS_ENDPOINT_URL_RDS_DATA = hole.url;
    const client = createDataApiClient(LOCAL_REGION, deadline);
    try {
      const runner = new DataApiSqlRunner(client, {
        resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:photos',
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin',
        database: 'photos',
      });
      const [result] = await timedAll([() => runner.execute('SELECT 1')]);
      expect(result.outcome).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
      expect(result.ms).toBeLessThan(worstCaseCallMs(deadline) + SLACK_MS);
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_RDS_DATA;
      else process.env.AWS_ENDPOINT_URL_RDS_DATA = saved;
    }
  });

  it('fits the runner retries and a last hung call inside the migrations timeout', () => {
    // A healthy Data API answers within its own 45 s statement limit, so the deadline never cuts one.
    expect(DATA_API_DEADLINE.requestTimeoutMs).toBeGreaterThan(45_000);
    expect(DEFAULT_DATA_API_RETRY.maxElapsedMs + worstCaseCallMs(DATA_API_DEADLINE)).toBeLessThan(
      FUNCTION_TIMEOUT_MS.schemaMigrations - 15_000,
    );
  });
});
