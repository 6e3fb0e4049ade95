import type { StageConfig } from '../../lib/config';
import { PhotoBucket } from '../../lib/constructs/photo-bucket';
import { ProfileCache } from '../../lib/constructs/profile-cache';
import { HOURS_PER_MONTH, PRICES, type Prices } from './prices';

export type { Prices };

/** One line of an estimate. */
export interface CostLine {
  readonly item: string;
  readonly basis: string;
  readonly monthlyUsd: number;
}

/** Fixed inputs of the idle floor that the stage config does not hold. */
export interface IdleInputs {
  /** Availability Zones of the VPC (interface endpoint ENIs). */
  readonly availabilityZones: number;
  /** Secrets Manager secrets in the templates (the Aurora admin credentials; the cache has no password). */
  readonly secrets: number;
  /** Customer-managed KMS keys (the alarm topic's). */
  readonly kmsKeys: number;
  /** Metrics read by all alarms (a metric-math alarm counts each of its metrics). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /**
   * Contributor Insights rules DynamoDB creates: two per table or index it is on (most accessed
   * and most throttled partition keys), four where the key has a sort key.
   */
  readonly contributorInsightsRules: number;
}

/** How AWS names the cache engines on the pricing page. */
/** An Enhanced Monitoring sample in RDSOSMetrics, one instance (an estimate: JSON of CPU, memory, disk, processes). */
export const ENHANCED_MONITORING_SAMPLE_KB = 4;

const ENGINE_NAMES: Readonly<Record<string, string>> = { valkey: 'Valkey', redis: 'Redis OSS' };

/**
 * The cost of a stage with no traffic at all: what keeps running. Storage,
 * logs and data transfer grow with use and are left to the marginal cost.
 */
export function idleFloor(config: StageConfig, inputs: IdleInputs, prices: Prices = PRICES): CostLine[] {
  const db = config.database;
  const instances = 1 + db.readers;
  const minAcus = db.minCapacity * instances;
  const lines: CostLine[] = [
    {
      item: 'Aurora Serverless v2 (minimum capacity)',
      basis: `${instances} instance(s) x ${db.minCapacity} ACU x ${HOURS_PER_MONTH} h x $${prices.aurora.acuHour}`,
      monthlyUsd: minAcus * HOURS_PER_MONTH * prices.aurora.acuHour,
    },
  ];
  if (db.proxy) {
    const proxyAcus = Math.max(prices.rdsProxy.minimumAcus, minAcus);
    lines.push({
      item: 'RDS Proxy (billed on at least 8 ACUs)',
      basis: `${proxyAcus} ACU x ${HOURS_PER_MONTH} h x $${prices.rdsProxy.acuHour}`,
      monthlyUsd: proxyAcus * HOURS_PER_MONTH * prices.rdsProxy.acuHour,
    });
  }
  const engine = ProfileCache.ENGINE;
  const nodeHour = prices.elasticache.nodeHour[engine]?.[config.cache.nodeType];
  if (nodeHour === undefined) {
    throw new Error(
      `No price for cache node type ${config.cache.nodeType} (${engine}); add it to scripts/cost/prices.ts`,
    );
  }
  const nodes = 1 + config.cache.replicas;
  lines.push(
    {
      item: `ElastiCache ${ENGINE_NAMES[engine] ?? engine} nodes`,
      basis: `${nodes} x ${config.cache.nodeType} x ${HOURS_PER_MONTH} h x $${nodeHour}`,
      monthlyUsd: nodes * HOURS_PER_MONTH * nodeHour,
    },
    {
      item: 'Secrets Manager interface endpoint',
      basis: `${inputs.availabilityZones} AZ x ${HOURS_PER_MONTH} h x $${prices.vpc.interfaceEndpointAzHour}`,
      monthlyUsd: inputs.availabilityZones * HOURS_PER_MONTH * prices.vpc.interfaceEndpointAzHour,
    },
    {
      item: 'Secrets Manager secrets',
      basis: `${inputs.secrets} x $${prices.secretsManager.secretMonth}`,
      monthlyUsd: inputs.secrets * prices.secretsManager.secretMonth,
    },
    {
      item: 'KMS keys',
      basis: `${inputs.kmsKeys} x $${prices.kms.keyMonth}`,
      monthlyUsd: inputs.kmsKeys * prices.kms.keyMonth,
    },
    {
      item: 'CloudWatch alarms',
      basis: `${inputs.alarmMetrics} alarm metrics x $${prices.cloudwatch.alarmMetricMonth}`,
      monthlyUsd: inputs.alarmMetrics * prices.cloudwatch.alarmMetricMonth,
    },
  );
  if (config.diagnostics.databaseInsights === 'advanced') {
    lines.push({
      item: 'Database Insights, advanced mode (minimum capacity)',
      basis: `${instances} instance(s) x ${db.minCapacity} ACU x ${HOURS_PER_MONTH} h x $${prices.databaseInsights.advancedAcuHour}`,
      monthlyUsd: minAcus * HOURS_PER_MONTH * prices.databaseInsights.advancedAcuHour,
    });
  }
  const interval = config.diagnostics.enhancedMonitoringIntervalSeconds;
  if (interval > 0) {
    const gb = (instances * ((HOURS_PER_MONTH * 3600) / interval) * ENHANCED_MONITORING_SAMPLE_KB) / 2 ** 20;
    lines.push({
      item: `Enhanced Monitoring every ${interval} s (log ingestion)`,
      basis: `${instances} instance(s), about ${ENHANCED_MONITORING_SAMPLE_KB} KB a sample = ${gb.toFixed(2)} GB x $${prices.cloudwatchLogs.ingestionPerGb}`,
      monthlyUsd: gb * prices.cloudwatchLogs.ingestionPerGb,
    });
  }
  if (inputs.contributorInsightsRules > 0) {
    lines.push({
      item: 'DynamoDB Contributor Insights rules',
      basis: `${inputs.contributorInsightsRules} rules x $${prices.contributorInsights.dynamoDbRuleMonth}`,
      monthlyUsd: inputs.contributorInsightsRules * prices.contributorInsights.dynamoDbRuleMonth,
    });
  }
  lines.push({
    item: 'CloudWatch dashboard',
    basis: `${inputs.dashboards} x $${prices.cloudwatch.dashboardMonth}`,
    monthlyUsd: inputs.dashboards * prices.cloudwatch.dashboardMonth,
  });
  lines.push(...secondRegionFloor(config, prices));
  return lines;
}

/**
 * What keeps running in the second Region of `disasterRecovery`, besides what the templates count
 * (its keys, alarms and dashboard are in the KMS, alarm and dashboard lines): the secondary Aurora
 * cluster at its minimum capacity with its diagnostics, its RDS Proxy, a cache like the primary's,
 * the admin secret's replica there (billed as a secret of its own: "replica secrets are
 * considered a distinct secret", Secrets Manager pricing page), and the photo replication's
 * metrics. No Secrets Manager endpoint there (nothing rotates there: the replica follows the
 * primary).
 */
export function secondRegionFloor(config: StageConfig, prices: Prices = PRICES): CostLine[] {
  const dr = config.disasterRecovery;
  if (!dr) return [];
  const db = config.database;
  const instances = dr.secondaryInstances;
  const minAcus = db.minCapacity * instances;
  const where = `second Region (${dr.region})`;
  const lines: CostLine[] = [
    {
      item: `Aurora secondary cluster, ${where}`,
      basis: `${instances} instance(s) x ${db.minCapacity} ACU x ${HOURS_PER_MONTH} h x $${prices.aurora.acuHour}`,
      monthlyUsd: minAcus * HOURS_PER_MONTH * prices.aurora.acuHour,
    },
  ];
  if (db.proxy) {
    const proxyAcus = Math.max(prices.rdsProxy.minimumAcus, minAcus);
    lines.push({
      item: `RDS Proxy, ${where}`,
      basis: `${proxyAcus} ACU x ${HOURS_PER_MONTH} h x $${prices.rdsProxy.acuHour}`,
      monthlyUsd: proxyAcus * HOURS_PER_MONTH * prices.rdsProxy.acuHour,
    });
  }
  const nodeHour = prices.elasticache.nodeHour[ProfileCache.ENGINE]?.[config.cache.nodeType] ?? 0;
  const nodes = 1 + config.cache.replicas;
  lines.push({
    item: `ElastiCache nodes, ${where}`,
    basis: `${nodes} x ${config.cache.nodeType} x ${HOURS_PER_MONTH} h x $${nodeHour}`,
    monthlyUsd: nodes * HOURS_PER_MONTH * nodeHour,
  });
  if (config.diagnostics.databaseInsights === 'advanced') {
    lines.push({
      item: `Database Insights, advanced mode, ${where}`,
      basis: `${instances} instance(s) x ${db.minCapacity} ACU x ${HOURS_PER_MONTH} h x $${prices.databaseInsights.advancedAcuHour}`,
      monthlyUsd: minAcus * HOURS_PER_MONTH * prices.databaseInsights.advancedAcuHour,
    });
  }
  const interval = config.diagnostics.enhancedMonitoringIntervalSeconds;
  if (interval > 0) {
    const gb = (instances * ((HOURS_PER_MONTH * 3600) / interval) * ENHANCED_MONITORING_SAMPLE_KB) / 2 ** 20;
    lines.push({
      item: `Enhanced Monitoring every ${interval} s, ${where}`,
      basis: `${instances} instance(s) = ${gb.toFixed(2)} GB x $${prices.cloudwatchLogs.ingestionPerGb}`,
      monthlyUsd: gb * prices.cloudwatchLogs.ingestionPerGb,
    });
  }
  lines.push({
    item: `Secrets Manager replica of the admin secret, ${where}`,
    basis: `1 x $${prices.secretsManager.secretMonth}`,
    monthlyUsd: prices.secretsManager.secretMonth,
  });
  const { metricsPerRule, metricMonth } = prices.s3Replication;
  const rules = PhotoBucket.REPLICATION_RULES.length;
  lines.push({
    item: `S3 Replication metrics (${rules} rules: ${PhotoBucket.REPLICATED_PREFIXES.join(', ')})`,
    basis: `${rules} x ${metricsPerRule} metrics x $${metricMonth}`,
    monthlyUsd: rules * metricsPerRule * metricMonth,
  });
  return lines;
}

/**
 * What replicating one GB costs, by store, with `disasterRecovery`: the transfer to the second
 * Region, Replication Time Control for photos where it is on, and the copy kept there. Usage-based,
 * so beside the floor, not in it.
 */
export function replicationCostPerGb(config: StageConfig, prices: Prices = PRICES): CostLine[] {
  const dr = config.disasterRecovery;
  if (!dr) return [];
  const transfer = prices.interRegionTransferPerGb;
  const rtc = dr.photoReplicationTimeControl ? prices.s3Replication.timeControlPerGb : 0;
  return [
    {
      item: 'Photos replicated, per GB',
      basis: `transfer $${transfer}${rtc ? ` + Replication Time Control $${rtc}` : ''}`,
      monthlyUsd: transfer + rtc,
    },
    {
      item: 'Table writes replicated, per GB',
      basis: `transfer $${transfer} (the replicated write units are in the marginal cost)`,
      monthlyUsd: transfer,
    },
    {
      item: "Aurora's redo log replicated, per GB",
      basis: `transfer $${transfer}`,
      monthlyUsd: transfer,
    },
  ];
}

/**
 * What the second Region's copies cost to keep, per GB-month of each store, and Aurora Global
 * Database's replicated write I/Os (on Aurora Standard each write I/O of the primary is billed
 * again as a replicated write I/O in the secondary Region), per million. Usage-based, beside the
 * floor: the copies are as large as the primary's stores, and the I/Os follow the profile writes.
 */
export function secondRegionCopiesCost(config: StageConfig, prices: Prices = PRICES): CostLine[] {
  const dr = config.disasterRecovery;
  if (!dr) return [];
  const copies = prices.secondRegionCopies;
  const where = `in ${dr.region}`;
  return [
    {
      item: `Photo replicas kept ${where}, per GB-month`,
      basis: `S3 Standard $${copies.s3StandardGbMonth}`,
      monthlyUsd: copies.s3StandardGbMonth,
    },
    {
      item: `Table replica kept ${where}, per GB-month`,
      basis: `DynamoDB Standard $${copies.dynamoDbGbMonth}`,
      monthlyUsd: copies.dynamoDbGbMonth,
    },
    {
      item: `Secondary cluster's storage ${where}, per GB-month`,
      basis: `Aurora Standard $${copies.auroraGbMonth}`,
      monthlyUsd: copies.auroraGbMonth,
    },
    {
      item: 'Aurora replicated write I/Os, per million',
      basis: `Aurora Standard $${copies.auroraReplicatedWriteIoPerMillion}`,
      monthlyUsd: copies.auroraReplicatedWriteIoPerMillion,
    },
  ];
}

/** A kind of API request and what one of them costs downstream. */
export interface RequestProfile {
  readonly route: string;
  /** Share of all API requests, 0-1; shares add up to 1. */
  readonly share: number;
  /** Lambda invocations: the API handler and any it triggers (upload-complete, stream processor). */
  readonly invocations: ReadonlyArray<{ readonly memoryMb: number; readonly durationMs: number }>;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  /** Items read or written, counted once per table or index they are in (Contributor Insights events). */
  readonly dynamoItems: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
}

/**
 * The request mix assumed for the marginal cost. Durations are billed
 * durations (rounded up to 1 ms) of warm invocations; replace them with the
 * benchmark's figures for your own workload.
 */
export const DEFAULT_REQUEST_MIX: readonly RequestProfile[] = [
  {
    route: 'GET /feed, GET /users/{id}/photos (page of 20, + their thumbnails)',
    share: 0.45,
    invocations: [{ memoryMb: 512, durationMs: 25 }],
    dynamoWriteUnits: 0,
    dynamoReadUnits: 5,
    dynamoItems: 20,
    s3Puts: 0,
    // The client fetches each listed thumbnail from S3 through its presigned URL (no CDN here).
    s3Gets: 20,
  },
  {
    route: 'GET /photos/{id} (+ the display rendition, downloaded)',
    share: 0.2,
    invocations: [{ memoryMb: 512, durationMs: 15 }],
    dynamoWriteUnits: 0,
    dynamoReadUnits: 0.5,
    dynamoItems: 1,
    s3Puts: 0,
    s3Gets: 1,
  },
  {
    route: 'GET /users/{id}, GET /me (cache hit mostly)',
    share: 0.2,
    invocations: [{ memoryMb: 512, durationMs: 10 }],
    dynamoWriteUnits: 0,
    dynamoReadUnits: 0,
    dynamoItems: 0,
    s3Puts: 0,
    s3Gets: 0,
  },
  {
    route: 'POST /photos + upload + verify + renditions + stream',
    share: 0.1,
    invocations: [
      { memoryMb: 512, durationMs: 30 },
      { memoryMb: 256, durationMs: 60 },
      // process-photo, one vCPU: a 12 MP phone photo took 745 ms on the 2-core test machine
      // (npm run processing-figures); about 1 s on one vCPU.
      { memoryMb: 1769, durationMs: 1000 },
      { memoryMb: 512, durationMs: 40 },
    ],
    // The pending item and slot, PROCESSING, READY (with its two index entries).
    dynamoWriteUnits: 5,
    dynamoReadUnits: 2,
    // Main's seven (pending item and slot, READY in the table and both indexes, one read) plus the
    // PROCESSING write (table and byOwner index) and processing's read of the photo.
    dynamoItems: 10,
    // The upload and four renditions; upload-complete's first bytes and processing's whole read.
    s3Puts: 5,
    s3Gets: 2,
  },
  {
    route: 'PUT /me, DELETE /photos/{id}',
    share: 0.05,
    invocations: [
      { memoryMb: 512, durationMs: 30 },
      { memoryMb: 512, durationMs: 40 },
    ],
    dynamoWriteUnits: 1,
    dynamoReadUnits: 0.5,
    dynamoItems: 3,
    s3Puts: 0,
    s3Gets: 0,
  },
];

/** What one million API requests add to the bill, by service. */
export function marginalCostPerMillion(
  mix: readonly RequestProfile[] = DEFAULT_REQUEST_MIX,
  prices: Prices = PRICES,
  options: {
    readonly contributorInsights?: boolean;
    /** A second Region: every write is written again there (DynamoDB bills a replicated write unit per write unit, S3 a PUT per object). */
    readonly replicatedToSecondRegion?: boolean;
  } = {},
): CostLine[] {
  const shares = mix.reduce((sum, p) => sum + p.share, 0);
  if (Math.abs(shares - 1) > 1e-9) {
    throw new Error(`Request mix shares must add up to 1 (got ${shares})`);
  }
  const million = 1_000_000;
  let invocations = 0;
  let gbSeconds = 0;
  let writeUnits = 0;
  let readUnits = 0;
  let items = 0;
  let puts = 0;
  let gets = 0;
  for (const p of mix) {
    const requests = p.share * million;
    invocations += requests * p.invocations.length;
    gbSeconds +=
      requests * p.invocations.reduce((s, i) => s + (i.memoryMb / 1024) * (i.durationMs / 1000), 0);
    writeUnits += requests * p.dynamoWriteUnits;
    readUnits += requests * p.dynamoReadUnits;
    items += requests * p.dynamoItems;
    puts += requests * p.s3Puts;
    gets += requests * p.s3Gets;
  }
  return [
    { item: 'API Gateway HTTP API', basis: '1M requests', monthlyUsd: prices.apiGateway.httpApiPerMillion },
    {
      item: 'Lambda requests',
      basis: `${(invocations / million).toFixed(2)}M invocations`,
      monthlyUsd: (invocations / million) * prices.lambda.requestsPerMillion,
    },
    {
      item: 'Lambda compute (arm64)',
      basis: `${Math.round(gbSeconds)} GB-s`,
      monthlyUsd: gbSeconds * prices.lambda.arm64GbSecond,
    },
    {
      item: 'DynamoDB on-demand',
      basis: `${(writeUnits / million).toFixed(2)}M WRU + ${(readUnits / million).toFixed(2)}M RRU`,
      monthlyUsd:
        (writeUnits / million) * prices.dynamodb.writeRequestUnitsPerMillion +
        (readUnits / million) * prices.dynamodb.readRequestUnitsPerMillion,
    },
    {
      item: 'S3 requests',
      basis: `${Math.round(puts)} PUT + ${Math.round(gets)} GET`,
      monthlyUsd: (puts / 1000) * prices.s3.putPerThousand + (gets / 1000) * prices.s3.getPerThousand,
    },
    ...(options.replicatedToSecondRegion
      ? [
          {
            item: 'DynamoDB replicated writes (second Region)',
            basis: `${(writeUnits / million).toFixed(2)}M replicated WRU`,
            monthlyUsd: (writeUnits / million) * prices.dynamodb.writeRequestUnitsPerMillion,
          },
          {
            item: 'S3 replication requests (second Region)',
            basis: `${Math.round(puts)} replicated PUT`,
            monthlyUsd: (puts / 1000) * prices.s3.putPerThousand,
          },
        ]
      : []),
    ...(options.contributorInsights
      ? [
          {
            item: 'DynamoDB Contributor Insights events',
            basis: `${(items / million).toFixed(2)}M items read or written`,
            monthlyUsd: (items / million) * prices.contributorInsights.dynamoDbEventsPerMillion,
          },
        ]
      : []),
  ];
}

export function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
}

/**
 * What the backups of one GB of data cost a month, per store: recovery points kept (daily ones for
 * dailyRetentionDays, weekly ones for weeklyRetentionDays), the copies in another Region and their
 * transfer. DynamoDB points are full copies; S3 points are incremental (about one copy plus the
 * changes); Aurora snapshots are incremental and free up to the volume's size (counted here as one
 * extra copy's worth of changes). Usage-dependent: it scales with the data, so it is not in the idle
 * floor.
 */
export function backupCostPerGb(config: StageConfig, prices: Prices = PRICES): CostLine[] {
  const { backup } = config;
  const points = backup.dailyRetentionDays + Math.ceil(backup.weeklyRetentionDays / 7);
  const copies = backup.copyRegion === undefined ? 1 : 2;
  const pointsPerMonth = 30 + 30 / 7;
  const transfer = (gbPerMonth: number) =>
    backup.copyRegion === undefined ? 0 : gbPerMonth * prices.backup.crossRegionTransferPerGb;
  const where = copies === 2 ? ` x 2 (here and ${backup.copyRegion})` : '';
  // A restore test restores the newest table point every week (AWS Backup bills the GB restored);
  // the restored cluster is storage only for its validation window.
  const restoresPerMonth = 30 / 7;
  return [
    {
      item: 'DynamoDB recovery points, per GB of table',
      basis: `${points} full points${where} x $${prices.backup.dynamoDbGbMonth}${copies === 2 ? ` + ${pointsPerMonth.toFixed(1)} copies a month x $${prices.backup.crossRegionTransferPerGb}` : ''}`,
      monthlyUsd: points * copies * prices.backup.dynamoDbGbMonth + transfer(pointsPerMonth),
    },
    {
      item: 'S3 recovery points, per GB of photos',
      basis: `about 1 incremental copy${where} x $${prices.backup.s3GbMonth}${copies === 2 ? ` + 1 GB transferred x $${prices.backup.crossRegionTransferPerGb}` : ''}`,
      monthlyUsd: copies * prices.backup.s3GbMonth + transfer(1),
    },
    {
      item: 'Aurora snapshots, per GB of cluster',
      basis: `about 1 GB of changes retained${where} x $${prices.backup.auroraSnapshotGbMonth}${copies === 2 ? ` + 1 GB transferred x $${prices.backup.crossRegionTransferPerGb}` : ''}`,
      monthlyUsd: copies * prices.backup.auroraSnapshotGbMonth + transfer(1),
    },
    ...(backup.restoreTesting
      ? [
          {
            item: 'Weekly restore test, per GB of table',
            basis: `${restoresPerMonth.toFixed(1)} restores a month x $${prices.backup.dynamoDbRestorePerGb}`,
            monthlyUsd: restoresPerMonth * prices.backup.dynamoDbRestorePerGb,
          },
        ]
      : []),
  ];
}
