import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES, type StageConfig } from '../../lib/config';
import { ProfileCache } from '../../lib/constructs/profile-cache';
import {
  backupCostPerGb,
  ENHANCED_MONITORING_SAMPLE_KB,
  idleFloor,
  marginalCostPerMillion,
  replicationCostPerGb,
  secondRegionCopiesCost,
  secondRegionFloor,
  total,
  type Prices,
  type RequestProfile,
} from '../../scripts/cost/model';
import { PRICES } from '../../scripts/cost/prices';

/** Round numbers, so the arithmetic can be checked by hand. */
const prices: Prices = {
  ...PRICES,
  aurora: { acuHour: 0.1 },
  rdsProxy: { acuHour: 0.01, minimumAcus: 8 },
  elasticache: { nodeHour: { [ProfileCache.ENGINE]: { 'cache.test.small': 0.02 } } },
  vpc: { interfaceEndpointAzHour: 0.01 },
  secretsManager: { secretMonth: 0.5 },
  kms: { keyMonth: 1 },
  cloudwatch: { alarmMetricMonth: 0.1, dashboardMonth: 3 },
  apiGateway: { httpApiPerMillion: 1 },
  lambda: { arm64GbSecond: 0.00001, requestsPerMillion: 0.2 },
  dynamodb: { writeRequestUnitsPerMillion: 1, readRequestUnitsPerMillion: 0.5 },
  s3: { putPerThousand: 0.005, getPerThousand: 0.0004 },
  databaseInsights: { advancedAcuHour: 0.01 },
  cloudwatchLogs: { ingestionPerGb: 0.5 },
  contributorInsights: { dynamoDbRuleMonth: 0.5, dynamoDbEventsPerMillion: 0.03 },
  backup: {
    dynamoDbGbMonth: 0.1,
    s3GbMonth: 0.05,
    auroraSnapshotGbMonth: 0.02,
    crossRegionTransferPerGb: 0.02,
    dynamoDbRestorePerGb: 0.15,
  },
};

/** Any stage, with every setting the arithmetic below reads set here. */
const base = STAGE_CONFIGS[DEFAULT_STAGE];
const small: StageConfig = {
  ...base,
  database: { ...base.database, proxy: true, minCapacity: 1, readers: 1 },
  cache: { ...base.cache, nodeType: 'cache.test.small', replicas: 1 },
};
const inputs = {
  availabilityZones: 2,
  secrets: 2,
  kmsKeys: 1,
  alarmMetrics: 10,
  dashboards: 1,
  contributorInsightsRules: 0,
};

describe('idle floor', () => {
  const lines = idleFloor(small, inputs, prices);
  const line = (item: RegExp) => lines.find((l) => item.test(l.item))!.monthlyUsd;

  it('bills the minimum ACUs of every instance', () => {
    // 2 instances x 1 ACU x 730 h x $0.1
    expect(line(/^Aurora/)).toBeCloseTo(146, 6);
  });

  it('bills RDS Proxy on at least 8 ACUs', () => {
    // max(8, 2) x 730 h x $0.01
    expect(line(/^RDS Proxy/)).toBeCloseTo(58.4, 6);
  });

  it("bills RDS Proxy on the instances' ACUs once they exceed 8", () => {
    const big = { ...small, database: { ...small.database, minCapacity: 5, readers: 1 } };
    const proxy = idleFloor(big, inputs, prices).find((l) => /^RDS Proxy/.test(l.item))!;
    expect(proxy.monthlyUsd).toBeCloseTo(10 * 730 * 0.01, 6);
  });

  it('bills every cache node, endpoints per AZ, secrets, keys, alarm metrics and the dashboard', () => {
    expect(line(/^ElastiCache/)).toBeCloseTo(2 * 730 * 0.02, 6);
    expect(line(/interface endpoint/)).toBeCloseTo(2 * 730 * 0.01, 6);
    expect(line(/secrets$/)).toBeCloseTo(1, 6);
    expect(line(/^KMS/)).toBeCloseTo(1, 6);
    expect(line(/alarms$/)).toBeCloseTo(1, 6);
    expect(line(/dashboard$/)).toBeCloseTo(3, 6);
    expect(total(lines)).toBeCloseTo(146 + 58.4 + 29.2 + 14.6 + 1 + 1 + 1 + 3, 6);
  });

  it('drops the proxy, and the paused cluster costs nothing, without a proxy', () => {
    const noProxy = { ...small, database: { ...small.database, proxy: false, minCapacity: 0 } };
    const lines2 = idleFloor(noProxy, inputs, prices);
    expect(lines2.some((l) => /^RDS Proxy/.test(l.item))).toBe(false);
    expect(lines2.find((l) => /^Aurora/.test(l.item))!.monthlyUsd).toBe(0);
  });

  it('prices the nodes of the engine the construct deploys', () => {
    expect(lines.find((l) => /^ElastiCache/.test(l.item))!.item).toBe('ElastiCache Valkey nodes');
    const otherEngineOnly: Prices = {
      ...prices,
      elasticache: { nodeHour: { memcached: { 'cache.test.small': 0.02 } } },
    };
    expect(() => idleFloor(small, inputs, otherEngineOnly)).toThrow(/cache.test.small \(valkey\)/);
  });

  it('refuses a node type it has no price for', () => {
    const unknown = { ...small, cache: { ...small.cache, nodeType: 'cache.x9.huge' } };
    expect(() => idleFloor(unknown, inputs, prices)).toThrow(/No price for cache node type cache.x9.huge/);
  });
});

describe('idle floor: the diagnostics', () => {
  const plain: StageConfig = {
    ...small,
    diagnostics: {
      databaseInsights: 'standard',
      enhancedMonitoringIntervalSeconds: 0,
      contributorInsights: false,
    },
  };
  const observed: StageConfig = {
    ...small,
    diagnostics: {
      databaseInsights: 'advanced',
      enhancedMonitoringIntervalSeconds: 30,
      contributorInsights: true,
    },
  };
  const items = (config: StageConfig, rules = 0) =>
    idleFloor(config, { ...inputs, contributorInsightsRules: rules }, prices);

  it('adds nothing for standard Database Insights, no Enhanced Monitoring and no Contributor Insights', () => {
    expect(items(plain).map((l) => l.item)).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Database Insights|Enhanced Monitoring|Contributor Insights/),
      ]),
    );
  });

  it('bills advanced Database Insights on the minimum ACUs of every instance', () => {
    const line = items(observed).find((l) => /^Database Insights/.test(l.item))!;
    // 2 instances x 1 ACU x 730 h x $0.01
    expect(line.monthlyUsd).toBeCloseTo(2 * 730 * 0.01, 6);
  });

  it("bills Enhanced Monitoring's samples as log ingestion", () => {
    const line = items(observed).find((l) => /^Enhanced Monitoring every 30 s/.test(l.item))!;
    // 2 instances x (730 h x 3600 s / 30 s) samples x 4 KB, in GB, x $0.5
    const gb = (2 * ((730 * 3600) / 30) * ENHANCED_MONITORING_SAMPLE_KB) / 2 ** 20;
    expect(line.monthlyUsd).toBeCloseTo(gb * 0.5, 6);
  });

  it('bills each Contributor Insights rule the templates create', () => {
    const line = items(observed, 12).find((l) => /Contributor Insights rules/.test(l.item))!;
    expect(line.monthlyUsd).toBeCloseTo(12 * 0.5, 6);
  });
});

describe('idle floor: a second Region (disasterRecovery)', () => {
  const withSecondRegion: StageConfig = {
    ...small,
    region: 'us-east-1',
    diagnostics: { ...small.diagnostics, databaseInsights: 'standard', enhancedMonitoringIntervalSeconds: 0 },
    disasterRecovery: { region: 'us-west-2', secondaryInstances: 2, photoReplicationTimeControl: true },
  };
  const lines = secondRegionFloor(withSecondRegion, prices);
  const line = (item: RegExp) => lines.find((l) => item.test(l.item))?.monthlyUsd;

  it('adds nothing to a stage without one', () => {
    expect(secondRegionFloor(small, prices)).toEqual([]);
    expect(replicationCostPerGb(small, prices)).toEqual([]);
    expect(secondRegionCopiesCost(small, prices)).toEqual([]);
    expect(idleFloor(small, inputs, prices).some((l) => /second Region|Replication/.test(l.item))).toBe(
      false,
    );
  });

  it("bills the secondary cluster's instances at the minimum capacity, its proxy, a cache like the primary's, the secret's replica and the replication metrics", () => {
    // 2 instances x 1 ACU x 730 h x $0.1; the proxy's 8-ACU minimum x 730 h x $0.01; 2 nodes x 730 h
    // x $0.02; 2 rules x 4 replication metrics x $0.3.
    expect(line(/^Aurora secondary cluster/)).toBeCloseTo(146);
    expect(line(/^RDS Proxy, second Region/)).toBeCloseTo(58.4);
    expect(line(/^ElastiCache nodes, second Region/)).toBeCloseTo(29.2);
    expect(line(/^S3 Replication metrics/)).toBeCloseTo(2.4);
    // The admin secret's replica bills as a secret of its own.
    expect(line(/^Secrets Manager replica of the admin secret, second Region/)).toBeCloseTo(0.5);
    expect(lines).toHaveLength(5);
  });

  it("prices keeping the second Region's copies per GB-month and Aurora's replicated write I/Os per million", () => {
    const copies = secondRegionCopiesCost(withSecondRegion, {
      ...prices,
      secondRegionCopies: {
        dynamoDbGbMonth: 0.3,
        s3StandardGbMonth: 0.02,
        auroraGbMonth: 0.1,
        auroraReplicatedWriteIoPerMillion: 0.25,
      },
    });
    expect(copies.map((l) => [l.item, l.monthlyUsd])).toEqual([
      ['Photo replicas kept in us-west-2, per GB-month', 0.02],
      ['Table replica kept in us-west-2, per GB-month', 0.3],
      ["Secondary cluster's storage in us-west-2, per GB-month", 0.1],
      ['Aurora replicated write I/Os, per million', 0.25],
    ]);
  });

  it('is part of the idle floor', () => {
    const floor = idleFloor(withSecondRegion, inputs, prices);
    expect(total(floor) - total(idleFloor(small, inputs, prices))).toBeCloseTo(total(lines));
  });

  it('bills the diagnostics of the secondary as those of the primary', () => {
    const diagnosed = secondRegionFloor(
      {
        ...withSecondRegion,
        diagnostics: {
          ...withSecondRegion.diagnostics,
          databaseInsights: 'advanced',
          enhancedMonitoringIntervalSeconds: 60,
        },
      },
      prices,
    );
    // 2 instances x 1 ACU x 730 h x $0.01.
    expect(diagnosed.find((l) => /Database Insights/.test(l.item))?.monthlyUsd).toBeCloseTo(14.6);
    expect(diagnosed.find((l) => /Enhanced Monitoring/.test(l.item))?.monthlyUsd).toBeGreaterThan(0);
  });

  it('prices replication per GB: the transfer, and Replication Time Control for photos where it is on', () => {
    const perGb = replicationCostPerGb(withSecondRegion, prices);
    expect(perGb.map((l) => l.monthlyUsd)).toEqual([
      prices.interRegionTransferPerGb + prices.s3Replication.timeControlPerGb,
      prices.interRegionTransferPerGb,
      prices.interRegionTransferPerGb,
    ]);
    const withoutRtc = replicationCostPerGb(
      {
        ...withSecondRegion,
        disasterRecovery: { ...withSecondRegion.disasterRecovery!, photoReplicationTimeControl: false },
      },
      prices,
    );
    expect(withoutRtc[0].monthlyUsd).toBe(prices.interRegionTransferPerGb);
  });

  it('adds a replicated write unit per write unit and a PUT per replicated object to the marginal cost', () => {
    const plain = marginalCostPerMillion(undefined, prices);
    const replicated = marginalCostPerMillion(undefined, prices, { replicatedToSecondRegion: true });
    const extra = replicated.filter((l) => !plain.some((p) => p.item === l.item));
    expect(extra.map((l) => l.item)).toEqual([
      'DynamoDB replicated writes (second Region)',
      'S3 replication requests (second Region)',
    ]);
  });
});

describe('backups per GB', () => {
  const withBackup = (backup: Partial<StageConfig['backup']>): StageConfig => ({
    ...small,
    backup: { ...small.backup, ...backup },
  });
  const lines = (config: StageConfig) => backupCostPerGb(config, prices);
  const line = (config: StageConfig, item: RegExp) =>
    lines(config).find((l) => item.test(l.item))!.monthlyUsd;
  const local = withBackup({ dailyRetentionDays: 7, weeklyRetentionDays: 28, restoreTesting: false });
  const copied = withBackup({
    dailyRetentionDays: 7,
    weeklyRetentionDays: 28,
    copyRegion: 'us-west-2',
    restoreTesting: true,
  });

  it('keeps a full DynamoDB copy per recovery point: 7 daily + 4 weekly', () => {
    expect(line(local, /^DynamoDB recovery points/)).toBeCloseTo(11 * 0.1, 6);
  });

  it('doubles every store in the copy Region and adds the transfer of what is copied', () => {
    // 11 points x 2 Regions x $0.1, plus (30 + 30/7) copies a month x $0.02
    expect(line(copied, /^DynamoDB recovery points/)).toBeCloseTo(11 * 2 * 0.1 + (30 + 30 / 7) * 0.02, 6);
    expect(line(copied, /^S3 recovery points/)).toBeCloseTo(2 * 0.05 + 0.02, 6);
    expect(line(copied, /^Aurora snapshots/)).toBeCloseTo(2 * 0.02 + 0.02, 6);
  });

  it('bills the weekly restore test of the table only where it runs', () => {
    expect(lines(local).map((l) => l.item)).not.toContain('Weekly restore test, per GB of table');
    expect(line(copied, /^Weekly restore test/)).toBeCloseTo((30 / 7) * 0.15, 6);
  });
});

describe('prices table', () => {
  const { valkey, redis } = PRICES.elasticache.nodeHour;

  it('has a Valkey node price for the node type of every stage', () => {
    for (const stage of STAGE_NAMES) {
      expect(valkey[STAGE_CONFIGS[stage].cache.nodeType]).toBeGreaterThan(0);
    }
  });

  it('prices every Valkey node 20% below the same Redis OSS node, as AWS lists them', () => {
    expect(Object.keys(valkey).sort()).toEqual(Object.keys(redis).sort());
    for (const [nodeType, price] of Object.entries(valkey)) {
      expect(price).toBeCloseTo(0.8 * redis[nodeType], 6);
    }
  });
});

describe('marginal cost per million requests', () => {
  const mix: RequestProfile[] = [
    {
      route: 'reads',
      share: 0.5,
      invocations: [{ memoryMb: 1024, durationMs: 100 }],
      dynamoWriteUnits: 0,
      dynamoReadUnits: 2,
      dynamoItems: 0,
      s3Puts: 0,
      s3Gets: 1,
    },
    {
      route: 'uploads',
      share: 0.5,
      invocations: [
        { memoryMb: 512, durationMs: 200 },
        { memoryMb: 512, durationMs: 200 },
      ],
      dynamoWriteUnits: 2,
      dynamoReadUnits: 0,
      dynamoItems: 0,
      s3Puts: 1,
      s3Gets: 0,
    },
  ];
  const lines = marginalCostPerMillion(mix, prices);
  const line = (item: RegExp) => lines.find((l) => item.test(l.item))!.monthlyUsd;

  it('adds API Gateway, Lambda requests and GB-seconds', () => {
    expect(line(/^API Gateway/)).toBe(1);
    // 0.5M + 1M invocations
    expect(line(/^Lambda requests/)).toBeCloseTo(1.5 * 0.2, 6);
    // 0.5M x 1 GB x 0.1 s + 0.5M x 2 x 0.5 GB x 0.2 s = 50,000 + 100,000 GB-s
    expect(line(/^Lambda compute/)).toBeCloseTo(150_000 * 0.00001, 6);
  });

  it('adds DynamoDB request units and S3 requests', () => {
    // 1M WRU x $1 + 1M RRU x $0.5
    expect(line(/^DynamoDB/)).toBeCloseTo(1.5, 6);
    // 500k PUT x $0.005/1000 + 500k GET x $0.0004/1000
    expect(line(/^S3/)).toBeCloseTo(2.5 + 0.2, 6);
  });

  it('adds a Contributor Insights event per item read or written, where it is on', () => {
    const withItems = mix.map((p, i) => ({ ...p, dynamoItems: i === 0 ? 20 : 4 }));
    expect(marginalCostPerMillion(withItems, prices).map((l) => l.item)).not.toContain(
      'DynamoDB Contributor Insights events',
    );
    const events = marginalCostPerMillion(withItems, prices, { contributorInsights: true }).find((l) =>
      /Contributor Insights events/.test(l.item),
    )!;
    // 0.5M x 20 + 0.5M x 4 = 12M events x $0.03
    expect(events.monthlyUsd).toBeCloseTo(12 * 0.03, 6);
  });

  it('refuses a mix whose shares do not add up to 1', () => {
    expect(() => marginalCostPerMillion([{ ...mix[0], share: 0.7 }], prices)).toThrow(/add up to 1/);
  });
});
