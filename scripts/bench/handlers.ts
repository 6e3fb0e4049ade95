/**
 * Handler latency on the real local engines, invoked in-process: the engines, stores, migrations
 * and handler environment of the app tests and the dev server (scripts/local), the real handler
 * modules, and API Gateway HTTP API (payload v2.0) events with the authorizer's `sub` claim.
 *
 * What is timed is the handler call alone (`await handler(event, context)`); arranging state (for
 * example deleting a cache key to force a miss) happens outside the timed region. Logs are silenced
 * and metrics disabled, as in the app tests, so the figures measure the handlers' own work.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBRecord,
} from 'aws-lambda';
import { StreamReader, streamEvent } from '../local/dynamodb-stream';
import { startLocalEngines } from '../local/engines';
import { localLambdaContext } from '../local/lambda-context';
import { handlerEnvironment, prepareStores } from '../local/local-app';
import type { LocalAppNames } from '../local/local-app';
import { httpEvent } from '../../test/app/support/http';
import { latency, type Figure } from './stats';

export interface HandlerBenchOptions {
  /** Timed calls per HTTP route. */
  readonly iterations: number;
  /** Untimed calls before them (JIT, connection pools, caches of the SDK). */
  readonly warmup: number;
  /** Timed stream batches of 100 records. */
  readonly batches: number;
}

export interface HandlerBench {
  readonly figures: Figure[];
  /** p50 of the uncached profile read divided by p50 of the cached one. */
  readonly cachedSpeedupP50: number;
  /**
   * The best that ratio can be on these engines: a miss is a GET, a SELECT and a SET, a hit one
   * GET, so with no handler code at all it is 2 + SELECT / GET (raw round trips at p50).
   */
  readonly cachedSpeedupCeilingP50: number;
  readonly cachedP99Ms: number;
}

type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const NAMES: LocalAppNames = {
  tableName: 'photos-bench',
  bucketName: 'photos-bench-bucket',
  databaseName: 'photos',
};
const context = localLambdaContext('bench');
const PROFILE_USERS = 50;
const LISTED_PHOTOS = 25;
const PAGE_SIZE = 20;
const STREAM_BATCH_RECORDS = 100;

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

/** Times `calls` invocations after `warmup` untimed ones; `arrange` runs before each, untimed. */
async function timeCalls(
  warmup: number,
  calls: number,
  arrange: (i: number) => Promise<void> | void,
  call: (i: number) => Promise<void>,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + calls; i++) {
    await arrange(i);
    const elapsed = await timed(() => call(i));
    if (i >= warmup) samples.push(elapsed);
  }
  return samples;
}

async function expectStatus(
  handler: HttpHandler,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  status: number,
): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await handler(event, context);
  if (response.statusCode !== status) {
    throw new Error(`${event.routeKey} answered ${response.statusCode}: ${response.body ?? ''}`);
  }
  return response;
}

/** Starts the engines, measures, and always stops them again. */
export async function benchHandlers(options: HandlerBenchOptions): Promise<HandlerBench> {
  const engines = await startLocalEngines({
    bucketNames: [NAMES.bucketName],
    databases: [NAMES.databaseName],
  });
  try {
    await prepareStores(engines, NAMES);
    Object.assign(process.env, { ...handlerEnvironment(engines, NAMES), POWERTOOLS_LOG_LEVEL: 'SILENT' });
    return await measure(options, new StreamReader(NAMES.tableName, engines.dynamoDb.endpoint));
  } finally {
    await engines.stop();
  }
}

async function measure(options: HandlerBenchOptions, stream: StreamReader): Promise<HandlerBench> {
  // The handlers parse their environment at module scope: import them only once it is set.
  const profilesApi = await import('../../lambda/handlers/profiles-api.js');
  const photosApi = await import('../../lambda/handlers/photos-api.js');
  const streamProcessor = await import('../../lambda/handlers/stream-processor.js');
  const { profileCacheKey } = await import('../../lambda/adapters/profile-cache.js');
  const { createReadyPhoto } = await import('../../test/app/support/photos.js');
  const { Stores } = await import('../../test/app/support/stores.js');
  const stores = new Stores();
  const { iterations, warmup } = options;
  try {
    // ------------------------------------------------------------ profiles
    const users = Array.from({ length: PROFILE_USERS }, () => randomUUID());
    for (const [index, user] of users.entries()) {
      await expectStatus(
        profilesApi.handler,
        httpEvent('PUT /me', { caller: user, body: { displayName: `Bench user ${index}`, bio: 'bench' } }),
        200,
      );
    }
    const reader = randomUUID();
    const readProfile = (userId: string) =>
      httpEvent('GET /users/{userId}', { caller: reader, pathParameters: { userId } });
    const redis = stores.redis();

    // Misses and hits are timed in alternating rounds, so that both see the same machine (other
    // load, CPU frequency) while each round stays in a steady state. A miss is forced by deleting
    // the user's key first (untimed); it then reads PostgreSQL and fills the cache again, as in
    // production, so the hits that follow are all served from Redis.
    const cached: number[] = [];
    const uncached: number[] = [];
    const rawGets: number[] = [];
    const rawSelects: number[] = [];
    for (const user of users) await expectStatus(profilesApi.handler, readProfile(user), 200);
    const rounds = 10;
    const perRound = Math.ceil(iterations / rounds);
    for (let round = 0; round < rounds; round++) {
      const skip = round === 0 ? warmup : 0;
      const user = (i: number) => users[(round * perRound + i) % users.length];
      const misses = await timeCalls(
        skip,
        perRound,
        async (i) => {
          await redis.del(profileCacheKey(user(i)));
        },
        async (i) => {
          await expectStatus(profilesApi.handler, readProfile(user(i)), 200);
        },
      );
      for (const u of users) {
        if ((await redis.exists(profileCacheKey(u))) !== 1) throw new Error('a miss did not fill the cache');
      }
      const hits = await timeCalls(
        skip,
        perRound,
        () => undefined,
        async (i) => {
          await expectStatus(profilesApi.handler, readProfile(user(i)), 200);
        },
      );
      // The engines alone, with the same client libraries and no handler: one Redis GET of a
      // cached profile, one PostgreSQL SELECT of a profile row by key.
      const gets = await timeCalls(
        skip,
        perRound,
        () => undefined,
        async (i) => {
          if ((await redis.get(profileCacheKey(user(i)))) === null)
            throw new Error('expected a cached profile');
        },
      );
      const selects = await timeCalls(
        skip,
        perRound,
        () => undefined,
        async (i) => {
          const { rowCount } = await stores.db.query('SELECT * FROM profiles WHERE user_id = $1', [user(i)]);
          if (rowCount !== 1) throw new Error('expected a profile row');
        },
      );
      uncached.push(...misses);
      cached.push(...hits);
      rawGets.push(...gets);
      rawSelects.push(...selects);
    }

    // ------------------------------------------------------------ photos
    const owner = randomUUID();
    await stream.start();
    for (let i = 0; i < LISTED_PHOTOS; i++) await createReadyPhoto(owner);
    const seededRecords = await stream.read();

    // A new uploader every 10 uploads stays under the per-user pending limit (20 locally).
    let uploads = 0;
    const createPhoto = await timeCalls(
      warmup,
      iterations,
      () => undefined,
      async () => {
        const caller = `${owner}-${Math.floor(uploads++ / 10)}`;
        await expectStatus(
          photosApi.handler,
          httpEvent('POST /photos', { caller, body: { contentType: 'image/jpeg', sizeBytes: 1024 } }),
          201,
        );
      },
    );

    const listing = httpEvent('GET /users/{userId}/photos', {
      caller: randomUUID(),
      pathParameters: { userId: owner },
      query: { limit: String(PAGE_SIZE) },
    });
    const page = JSON.parse((await expectStatus(photosApi.handler, listing, 200)).body ?? '{}') as {
      items: { status: string }[];
    };
    if (page.items.length !== PAGE_SIZE || page.items.some((item) => item.status !== 'READY')) {
      throw new Error(`expected a page of ${PAGE_SIZE} READY photos, got ${page.items.length}`);
    }
    const listPhotos = await timeCalls(
      warmup,
      iterations,
      () => undefined,
      async () => {
        await expectStatus(photosApi.handler, listing, 200);
      },
    );

    // ------------------------------------------------------------ stream batch
    const templates = photoRecordTemplates(seededRecords);
    const batchWarmup = Math.min(warmup, 10);
    const streamBatch = await timeCalls(
      batchWarmup,
      options.batches,
      () => undefined,
      async () => {
        const records = freshBatch(templates, STREAM_BATCH_RECORDS);
        const response = await streamProcessor.handler(streamEvent(records), context);
        if (response.batchItemFailures.length > 0) {
          throw new Error(`stream batch reported ${response.batchItemFailures.length} failures`);
        }
      },
    );

    const figures = [
      latency('GET /users/{id} from Redis (cached)', cached),
      latency('GET /users/{id} from PostgreSQL (cache miss)', uncached),
      latency('Redis GET alone (ioredis, loopback)', rawGets),
      latency('PostgreSQL SELECT by key alone (pg, loopback)', rawSelects),
      latency('POST /photos', createPhoto),
      latency(`GET /users/{id}/photos (page of ${PAGE_SIZE})`, listPhotos),
      latency(`stream batch of ${STREAM_BATCH_RECORDS} records`, streamBatch),
    ];
    const [cachedFigure, uncachedFigure, getFigure, selectFigure] = figures;
    return {
      figures,
      cachedSpeedupP50: (uncachedFigure.p50 ?? 0) / (cachedFigure.p50 ?? Infinity),
      cachedSpeedupCeilingP50: 2 + (selectFigure.p50 ?? 0) / (getFigure.p50 ?? Infinity),
      cachedP99Ms: cachedFigure.p99 ?? Infinity,
    };
  } finally {
    await Promise.all([profilesApi.dispose(), streamProcessor.dispose(), stores.close()]);
  }
}

/**
 * The stream records of the seeded uploads, per photo (INSERT as PENDING, MODIFY to READY), as
 * DynamoDB Local wrote them: the batches replay this shape for new photo ids.
 */
function photoRecordTemplates(records: readonly DynamoDBRecord[]): { photoId: string; json: string }[] {
  const byPhoto = new Map<string, DynamoDBRecord[]>();
  for (const record of records) {
    const photoId = (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.photoId?.S;
    if (!photoId) continue;
    byPhoto.set(photoId, [...(byPhoto.get(photoId) ?? []), record]);
  }
  const templates = [...byPhoto.entries()]
    .filter(([, photoRecords]) => photoRecords.length === 2)
    .map(([photoId, photoRecords]) => ({ photoId, json: JSON.stringify(photoRecords) }));
  if (templates.length === 0) throw new Error('the seeded uploads left no stream records');
  return templates;
}

/** A batch of new photos' INSERT and MODIFY-to-READY records: each counts a photo and drops a cache entry. */
function freshBatch(templates: readonly { photoId: string; json: string }[], size: number): DynamoDBRecord[] {
  const records: DynamoDBRecord[] = [];
  for (let i = 0; records.length < size; i++) {
    const template = templates[i % templates.length];
    records.push(
      ...(JSON.parse(template.json.replaceAll(template.photoId, randomUUID())) as DynamoDBRecord[]),
    );
  }
  return records.slice(0, size);
}
