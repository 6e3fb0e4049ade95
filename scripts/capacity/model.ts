/**
 * Capacity model of a stage: the API request rate each part of the request path sustains for a
 * request mix, which part saturates first, and the setting that raises it. Pure arithmetic: the
 * inputs come from the stage config and the synthesized templates (scripts/capacity.ts).
 *
 * Every part is a capacity per second and a demand per API request in the same unit (requests,
 * concurrent executions, connections, partition throughput, cache commands); the rate it sustains
 * is capacity / demand, and the lowest rate is the stage's bottleneck. Figures AWS documents are
 * cited where they are defined; everything else is an assumption, stated in ASSUMPTIONS or in
 * DEFAULT_REQUEST_MIX.
 */
import { FUNCTIONS } from '../../contract/functions';
import { DEFAULT_PAGE_SIZE } from '../../contract/limits';
import { ROUTES, type RouteKey } from '../../contract/routes';
import {
  DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND,
  FEED_WRITE_UNITS,
  stageConfigFile,
  type PhotoTableBilling,
} from '../../lib/config';
import { LAMBDA_CONCURRENCY_QUOTA, UNRESERVED_MINIMUM } from '../preflight/account-checks';

/** A function's name in contract/functions.ts (its service name in logs and templates). */
export type FunctionName = (typeof FUNCTIONS)[keyof typeof FUNCTIONS]['name'];

/** The functions that read the photo table's stream, each through its own event source mapping. */
export const STREAM_READERS = [FUNCTIONS.streamProcessor.name, FUNCTIONS.photoProcessor.name] as const;
export type StreamReader = (typeof STREAM_READERS)[number];

/** What the model reads from one stage. */
export interface CapacityInputs {
  readonly stage: string;
  /** The HTTP API stage's default route throttle. */
  readonly api: { readonly rateLimit: number; readonly burstLimit: number };
  /** Reserved concurrency of each function whose template sets one. */
  readonly reservedConcurrency: Readonly<Partial<Record<FunctionName, number>>>;
  readonly database: {
    /** Percent of Aurora's max_connections the proxy may open; absent when the stage has no proxy. */
    readonly proxyMaxConnectionsPercent?: number;
    readonly minCapacity: number;
    readonly maxCapacity: number;
  };
  /**
   * The event source mapping of each reader of the table's stream: the stream processor (every
   * record) and process-photo (filtered to the writes that make a photo PROCESSING).
   */
  readonly streams: Readonly<Record<StreamReader, { readonly parallelizationFactor: number }>>;
  readonly cache: { readonly nodeType: string };
  readonly photos: {
    readonly billing: PhotoTableBilling;
    readonly feedShards: number;
    readonly maxPendingUploadsPerUser: number;
  };
}

/**
 * Lambda's default concurrent executions per account and Region, shared by every function in them
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); new accounts may start lower.
 */
export const LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY = 1000;

/**
 * API Gateway's throttle per account and Region across all its APIs: 10,000 requests per second
 * with a burst bucket of 5,000 (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
 * A stage throttle above it is never reached.
 */
export const API_GATEWAY_ACCOUNT_RATE = 10_000;

/**
 * What one DynamoDB partition serves: 3,000 read units or 1,000 write units per second (the write
 * figure, and why split for heat cannot help the feed, are in lib/config/feed-capacity.ts), or a
 * linear combination of both (https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb).
 */
export const DYNAMODB_PARTITION_LIMITS = {
  readUnitsPerSecond: 3000,
  writeUnitsPerSecond: DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND,
} as const;

/**
 * What a new on-demand table sustains before it has seen a higher peak: 4,000 write units or 12,000
 * read units per second, or a linear combination; after that, up to twice its previous peak within
 * 30 minutes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pre-warming-on-demand-capacity-mode.html).
 */
export const DYNAMODB_NEW_ON_DEMAND_TABLE = {
  readUnitsPerSecond: 12_000,
  writeUnitsPerSecond: 4000,
} as const;

/**
 * Default max_connections of an Aurora PostgreSQL Serverless v2 instance by the cluster's maximum
 * ACUs (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections).
 * Aurora evaluates PostgreSQL's `LEAST({DBInstanceClassMemory/9531392}, 5000)` with the memory of
 * the maximum capacity, not the current one, so the value stays put as the instance scales.
 */
export const AURORA_POSTGRESQL_MAX_CONNECTIONS: ReadonlyArray<
  readonly [maxAcu: number, connections: number]
> = [
  [1, 189],
  [4, 823],
  [8, 1669],
  [16, 3360],
  [32, 5000],
  [64, 5000],
  [128, 5000],
];

/** With a minimum capacity of 0.5 ACU or less, Aurora PostgreSQL caps max_connections at 2,000 (same page). */
export const AURORA_LOW_MINIMUM_CONNECTION_CAP = 2000;

/**
 * Baseline network bandwidth of cache nodes, in Gbit/s
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html). t4g
 * nodes burst to 5 Gbit/s on network credits, which a sustained rate cannot count on.
 */
export const CACHE_NODE_BASELINE_GBPS: Readonly<Record<string, number>> = {
  'cache.t4g.micro': 0.064,
  'cache.t4g.small': 0.128,
  'cache.t4g.medium': 0.256,
};

/**
 * Connections one warm environment of a database function keeps open (the `max` of the pool in
 * lambda/adapters/profile-database.ts); without a proxy each of them is a connection to Aurora.
 */
export const DATABASE_POOL_SIZE = 2;

/** The assumptions behind the figures that no template holds. Replace them with measurements. */
export interface Assumptions {
  /** The account's Lambda concurrency quota (an account quota, not a setting of this app). */
  readonly accountConcurrency: number;
  /** Shards of the table's stream: one at least; DynamoDB adds shards as the table's partitions split. */
  readonly streamShards: number;
  /** Time one SQL statement holds a connection, client round trip included (proxy to Aurora in the same Region). */
  readonly databaseStatementMs: number;
  /** Bytes one cache command moves over the node's network, both directions, TLS and TCP included. */
  readonly cacheCommandBytes: number;
  /**
   * Size of a typical photo item, which sets the read units of a page of the feed index. Feed
   * writes are counted at FEED_WRITE_UNITS (the largest item), as the stage validation counts them.
   */
  readonly photoItemBytes: number;
  /** Time an upload holds its pending slot: from POST /photos until upload-complete has run. */
  readonly uploadSeconds: number;
}

export const ASSUMPTIONS: Assumptions = {
  accountConcurrency: LAMBDA_DEFAULT_ACCOUNT_CONCURRENCY,
  streamShards: 1,
  databaseStatementMs: 2,
  cacheCommandBytes: 1000,
  photoItemBytes: 800,
  uploadSeconds: 10,
};

/** A kind of API request, its share of all requests, and what one of them asks of each part. */
export interface RequestKind {
  readonly route: RouteKey;
  /** Which case of the route this row is, when the route has more than one (`cache hit`). */
  readonly variant?: string;
  /** Share of all API requests, 0-1; the shares add up to 1. */
  readonly share: number;
  /** Warm Lambda duration (ms) of the route's function (contract/routes.ts names it). */
  readonly handlerMs: number;
  /** Warm Lambda duration (ms) of the functions the request triggers (S3 event, table stream). */
  readonly triggeredMs?: Readonly<Partial<Record<FunctionName, number>>>;
  /** SQL statements (BEGIN and COMMIT count), each holding a connection for databaseStatementMs. */
  readonly databaseStatements: number;
  /** Commands on the cache's primary node (the handlers read and write through the primary endpoint). */
  readonly cacheCommands: number;
  /** Read units on the base table (consistent GetItem of an item up to 4 KB: 1). */
  readonly tableReadUnits: number;
  /** Write units on the base table (one per write of an item up to 1 KB). */
  readonly tableWriteUnits: number;
  /** Writes to the feed index: a photo turning READY, or a READY photo deleted. */
  readonly feedWrites: number;
  /** Feed pages read; each one queries every shard of the feed index for a full page. */
  readonly feedPages: number;
  /** The benchmark case (bench/results.json) that measures this request's API handler, if any. */
  readonly measuredAs?: string;
}

/**
 * process-photo's warm duration for a phone photo, in AWS: a 12 MP JPEG's four renditions took
 * 745 ms on the test machine's core (npm run processing-figures), about 1 s on Lambda's one vCPU at
 * 1,769 MB with the S3 transfers. The cost model bills the same figure.
 */
export const PROCESS_PHOTO_MS = 1000;

/** Share of profile reads by id that the cache answers (cache-aside; entries live cache.profileTtlSeconds). */
export const PROFILE_CACHE_HIT_RATIO = 0.9;
const PROFILE_READS_BY_ID = 0.15;

const none = {
  databaseStatements: 0,
  cacheCommands: 0,
  tableReadUnits: 0,
  tableWriteUnits: 0,
  feedWrites: 0,
  feedPages: 0,
} as const;

/**
 * The request mix behind the figures: each route's share, warm durations (assumed for Lambda in
 * AWS, where every call to DynamoDB, S3, Aurora or the cache is a network round trip) and the work
 * the code does for it (counted from lambda/). GET /health is left out: uptime checks, not users.
 * The groups match scripts/cost/model.ts: listings 0.45, photo reads 0.2, profile reads 0.2,
 * uploads 0.1, writes 0.05.
 */
export const DEFAULT_REQUEST_MIX: readonly RequestKind[] = [
  { ...none, route: 'GET /feed', share: 0.25, handlerMs: 25, feedPages: 1 },
  {
    // Reads the owner's partition of the byOwner index: spread over users, no shared hot key.
    ...none,
    route: 'GET /users/{userId}/photos',
    share: 0.2,
    handlerMs: 25,
    measuredAs: 'GET /users/{id}/photos (page of 20)',
  },
  // Consistent GetItem, then a presigned download URL (signed locally, no call).
  { ...none, route: 'GET /photos/{photoId}', share: 0.2, handlerMs: 15, tableReadUnits: 1 },
  {
    ...none,
    route: 'GET /users/{userId}',
    variant: 'cache hit',
    share: PROFILE_READS_BY_ID * PROFILE_CACHE_HIT_RATIO,
    handlerMs: 10,
    cacheCommands: 1,
    measuredAs: 'GET /users/{id} from the cache (hit)',
  },
  {
    // GET, SELECT, then SET of the fresh profile.
    ...none,
    route: 'GET /users/{userId}',
    variant: 'cache miss',
    share: PROFILE_READS_BY_ID * (1 - PROFILE_CACHE_HIT_RATIO),
    handlerMs: 20,
    databaseStatements: 1,
    cacheCommands: 2,
    measuredAs: 'GET /users/{id} from PostgreSQL (cache miss)',
  },
  // The caller's own profile always comes from the database.
  { ...none, route: 'GET /me', share: 0.05, handlerMs: 15, databaseStatements: 1 },
  {
    // POST /photos: slot update + put. upload-complete: 2 consistent gets, PROCESSING update, slot
    // release. process-photo (its mapping's filter passes the PROCESSING write only): a consistent
    // get, the original's HEAD and GET, four renditions made and PUT, the READY update. Stream:
    // five records, one of them counted (BEGIN, lock, INSERT, UPDATE, COMMIT) and its owner's cached
    // profile deleted.
    route: 'POST /photos',
    variant: 'then upload-complete, process-photo and the stream',
    share: 0.1,
    handlerMs: 30,
    triggeredMs: {
      'upload-complete': 60,
      'process-photo': PROCESS_PHOTO_MS,
      'stream-processor': 15,
    },
    databaseStatements: 5,
    cacheCommands: 1,
    tableReadUnits: 3,
    tableWriteUnits: 5,
    feedWrites: 1,
    feedPages: 0,
    measuredAs: 'POST /photos',
  },
  // BEGIN, lock, upsert, COMMIT; then the cached profile is deleted.
  { ...none, route: 'PUT /me', share: 0.03, handlerMs: 30, databaseStatements: 4, cacheCommands: 1 },
  {
    // Get + conditional delete; the stream uncounts the photo (5 statements) and deletes its
    // owner's cached profile and its S3 object.
    route: 'DELETE /photos/{photoId}',
    variant: 'then the stream',
    share: 0.02,
    handlerMs: 20,
    triggeredMs: { 'stream-processor': 40 },
    databaseStatements: 5,
    cacheCommands: 1,
    tableReadUnits: 1,
    tableWriteUnits: 1,
    feedWrites: 1,
    feedPages: 0,
  },
];

/** The row as people read it: the route, and which case of it. */
export function labelOf(kind: RequestKind): string {
  return kind.variant ? `${kind.route} (${kind.variant})` : kind.route;
}

/** The function that answers the row's route (contract/routes.ts). */
export function handlerOf(kind: RequestKind): FunctionName {
  return FUNCTIONS[ROUTES[kind.route].function].name;
}

/** Lambda time (ms) one request of the row spends in the function. */
export function lambdaMsOf(kind: RequestKind, fn: FunctionName): number {
  return (handlerOf(kind) === fn ? kind.handlerMs : 0) + (kind.triggeredMs?.[fn] ?? 0);
}

/** Every function the row runs. */
function functionsOf(kind: RequestKind): FunctionName[] {
  return [handlerOf(kind), ...(Object.keys(kind.triggeredMs ?? {}) as FunctionName[])];
}

/** One part of the request path and the API request rate it sustains for the mix. */
export interface PartCapacity {
  readonly part: string;
  /** What it has per second (or at once), in words. */
  readonly capacity: string;
  /** What one API request of the mix asks of it, on average, in words. */
  readonly perRequest: string;
  /** API requests per second it sustains; Infinity when the mix does not use it. */
  readonly sustainableRps: number;
  /** What callers see beyond it. */
  readonly whenExceeded: string;
  /** The setting (or quota) that raises it, and where it lives. */
  readonly knob: string;
}

/** Capacity over demand, both per API request; a part the mix never uses does not limit it. */
export function sustainableRps(capacity: number, demandPerRequest: number): number {
  return demandPerRequest > 0 ? capacity / demandPerRequest : Infinity;
}

/** The mix's average of one demand per API request. */
export function averagePerRequest(
  mix: readonly RequestKind[],
  demand: (kind: RequestKind) => number,
): number {
  return mix.reduce((sum, kind) => sum + kind.share * demand(kind), 0);
}

/** Lambda seconds per API request that the named functions spend. */
function lambdaSeconds(mix: readonly RequestKind[], functions: readonly FunctionName[]): number {
  return averagePerRequest(
    mix,
    (kind) => functions.reduce((sum, fn) => sum + lambdaMsOf(kind, fn), 0) / 1000,
  );
}

/** Refuses a mix whose shares do not add up to 1, which would scale every figure by the error. */
export function checkMix(mix: readonly RequestKind[]): void {
  const shares = mix.reduce((sum, kind) => sum + kind.share, 0);
  if (Math.abs(shares - 1) > 1e-9) throw new Error(`Request mix shares must add up to 1 (got ${shares})`);
}

/**
 * Aurora PostgreSQL Serverless v2's default max_connections: the documented row of the maximum
 * capacity, linear between rows (the formula is linear in memory, and memory in ACUs), and at most
 * 2,000 with a minimum of 0.5 ACU or less.
 */
export function auroraMaxConnections(minCapacity: number, maxCapacity: number): number {
  const rows = AURORA_POSTGRESQL_MAX_CONNECTIONS;
  if (maxCapacity < rows[0][0]) {
    throw new RangeError(`Aurora Serverless v2 maximum capacity must be at least ${rows[0][0]} ACU`);
  }
  const upper = rows.findIndex(([acu]) => acu >= maxCapacity);
  let connections: number;
  if (upper === -1) {
    connections = rows[rows.length - 1][1];
  } else if (rows[upper][0] === maxCapacity) {
    connections = rows[upper][1];
  } else {
    const [acu0, c0] = rows[upper - 1];
    const [acu1, c1] = rows[upper];
    connections = Math.floor(c0 + ((c1 - c0) * (maxCapacity - acu0)) / (acu1 - acu0));
  }
  return minCapacity <= 0.5 ? Math.min(connections, AURORA_LOW_MINIMUM_CONNECTION_CAP) : connections;
}

/** Read units of one query of a full page of the feed index (eventually consistent: half a unit per 4 KB). */
export function feedPageReadUnits(photoItemBytes: number, pageSize = DEFAULT_PAGE_SIZE): number {
  return Math.ceil((pageSize * photoItemBytes) / 4096) * 0.5;
}

/** Cache commands per second one node's baseline network carries. */
export function cacheCommandsPerSecond(nodeType: string, commandBytes: number): number {
  const gbps = CACHE_NODE_BASELINE_GBPS[nodeType];
  if (gbps === undefined) {
    throw new Error(
      `No baseline bandwidth for cache node type ${nodeType}; add it to CACHE_NODE_BASELINE_GBPS in scripts/capacity/model.ts`,
    );
  }
  return (gbps * 1e9) / 8 / commandBytes;
}

const count = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A sustainable rate as people quote it: whole requests, rounded down; `unused` for a part the mix never uses. */
export function formatRps(rps: number): string {
  return Number.isFinite(rps) ? Math.floor(rps).toLocaleString('en-US') : 'unused';
}

/** The functions that reach Aurora (their environment includes the database). */
const DATABASE_FUNCTIONS: readonly FunctionName[] = Object.values(FUNCTIONS)
  .filter((fn) => (fn.environment as readonly string[]).includes('database'))
  .map((fn) => fn.name);

/** What each stream reader falling behind means, and what raises it. */
const STREAM_READER_LIMITS: Readonly<Record<StreamReader, Pick<PartCapacity, 'whenExceeded' | 'knob'>>> = {
  'stream-processor': {
    whenExceeded:
      'no error: the stream falls behind (streamIteratorAge alarm), photo counts and cache invalidation lag',
    knob: 'parallelizationFactor in lib/constructs/photo-stream-processor.ts (1-10 per shard)',
  },
  'process-photo': {
    whenExceeded:
      'no error: uploads stay PROCESSING longer (streamIteratorAge alarm); a record an hour old goes to the processing failure queue and its photo stays PROCESSING',
    knob: "parallelizationFactor of PhotoProcessing in lib/stacks/api-stack.ts (1-10 per shard; one photo per batch), or less time per photo (the function's memory buys vCPU)",
  },
};

/** Every part of the request path, in the order a request meets them. */
export function partCapacities(
  inputs: CapacityInputs,
  mix: readonly RequestKind[] = DEFAULT_REQUEST_MIX,
  assumptions: Assumptions = ASSUMPTIONS,
): PartCapacity[] {
  checkMix(mix);
  const stageFile = stageConfigFile(inputs.stage);
  const parts: PartCapacity[] = [
    {
      part: 'API Gateway stage throttle',
      capacity: `${count(inputs.api.rateLimit)} rps, burst ${count(inputs.api.burstLimit)}`,
      perRequest: '1 request',
      sustainableRps: inputs.api.rateLimit,
      whenExceeded: '429 Too Many Requests from API Gateway',
      knob: `api.throttleRateLimit (and api.throttleBurstLimit) in ${stageFile}; the account's ${count(API_GATEWAY_ACCOUNT_RATE)} rps across all its APIs is the ceiling`,
    },
  ];

  const functionsInMix = [...new Set(mix.flatMap(functionsOf))];
  const reserved = Object.entries(inputs.reservedConcurrency) as Array<[FunctionName, number]>;
  // Each mapping runs up to one batch per shard and parallelization factor, all of them at once.
  const batchesOf = (fn: StreamReader): number =>
    assumptions.streamShards * inputs.streams[fn].parallelizationFactor;
  const streamConcurrency = STREAM_READERS.reduce((sum, fn) => sum + batchesOf(fn), 0);
  for (const [fn, concurrency] of reserved) {
    if (!functionsInMix.includes(fn)) continue;
    const seconds = lambdaSeconds(mix, [fn]);
    parts.push({
      part: `Lambda ${fn} (reserved concurrency)`,
      capacity: `${count(concurrency)} concurrent executions`,
      perRequest: `${count(seconds * 1000, 2)} ms of ${fn}`,
      sustainableRps: sustainableRps(concurrency, seconds),
      whenExceeded: 'throttled invocations: 429 (API) from Lambda',
      knob: `api.databaseFunctionConcurrency in ${stageFile} (the account must keep ${UNRESERVED_MINIMUM} unreserved)`,
    });
  }

  const readsStream = (fn: FunctionName): boolean => (STREAM_READERS as readonly string[]).includes(fn);
  const shared = functionsInMix.filter(
    (fn) => inputs.reservedConcurrency[fn] === undefined && !readsStream(fn),
  );
  const reservedTotal = reserved.reduce((sum, [, n]) => sum + n, 0);
  const unreserved = Math.max(0, assumptions.accountConcurrency - reservedTotal - streamConcurrency);
  const sharedSeconds = lambdaSeconds(mix, shared);
  parts.push({
    part: 'Lambda account concurrency (unreserved)',
    capacity: `${count(unreserved)} of the account's ${count(assumptions.accountConcurrency)} concurrent executions (an account quota shared by every function in the Region; reserved ones and stream batches taken out)`,
    perRequest: `${count(sharedSeconds * 1000, 2)} ms of ${shared.join(', ')}`,
    sustainableRps: sustainableRps(unreserved, sharedSeconds),
    whenExceeded: 'throttled invocations: 429 (API), retried (S3 events)',
    knob: `the account's Lambda concurrent executions quota (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA})`,
  });

  for (const fn of STREAM_READERS) {
    const seconds = lambdaSeconds(mix, [fn]);
    parts.push({
      part: `Lambda ${fn} (per stream shard)`,
      capacity: `${assumptions.streamShards} shard(s) (assumed: the least a stream has) x parallelization factor ${inputs.streams[fn].parallelizationFactor} = ${count(batchesOf(fn))} batch(es) at a time, records in order`,
      perRequest: `${count(seconds * 1000, 2)} ms of ${fn}`,
      sustainableRps: sustainableRps(batchesOf(fn), seconds),
      ...STREAM_READER_LIMITS[fn],
    });
  }

  parts.push(databasePart(inputs, mix, assumptions, stageFile));
  parts.push(...dynamoDbParts(inputs, mix, assumptions, stageFile));

  const commands = averagePerRequest(mix, (kind) => kind.cacheCommands);
  const perSecond = cacheCommandsPerSecond(inputs.cache.nodeType, assumptions.cacheCommandBytes);
  parts.push({
    part: 'Cache primary node (network baseline)',
    capacity: `${inputs.cache.nodeType}: ${CACHE_NODE_BASELINE_GBPS[inputs.cache.nodeType]} Gbit/s / ${count(assumptions.cacheCommandBytes)} B = ${count(perSecond)} commands/s`,
    perRequest: `${count(commands, 3)} commands`,
    sustainableRps: sustainableRps(perSecond, commands),
    whenExceeded: 'slow or failed cache commands: handlers fall back to Aurora (cacheErrors alarm)',
    knob: `cache.nodeType in ${stageFile} (replicas add no read capacity: handlers use the primary endpoint)`,
  });
  return parts;
}

function databasePart(
  inputs: CapacityInputs,
  mix: readonly RequestKind[],
  assumptions: Assumptions,
  stageFile: string,
): PartCapacity {
  const { minCapacity, maxCapacity, proxyMaxConnectionsPercent } = inputs.database;
  const maxConnections = auroraMaxConnections(minCapacity, maxCapacity);
  const capKnob =
    minCapacity <= 0.5 && maxConnections === AURORA_LOW_MINIMUM_CONNECTION_CAP
      ? `database.minCapacity >= 1 in ${stageFile} (lifts the 2,000 cap)`
      : `database.maxCapacity in ${stageFile} (max_connections follows it; instances reboot)`;
  if (proxyMaxConnectionsPercent === undefined) {
    // Every warm environment of a database function holds its pool's connections, busy or not.
    const environments = Math.floor(maxConnections / DATABASE_POOL_SIZE);
    const seconds = lambdaSeconds(mix, DATABASE_FUNCTIONS);
    return {
      part: 'Aurora connections (no RDS Proxy)',
      capacity: `max_connections ${count(maxConnections)} (${minCapacity}-${maxCapacity} ACU) / ${DATABASE_POOL_SIZE} per warm environment = ${count(environments)} environments`,
      perRequest: `${count(seconds * 1000, 2)} ms of ${DATABASE_FUNCTIONS.join(', ')}`,
      sustainableRps: sustainableRps(environments, seconds),
      whenExceeded: 'connections refused: 503 DEPENDENCY_UNAVAILABLE',
      knob: `database.proxy: true in ${stageFile} (pooled connections), or ${capKnob}`,
    };
  }
  const connections = Math.floor((maxConnections * proxyMaxConnectionsPercent) / 100);
  const seconds = averagePerRequest(
    mix,
    (kind) => (kind.databaseStatements * assumptions.databaseStatementMs) / 1000,
  );
  return {
    part: 'RDS Proxy connections to Aurora',
    capacity: `${proxyMaxConnectionsPercent}% of max_connections ${count(maxConnections)} (${minCapacity}-${maxCapacity} ACU) = ${count(connections)}`,
    perRequest: `${count(seconds * 1000, 3)} ms of connection time`,
    sustainableRps: sustainableRps(connections, seconds),
    whenExceeded: 'borrow waits, then 503 DEPENDENCY_UNAVAILABLE (proxyBorrowLatency alarm)',
    knob: `${capKnob}, or MaxConnectionsPercent in lib/constructs/profile-database.ts`,
  };
}

function dynamoDbParts(
  inputs: CapacityInputs,
  mix: readonly RequestKind[],
  assumptions: Assumptions,
  stageFile: string,
): PartCapacity[] {
  const { feedShards, billing } = inputs.photos;
  const limits = DYNAMODB_PARTITION_LIMITS;
  const pageUnits = feedPageReadUnits(assumptions.photoItemBytes);
  // Each shard takes 1/n of the feed writes, but every page reads every shard.
  const shardWrites = (averagePerRequest(mix, (kind) => kind.feedWrites) * FEED_WRITE_UNITS) / feedShards;
  const shardReads = averagePerRequest(mix, (kind) => kind.feedPages) * pageUnits;
  const writeShare = shardWrites / limits.writeUnitsPerSecond;
  const readShare = shardReads / limits.readUnitsPerSecond;
  const feed: PartCapacity = {
    part: 'DynamoDB feed index partition (one shard)',
    capacity: `${count(limits.writeUnitsPerSecond)} WCU or ${count(limits.readUnitsPerSecond)} RCU per second per partition; ${feedShards} shard(s)`,
    perRequest: `${count(shardWrites, 3)} WCU + ${count(shardReads, 3)} RCU per shard (a write ${FEED_WRITE_UNITS} WCU, a page of ${DEFAULT_PAGE_SIZE} ${pageUnits} RCU)`,
    sustainableRps: sustainableRps(1, writeShare + readShare),
    whenExceeded: 'throttled feed writes and reads: 503 DEPENDENCY_UNAVAILABLE (tableThrottles alarm)',
    knob:
      writeShare >= readShare
        ? `photos.feedShards in ${stageFile} (writes spread over the shards)`
        : `not photos.feedShards: every feed page reads every shard; cache feed pages or shorten them (DEFAULT_PAGE_SIZE in contract/limits.ts)`,
  };

  const reads = averagePerRequest(mix, (kind) => kind.tableReadUnits);
  const writes = averagePerRequest(mix, (kind) => kind.tableWriteUnits);
  const perRequest = `${count(reads, 3)} RCU + ${count(writes, 3)} WCU`;
  const whenExceeded = 'throttled requests: 503 DEPENDENCY_UNAVAILABLE (tableThrottles alarm)';
  if (billing.mode === 'onDemand') {
    const initial = DYNAMODB_NEW_ON_DEMAND_TABLE;
    return [
      feed,
      {
        part: 'DynamoDB table (new on-demand table)',
        capacity: `${count(initial.writeUnitsPerSecond)} WCU or ${count(initial.readUnitsPerSecond)} RCU per second, then twice the previous peak`,
        perRequest,
        sustainableRps: sustainableRps(
          1,
          reads / initial.readUnitsPerSecond + writes / initial.writeUnitsPerSecond,
        ),
        whenExceeded,
        knob: 'none for on-demand: it doubles on the previous peak within 30 minutes; pre-warm it (warm throughput) before a launch',
      },
    ];
  }
  const { readCapacity, writeCapacity } = billing;
  return [
    feed,
    {
      part: 'DynamoDB table (provisioned, at auto scaling maximum)',
      capacity: `${count(readCapacity.max)} RCU and ${count(writeCapacity.max)} WCU per second`,
      perRequest,
      sustainableRps: Math.min(
        sustainableRps(readCapacity.max, reads),
        sustainableRps(writeCapacity.max, writes),
      ),
      whenExceeded,
      knob: `photos.billing.readCapacity.max / writeCapacity.max in ${stageFile}`,
    },
  ];
}

/** The part that saturates first: the lowest sustainable rate. */
export function bottleneck(parts: readonly PartCapacity[]): PartCapacity {
  if (parts.length === 0) throw new Error('No parts to compare');
  return parts.reduce((low, part) => (part.sustainableRps < low.sustainableRps ? part : low));
}

/** What to change, and where the next limit is once the bottleneck is raised. */
export function advice(parts: readonly PartCapacity[]): string {
  const first = bottleneck(parts);
  const next = parts
    .filter((part) => part !== first)
    .reduce<PartCapacity | undefined>(
      (low, part) => (low === undefined || part.sustainableRps < low.sustainableRps ? part : low),
      undefined,
    );
  const then = next ? ` The next limit is ${next.part}, at ${formatRps(next.sustainableRps)} rps.` : '';
  return `${first.part} saturates first, at ${formatRps(first.sustainableRps)} rps. To raise it: ${first.knob}.${then}`;
}

/** Uploads per second one user sustains: the pending slots over the time each one is held. */
export function uploadsPerUserPerSecond(maxPendingUploadsPerUser: number, uploadSeconds: number): number {
  return maxPendingUploadsPerUser / uploadSeconds;
}

/** A handler duration of the mix below what the benchmark measured for the same case. */
export interface ImplausibleDuration {
  readonly label: string;
  readonly assumedMs: number;
  readonly measuredP50Ms: number;
}

/**
 * The mix's handler durations that are below the benchmark's median for the same case. The
 * benchmark runs the handlers in-process against loopback engines, so it is a floor: Lambda in AWS
 * adds a network round trip to every call.
 */
export function durationsBelowMeasurement(
  measuredP50Ms: Readonly<Record<string, number>>,
  mix: readonly RequestKind[] = DEFAULT_REQUEST_MIX,
): ImplausibleDuration[] {
  return mix.flatMap((kind) => {
    const measured = kind.measuredAs === undefined ? undefined : measuredP50Ms[kind.measuredAs];
    return measured !== undefined && kind.handlerMs < measured
      ? [{ label: labelOf(kind), assumedMs: kind.handlerMs, measuredP50Ms: measured }]
      : [];
  });
}
