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
import { performance, PerformanceObserver } from 'node:perf_hooks';
import Redis from 'ioredis';
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
import { benchHangs, type HangFigure } from './hangs';
import { latency, type Figure } from './stats';

export interface HandlerBenchOptions {
  /** Timed calls per HTTP route. */
  readonly iterations: number;
  /** Untimed iterations of the cache measurement before it (V8 optimizes the hot path). */
  readonly cacheWarmup: number;
  /** Untimed calls before them (JIT, connection pools, caches of the SDK). */
  readonly warmup: number;
  /** Timed stream batches of 100 records. */
  readonly batches: number;
}

export interface HandlerBench {
  readonly figures: Figure[];
  readonly cache: CacheBench;
  /** Time to an answer with each dependency hung. */
  readonly hangs: HangFigure[];
}

/** What a cache hit costs beyond the cache's own round trip, and how close a hit gets to the best. */
export interface CacheBench {
  /** The handler's own cost of a hit at p50: cached p50 minus raw GET p50 (ms). */
  readonly handlerCostP50Ms: number;
  /** The same at p99: cached p99 minus raw GET p99 (ms). */
  readonly handlerCostP99Ms: number;
  /** p50 of a miss divided by p50 of a hit. */
  readonly hitMissRatioP50: number;
  /**
   * The best that ratio can be on these engines: a miss is a GET, a SELECT and a SET, a hit one
   * GET, so with no handler code at all it is 2 + SELECT / GET (raw round trips at p50).
   */
  readonly ratioCeilingP50: number;
  /** Of the hits slower than the hits' p99, the share that overlapped a garbage collection. */
  readonly cachedTailWithGc: number;
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

/**
 * Timed calls in named series, with the garbage collections that ran meanwhile (perf_hooks 'gc'
 * entries: each collection's start and duration), to tell which slow calls a collection explains.
 */
class CallRecorder<Series extends string> {
  private readonly calls = new Map<Series, { started: number; elapsed: number }[]>();
  private readonly pauses: { start: number; end: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    }
  });

  constructor(series: readonly Series[]) {
    for (const name of series) this.calls.set(name, []);
    this.observer.observe({ entryTypes: ['gc'] });
  }

  async time(series: Series, call: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    await call();
    this.calls.get(series)?.push({ started, elapsed: performance.now() - started });
  }

  /** Forgets what was recorded so far (the warm-up). */
  reset(): void {
    for (const list of this.calls.values()) list.length = 0;
    this.pauses.length = 0;
  }

  stop(): void {
    this.observer.disconnect();
  }

  samples(series: Series): number[] {
    return (this.calls.get(series) ?? []).map((call) => call.elapsed);
  }

  /** Of the calls slower than the series' p99, the share during which a collection ran. */
  tailWithGc(series: Series): number {
    const calls = this.calls.get(series) ?? [];
    const sorted = calls.map((call) => call.elapsed).sort((a, b) => a - b);
    const p99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? Infinity;
    const slow = calls.filter((call) => call.elapsed > p99);
    if (slow.length === 0) return 0;
    const withGc = slow.filter((call) =>
      this.pauses.some((pause) => pause.start < call.started + call.elapsed && pause.end > call.started),
    );
    return withGc.length / slow.length;
  }
}

function cacheSummary(
  figures: Record<'cached' | 'uncached' | 'get' | 'select', Figure>,
  cachedTailWithGc: number,
): CacheBench {
  const p50 = (figure: Figure) => figure.p50 ?? NaN;
  const p99 = (figure: Figure) => figure.p99 ?? NaN;
  return {
    handlerCostP50Ms: p50(figures.cached) - p50(figures.get),
    handlerCostP99Ms: p99(figures.cached) - p99(figures.get),
    hitMissRatioP50: p50(figures.uncached) / p50(figures.cached),
    ratioCeilingP50: 2 + p50(figures.select) / p50(figures.get),
    cachedTailWithGc,
  };
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
    // The engines alone, on the handlers' own client configurations (the cache adapter's options,
    // the database adapter's pool), so that the difference to a handler call is the handler's code.
    const { cacheClientOptions, profileCacheKey } = await import('../../lambda/adapters/profile-cache.js');
    const { createDatabasePool } = await import('../../lambda/adapters/profile-database.js');
    const { FUNCTIONS } = await import('../../contract/functions.js');
    const { awsConfig, cacheConfig, databaseConfig, environmentOf } =
      await import('../../lambda/shared/env.js');
    const profileEnv = environmentOf(FUNCTIONS.profilesApi);
    const rawCache = new Redis(cacheClientOptions(cacheConfig(profileEnv.cache)));
    await rawCache.connect();
    const rawPool = createDatabasePool({
      ...databaseConfig(profileEnv.database),
      region: awsConfig().region,
    });

    // Blocks of one kind of call (misses, hits, raw GETs, raw SELECTs, each over the users in
    // turn) alternate round by round, the order of the blocks rotating, so that all four see the
    // same machine over the run while each block stays in the steady state a warm Lambda
    // environment serving one kind of request is in. A miss is forced by deleting the user's key
    // first (untimed); it then reads PostgreSQL and fills the cache again, as in production, so
    // the hits that follow are served from the cache. Warm-up rounds run the same blocks untimed,
    // long enough for V8 to optimize the hot paths.
    const recorder = new CallRecorder(['cached', 'uncached', 'get', 'select'] as const);
    const blocks: (() => Promise<void>)[] = [
      async () => {
        for (const user of users) {
          await redis.del(profileCacheKey(user));
          await recorder.time('uncached', () => expectStatus(profilesApi.handler, readProfile(user), 200));
        }
      },
      async () => {
        for (const user of users) {
          await recorder.time('cached', () => expectStatus(profilesApi.handler, readProfile(user), 200));
        }
      },
      async () => {
        for (const user of users) {
          await recorder.time('get', async () => {
            if ((await rawCache.get(profileCacheKey(user))) === null)
              throw new Error('expected a cached profile');
          });
        }
      },
      async () => {
        for (const user of users) {
          await recorder.time('select', async () => {
            const { rowCount } = await rawPool.query('SELECT * FROM profiles WHERE user_id = $1', [user]);
            if (rowCount !== 1) throw new Error('expected a profile row');
          });
        }
      },
    ];
    const warmupRounds = Math.ceil(options.cacheWarmup / users.length);
    const rounds = Math.ceil(iterations / users.length);
    try {
      for (let round = 0; round < warmupRounds + rounds; round++) {
        if (round === warmupRounds) recorder.reset();
        // The miss block first refills every key the hit block reads; the others rotate after it.
        await blocks[0]();
        for (let b = 0; b < 3; b++) await blocks[1 + ((round + b) % 3)]();
      }
    } finally {
      recorder.stop();
      await Promise.all([rawCache.quit().catch(() => undefined), rawPool.end()]);
    }
    const cacheFigures = {
      cached: latency('GET /users/{id} from the cache (hit)', recorder.samples('cached')),
      uncached: latency('GET /users/{id} from PostgreSQL (cache miss)', recorder.samples('uncached')),
      get: latency("cache GET alone (ioredis, the adapter's options)", recorder.samples('get')),
      select: latency("PostgreSQL SELECT by key alone (pg, the adapter's pool)", recorder.samples('select')),
    };
    const cachedTail = recorder.tailWithGc('cached');

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
      cacheFigures.cached,
      cacheFigures.uncached,
      cacheFigures.get,
      cacheFigures.select,
      latency('POST /photos', createPhoto),
      latency(`GET /users/{id}/photos (page of ${PAGE_SIZE})`, listPhotos),
      latency(`stream batch of ${STREAM_BATCH_RECORDS} records`, streamBatch),
    ];
    // ------------------------------------------------------------ hangs
    const { createUpload, imageBytes, putBytes } = await import('../../test/app/support/photos.js');
    const pending = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: 1024 });
    if ((await putBytes(pending, imageBytes(1024))) !== 200)
      throw new Error('the hang scenario upload failed');
    const hangs = benchHangs({
      caller: reader,
      profileUserId: users[0],
      bucketName: NAMES.bucketName,
      pendingObjectKey: pending.objectKey,
      pendingObjectSize: 1024,
    });

    return { figures, cache: cacheSummary(cacheFigures, cachedTail), hangs };
  } finally {
    await Promise.all([profilesApi.dispose(), streamProcessor.dispose(), stores.close()]);
  }
}

/**
 * The stream records of the seeded uploads, per photo (INSERT as PENDING, MODIFY to READY), as
 * DynamoDB Local wrote them: the batches replay this shape for new photo ids. The MODIFY to
 * PROCESSING between them is left out: it has no derived data (the stream processor skips it, and
 * it is process-photo's work, not measured here).
 */
function photoRecordTemplates(records: readonly DynamoDBRecord[]): { photoId: string; json: string }[] {
  const byPhoto = new Map<string, DynamoDBRecord[]>();
  for (const record of records) {
    const photoId = (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.photoId?.S;
    const counted = record.eventName === 'INSERT' || record.dynamodb?.NewImage?.status?.S === 'READY';
    if (!photoId || !counted) continue;
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
