import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_STAGE, FEED_WRITE_UNITS, STAGE_CONFIGS } from '../../lib/config';
import type { RouteKey } from '../../contract/routes';
import { capacityInputs } from '../../scripts/capacity';
import { DEFAULT_REQUEST_MIX as COST_MIX } from '../../scripts/cost/model';
import {
  advice,
  auroraMaxConnections,
  bottleneck,
  cacheCommandsPerSecond,
  checkMix,
  DEFAULT_REQUEST_MIX,
  durationsBelowMeasurement,
  feedPageReadUnits,
  handlerOf,
  partCapacities,
  PROCESS_PHOTO_MS,
  sustainableRps,
  uploadsPerUserPerSecond,
  type Assumptions,
  type CapacityInputs,
  type PartCapacity,
  type RequestKind,
} from '../../scripts/capacity/model';

/** Round numbers, so that every figure below can be checked by hand. */
const assumptions: Assumptions = {
  accountConcurrency: 1000,
  streamShards: 1,
  databaseStatementMs: 2,
  cacheCommandBytes: 1000,
  photoItemBytes: 800,
  uploadSeconds: 5,
};

function kind(row: Partial<RequestKind> & Pick<RequestKind, 'route' | 'share'>): RequestKind {
  return {
    handlerMs: 0,
    databaseStatements: 0,
    cacheCommands: 0,
    tableReadUnits: 0,
    tableWriteUnits: 0,
    feedWrites: 0,
    feedPages: 0,
    ...row,
  };
}

/**
 * Per API request: 10 ms of photos-api, 20 ms of profiles-api, 5 ms of stream-processor, 10 ms of
 * process-photo, 2 SQL statements (4 ms), 1 cache command, 1 RCU + 2 WCU on the table, 1 feed write
 * and half a feed page.
 */
const mix: RequestKind[] = [
  kind({ route: 'GET /feed', share: 0.5, handlerMs: 20, feedPages: 1 }),
  kind({
    route: 'PUT /me',
    share: 0.5,
    handlerMs: 40,
    triggeredMs: { 'stream-processor': 10, 'process-photo': 20 },
    databaseStatements: 4,
    cacheCommands: 2,
    tableReadUnits: 2,
    tableWriteUnits: 4,
    feedWrites: 2,
  }),
];

const inputs: CapacityInputs = {
  stage: 'test',
  api: { rateLimit: 100, burstLimit: 200 },
  reservedConcurrency: { 'profiles-api': 50 },
  database: { proxyMaxConnectionsPercent: 50, minCapacity: 1, maxCapacity: 4 },
  streams: {
    'stream-processor': { parallelizationFactor: 2 },
    'process-photo': { parallelizationFactor: 5 },
  },
  cache: { nodeType: 'cache.t4g.micro' },
  photos: { billing: { mode: 'onDemand' }, feedShards: 2, maxPendingUploadsPerUser: 10 },
};

function rpsOf(parts: readonly PartCapacity[], name: RegExp): number {
  const found = parts.filter((p) => name.test(p.part));
  if (found.length !== 1) throw new Error(`expected one part matching ${name}, found ${found.length}`);
  return found[0].sustainableRps;
}

describe('the formulas', () => {
  const parts = partCapacities(inputs, mix, assumptions);

  it('takes the stage throttle as it is', () => {
    expect(rpsOf(parts, /^API Gateway/)).toBe(100);
  });

  it('divides a reserved concurrency by the seconds its function spends per request', () => {
    // 50 / (0.5 x 40 ms)
    expect(rpsOf(parts, /profiles-api \(reserved/)).toBeCloseTo(2500, 6);
  });

  it('shares what is left of the account among the other functions', () => {
    // (1000 - 50 reserved - 1 shard x (2 + 5) batches of the stream readers) / (0.5 x 20 ms of
    // photos-api): the stream readers' time is theirs, not the account's share.
    expect(rpsOf(parts, /account concurrency/)).toBeCloseTo(94_300, 6);
  });

  it('has no account concurrency left when the reservations take all of it', () => {
    const greedy = { ...inputs, reservedConcurrency: { 'profiles-api': 1500 } };
    expect(rpsOf(partCapacities(greedy, mix, assumptions), /account concurrency/)).toBe(0);
  });

  it('runs the stream processor one batch per shard and parallelization factor', () => {
    // 1 shard x 2 / (0.5 x 10 ms)
    expect(rpsOf(parts, /stream-processor/)).toBeCloseTo(400, 6);
  });

  it('runs process-photo one photo per shard and parallelization factor, for its time per photo', () => {
    // 1 shard x 5 / (0.5 x 20 ms)
    expect(rpsOf(parts, /process-photo/)).toBeCloseTo(500, 6);
  });

  it('scales both stream readers with the shards, and takes their batches out of the account', () => {
    const threeShards = partCapacities(inputs, mix, { ...assumptions, streamShards: 3 });
    expect(rpsOf(threeShards, /stream-processor/)).toBeCloseTo(1200, 6);
    expect(rpsOf(threeShards, /process-photo/)).toBeCloseTo(1500, 6);
    // (1000 - 50 - 3 x (2 + 5)) / 10 ms
    expect(rpsOf(threeShards, /account concurrency/)).toBeCloseTo(92_900, 6);
  });

  it("gives the proxy its percent of Aurora's max_connections, each held per statement", () => {
    // floor(50% x 823) / (2 statements x 2 ms)
    expect(rpsOf(parts, /^RDS Proxy/)).toBeCloseTo(411 / 0.004, 6);
  });

  it('without a proxy, counts warm environments of the database functions, two connections each', () => {
    const direct = { ...inputs, database: { minCapacity: 1, maxCapacity: 4 } };
    const directParts = partCapacities(direct, mix, assumptions);
    expect(directParts.some((p) => /^RDS Proxy/.test(p.part))).toBe(false);
    // floor(823 / 2) / (20 ms of profiles-api + 5 ms of stream-processor)
    expect(rpsOf(directParts, /no RDS Proxy/)).toBeCloseTo(411 / 0.025, 6);
  });

  it('spreads feed writes over the shards, while every page reads every shard', () => {
    // 1 / (1 write x FEED_WRITE_UNITS / 2 shards / 1000 + 0.5 pages x 2 RCU / 3000)
    expect(rpsOf(parts, /feed index/)).toBeCloseTo(1 / (FEED_WRITE_UNITS / 2 / 1000 + 1 / 3000), 6);
  });

  it('holds a new on-demand table to 4,000 WCU or 12,000 RCU, or a linear mix of both', () => {
    expect(rpsOf(parts, /table \(new on-demand/)).toBeCloseTo(1 / (1 / 12_000 + 2 / 4000), 6);
  });

  it('holds a provisioned table to the auto scaling maximum of reads and of writes', () => {
    const provisioned = {
      ...inputs,
      photos: {
        ...inputs.photos,
        billing: {
          mode: 'provisioned' as const,
          readCapacity: { min: 5, max: 100 },
          writeCapacity: { min: 5, max: 50 },
        },
      },
    };
    // min(100 RCU / 1, 50 WCU / 2)
    expect(rpsOf(partCapacities(provisioned, mix, assumptions), /table \(provisioned/)).toBe(25);
  });

  it("divides the cache node's baseline bandwidth by the bytes of a command", () => {
    expect(cacheCommandsPerSecond('cache.t4g.micro', 1000)).toBe(8000);
    expect(rpsOf(parts, /^Cache/)).toBe(8000);
  });

  it('refuses a node type it has no bandwidth for, naming where to add it', () => {
    expect(() => cacheCommandsPerSecond('cache.x9.huge', 1000)).toThrow(
      /cache.x9.huge.*scripts\/capacity\/model.ts/,
    );
  });

  it('does not let a part the mix never uses limit it', () => {
    expect(sustainableRps(10, 0)).toBe(Infinity);
    expect(sustainableRps(0, 0)).toBe(Infinity);
    expect(sustainableRps(10, 0.5)).toBe(20);
  });

  it('reads a full page of photo items at half a unit per 4 KB', () => {
    expect(feedPageReadUnits(800)).toBe(2); // 20 x 800 B = 15.6 KB: 4 blocks
    expect(feedPageReadUnits(100)).toBe(0.5);
  });

  it('lets one user upload as fast as the pending slots free up', () => {
    expect(uploadsPerUserPerSecond(20, 10)).toBe(2);
  });

  it('refuses a mix whose shares do not add up to 1', () => {
    expect(() => checkMix([kind({ route: 'GET /me', share: 0.9 })])).toThrow(/add up to 1 \(got 0.9\)/);
    expect(() => partCapacities(inputs, [kind({ route: 'GET /me', share: 1.1 })], assumptions)).toThrow(
      /add up to 1/,
    );
  });
});

describe("Aurora PostgreSQL Serverless v2's max_connections", () => {
  it('is the documented value at a documented maximum capacity', () => {
    expect(auroraMaxConnections(1, 1)).toBe(189);
    expect(auroraMaxConnections(1, 16)).toBe(3360);
    expect(auroraMaxConnections(1, 256)).toBe(5000);
  });

  it('is linear between documented rows', () => {
    // a third of the way from 189 (1 ACU) to 823 (4 ACU)
    expect(auroraMaxConnections(0.5, 2)).toBe(400);
  });

  it('stops at 2,000 with a minimum of 0.5 ACU or less', () => {
    expect(auroraMaxConnections(0.5, 16)).toBe(2000);
    expect(auroraMaxConnections(0, 32)).toBe(2000);
    expect(auroraMaxConnections(1, 32)).toBe(5000);
  });

  it('refuses a maximum below 1 ACU, which no table row covers', () => {
    expect(() => auroraMaxConnections(0.5, 0.5)).toThrow(RangeError);
  });
});

describe('the bottleneck', () => {
  it('is the throttle of a stage whose throttle is low', () => {
    const parts = partCapacities(inputs, mix, assumptions);
    expect(bottleneck(parts).part).toBe('API Gateway stage throttle');
    expect(advice(parts)).toMatch(
      /^API Gateway stage throttle saturates first, at 100 rps\. To raise it: api\.throttleRateLimit .* in lib\/config\/stages\/test\.ts.*The next limit is Lambda stream-processor \(per stream shard\), at 400 rps\.$/,
    );
  });

  it('is the feed partition of a stage with a high throttle and one shard, and the advice names feedShards', () => {
    const oneShard = {
      ...inputs,
      api: { rateLimit: 10_000, burstLimit: 5000 },
      streams: {
        'stream-processor': { parallelizationFactor: 10 },
        'process-photo': { parallelizationFactor: 10 },
      },
      photos: { ...inputs.photos, feedShards: 1 },
    };
    const parts = partCapacities(oneShard, mix, assumptions);
    expect(bottleneck(parts).part).toBe('DynamoDB feed index partition (one shard)');
    expect(advice(parts)).toContain('To raise it: photos.feedShards in lib/config/stages/test.ts');
  });

  it('sends a read-heavy feed to caching, since shards do not spread reads', () => {
    const reads = [kind({ route: 'GET /feed', share: 1, handlerMs: 20, feedPages: 1 })];
    const feed = partCapacities(inputs, reads, assumptions).find((p) => /feed index/.test(p.part))!;
    expect(feed.knob).toMatch(/^not photos\.feedShards/);
  });

  it('is the proxy of a small cluster behind a high throttle, and the advice names its capacity', () => {
    const small = {
      ...inputs,
      api: { rateLimit: 10_000, burstLimit: 5000 },
      streams: {
        'stream-processor': { parallelizationFactor: 10 },
        'process-photo': { parallelizationFactor: 10 },
      },
      database: { proxyMaxConnectionsPercent: 50, minCapacity: 1, maxCapacity: 1 },
    };
    const heavy = [kind({ route: 'PUT /me', share: 1, handlerMs: 30, databaseStatements: 100 })];
    const parts = partCapacities(small, heavy, assumptions);
    // floor(50% x 189) = 94 connections / (100 statements x 2 ms)
    expect(bottleneck(parts)).toMatchObject({ part: 'RDS Proxy connections to Aurora', sustainableRps: 470 });
    expect(advice(parts)).toContain('To raise it: database.maxCapacity in lib/config/stages/test.ts');
  });

  it("names the minimum capacity when it is what caps Aurora's connections", () => {
    const capped = {
      ...inputs,
      database: { proxyMaxConnectionsPercent: 90, minCapacity: 0.5, maxCapacity: 16 },
    };
    const proxy = partCapacities(capped, mix, assumptions).find((p) => /^RDS Proxy/.test(p.part))!;
    expect(proxy.knob).toMatch(/^database\.minCapacity >= 1/);
  });
});

describe('the default request mix', () => {
  it('adds up to 1', () => {
    expect(() => checkMix(DEFAULT_REQUEST_MIX)).not.toThrow();
  });

  it("keeps the shares of the cost model's request groups", () => {
    const share = (...routes: RouteKey[]) =>
      DEFAULT_REQUEST_MIX.filter((k) => routes.includes(k.route)).reduce((sum, k) => sum + k.share, 0);
    const costShare = (first: string) => COST_MIX.find((p) => p.route.startsWith(first))!.share;
    expect(share('GET /feed', 'GET /users/{userId}/photos')).toBeCloseTo(costShare('GET /feed'), 9);
    expect(share('GET /photos/{photoId}')).toBeCloseTo(costShare('GET /photos/{id}'), 9);
    expect(share('GET /users/{userId}', 'GET /me')).toBeCloseTo(costShare('GET /users/{id}'), 9);
    expect(share('POST /photos')).toBeCloseTo(costShare('POST /photos'), 9);
    expect(share('PUT /me', 'DELETE /photos/{photoId}')).toBeCloseTo(costShare('PUT /me'), 9);
  });

  it('takes each handler from the route table', () => {
    const feed = DEFAULT_REQUEST_MIX.find((k) => k.route === 'GET /feed')!;
    const me = DEFAULT_REQUEST_MIX.find((k) => k.route === 'PUT /me')!;
    expect([handlerOf(feed), handlerOf(me)]).toEqual(['photos-api', 'profiles-api']);
  });

  it('flags an assumed handler duration below what the benchmark measured on loopback', () => {
    const measured = { 'POST /photos': 45, 'GET /users/{id} from Redis (cached)': 0.2 };
    expect(durationsBelowMeasurement(measured)).toEqual([
      {
        label: 'POST /photos (then upload-complete, process-photo and the stream)',
        assumedMs: 30,
        measuredP50Ms: 45,
      },
    ]);
  });

  it('runs process-photo once per upload, for the duration the cost model bills', () => {
    const uploads = DEFAULT_REQUEST_MIX.filter((k) => k.triggeredMs?.['process-photo'] !== undefined);
    expect(uploads.map((k) => [k.route, k.triggeredMs?.['process-photo']])).toEqual([
      ['POST /photos', PROCESS_PHOTO_MS],
    ]);
    const costUpload = COST_MIX.find((p) => p.route.startsWith('POST /photos'))!;
    expect(costUpload.invocations).toContainEqual({ memoryMb: 1769, durationMs: PROCESS_PHOTO_MS });
  });

  it('makes process-photo the limit of one shard at its parallelization factor of 5: 5 photos/s, 50 rps', () => {
    const wide = {
      ...inputs,
      api: { rateLimit: 10_000, burstLimit: 5000 },
      reservedConcurrency: {},
      streams: {
        'stream-processor': { parallelizationFactor: 10 },
        'process-photo': { parallelizationFactor: 5 },
      },
      photos: { ...inputs.photos, feedShards: 4 },
    };
    const parts = partCapacities(wide, DEFAULT_REQUEST_MIX, assumptions);
    // 1 shard x 5 photos at a time / (10% uploads x 1 s)
    expect(bottleneck(parts)).toMatchObject({
      part: 'Lambda process-photo (per stream shard)',
      sustainableRps: 50,
    });
    expect(advice(parts)).toContain(
      'To raise it: parallelizationFactor of PhotoProcessing in lib/stacks/api-stack.ts',
    );
  });
});

describe('the inputs read from templates', () => {
  const config = STAGE_CONFIGS[DEFAULT_STAGE];
  const resources = {
    Stage: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: { DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 } },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'stream-processor' } } },
    },
    Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' } } },
    Processor: {
      Type: 'AWS::Lambda::Function',
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'process-photo' } } },
    },
    ProcessorMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Processor' }, ParallelizationFactor: 5 },
    },
  };
  const data = {
    Cluster: {
      Type: 'AWS::RDS::DBCluster',
      Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 } },
    },
    Cache: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: { CacheNodeType: 'cache.t4g.micro' } },
  };
  const read = (api: object, dataResources: object) =>
    capacityInputs(config, {
      api: Template.fromJSON({ Resources: api }),
      data: Template.fromJSON({ Resources: dataResources }),
    });

  it("take RDS Proxy's default of 100 percent when the pool leaves it out, and no proxy when there is none", () => {
    const pool = { Pool: { Type: 'AWS::RDS::DBProxyTargetGroup', Properties: {} } };
    expect(read(resources, { ...data, ...pool }).database.proxyMaxConnectionsPercent).toBe(100);
    expect(read(resources, data).database).toEqual({ minCapacity: 0.5, maxCapacity: 2 });
  });

  it("take a mapping's parallelization factor as 1 when it is left out", () => {
    expect(read(resources, data).streams).toEqual({
      'stream-processor': { parallelizationFactor: 1 },
      'process-photo': { parallelizationFactor: 5 },
    });
  });

  it('refuse a stage without a default route throttle', () => {
    const unthrottled = { ...resources, Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: {} } };
    expect(() => read(unthrottled, data)).toThrow(
      /API throttle rate \(DefaultRouteSettings.ThrottlingRateLimit\)/,
    );
  });

  it('refuse templates with two of what the app has one of', () => {
    expect(() => read(resources, { ...data, Other: data.Cluster })).toThrow(
      /Expected one AWS::RDS::DBCluster in the template, found 2/,
    );
    const twoMappings = { ...resources, Mapping2: resources.Mapping };
    expect(() => read(twoMappings, data)).toThrow(
      /Expected one event source mapping of stream-processor, found 2/,
    );
    const unprocessed = Object.fromEntries(
      Object.entries(resources).filter(([id]) => id !== 'ProcessorMapping'),
    );
    expect(() => read(unprocessed, data)).toThrow(
      /Expected one event source mapping of process-photo, found 0/,
    );
  });
});
