/**
 * The alarm catalog: one row per alarm kind, holding everything about it
 * (the resources it applies to, the metric it reads, statistic, unit,
 * missing-data rule and runbook line). The kinds, their units and the
 * README's alarm table all derive from these rows; each stage holds a
 * threshold per kind (`monitoring.alarms`, typed by `AlarmKind`), so a new
 * alarm is a row here plus its threshold in every stage file, and a missing
 * threshold does not compile. Kinds follow AWS's CloudWatch recommended
 * alarms for each service, plus what a serverless data path needs (stream
 * age, failure queues, the app's own metrics).
 */
import type { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { APP_METRICS, APP_METRICS_NAMESPACE, SERVICE_DIMENSION, type AppMetric } from './app-metrics';

export interface MonitoredFunction {
  /** Name used in alarm descriptions and on the dashboard. */
  readonly name: string;
  readonly function: lambda.IFunction;
  /** The function's timeout; the duration alarm is a percent of it. */
  readonly timeout: Duration;
  /** Reads a stream, so its iterator age is watched too. @default false */
  readonly readsStream?: boolean;
  /** Its POWERTOOLS_SERVICE_NAME: the `service` dimension of the app metrics it emits. @default - emits none */
  readonly serviceName?: string;
  /** The app metrics (lib/app-metrics.ts) its handler emits. @default - none */
  readonly emits?: readonly AppMetric[];
}

export interface MonitoredQueue {
  readonly name: string;
  readonly queue: sqs.IQueue;
}

/** One node of a cluster-mode-disabled replication group. */
export interface MonitoredCacheNode {
  /** `<replication group id>-001`, `-002`, ...: the `CacheClusterId` of its metrics. */
  readonly cacheClusterId: string;
  /** Nodes in its group (primary + replicas). */
  readonly groupSize: number;
}

/** The cluster's reader instances, which serve the public profile reads (DB_READER_HOST). */
export interface MonitoredAuroraReaders {
  readonly cluster: rds.IDatabaseCluster;
  /** Reader instances (config database.readers). */
  readonly readers: number;
}

/** The photo table's replica in another Region, as the metrics of the writing Region name it. */
export interface MonitoredTableReplica {
  readonly tableName: string;
  /** The replica's Region (the `ReceivingRegion` dimension). */
  readonly receivingRegion: string;
}

/** One S3 Replication rule of the photo bucket (the dimensions of its replication metrics). */
export interface MonitoredPhotoReplication {
  /** What its alarms and its graph are called: `Photo` (originals), `Rendition`. */
  readonly name: string;
  readonly sourceBucket: string;
  readonly destinationBucket: string;
  readonly ruleId: string;
}

/** A secondary cluster of an Aurora Global Database (its Region publishes its lag). */
export interface MonitoredGlobalSecondary {
  readonly cluster: rds.IDatabaseCluster;
}

/** The stage's AWS Backup vault and what its plan does besides backing up. */
export interface MonitoredBackupVault {
  readonly vaultName: string;
  /** Every recovery point is copied to another Region. */
  readonly copies: boolean;
  /** A restore testing plan restores from the vault. */
  readonly restoreTesting: boolean;
}

/**
 * A job count of one vault. AWS/Backup publishes its job metrics per `BackupVaultName` (and per
 * vault and resource type): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/aws-services-cloudwatch-metrics.html
 */
export function backupVaultMetric(vaultName: string, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Backup',
    metricName,
    dimensionsMap: { BackupVaultName: vaultName },
    statistic: 'Sum',
  });
}

/** What the alarms of each kind of resource read, by resource kind. */
export interface MonitoredResources {
  readonly httpApi: apigwv2.IHttpApi;
  readonly function: MonitoredFunction;
  readonly rotationFunction: lambda.IFunction;
  readonly deadLetterQueue: MonitoredQueue;
  readonly table: dynamodb.ITableV2;
  readonly auroraCluster: rds.IDatabaseCluster;
  readonly auroraReaders: MonitoredAuroraReaders;
  readonly proxy: { readonly proxyName: string };
  readonly userPool: { readonly userPoolId: string; readonly clientId: string };
  readonly alarmTopic: sns.ITopic;
  readonly cacheNode: MonitoredCacheNode;
  readonly backupVault: MonitoredBackupVault;
  readonly tableReplica: MonitoredTableReplica;
  readonly photoReplication: MonitoredPhotoReplication;
  readonly globalSecondary: MonitoredGlobalSecondary;
}

export type MonitoredKind = keyof MonitoredResources;

/** How each kind of resource is named in the docs. */
export const MONITORED_KIND_LABELS: Readonly<Record<MonitoredKind, string>> = {
  httpApi: 'HTTP API',
  function: 'each Lambda function',
  rotationFunction: 'secret rotation function',
  deadLetterQueue: 'each failure queue',
  table: 'DynamoDB photo table',
  auroraCluster: 'Aurora cluster',
  auroraReaders: "Aurora cluster's readers",
  proxy: 'RDS Proxy',
  userPool: 'user pool',
  alarmTopic: 'alarm topic',
  cacheNode: 'each cache node',
  backupVault: 'AWS Backup vault',
  tableReplica: "photo table's replica in the second Region",
  photoReplication: 'each replication rule of the photo bucket (photos, renditions) to the second Region',
  globalSecondary: "Aurora Global Database's secondary cluster",
};

/** The unit of a kind's thresholds in the stage config. */
export type AlarmUnit = 'percent' | 'percent of timeout' | 'milliseconds' | 'seconds' | 'count';

/** One alarm kind on resources of kind `R`. */
export interface AlarmRow<R extends MonitoredKind> {
  readonly resource: R;
  /** Short name used in the alarm description, the docs and (through its kind) the construct id. */
  readonly title: string;
  readonly unit: AlarmUnit;
  /** CloudWatch statistic over one period. */
  readonly statistic: string;
  /**
   * What missing data means. Error and latency metrics are only emitted when
   * there is traffic, so silence is fine; health metrics that a running
   * resource always emits are treated as breaching, because silence then
   * means the resource stopped reporting.
   */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** The metric it reads on one resource. */
  readonly metric: (resource: MonitoredResources[R]) => cloudwatch.IMetric;
  /** Only the resources it applies to, with the docs' words for them. @default - every resource of the kind */
  readonly only?: { readonly when: (resource: MonitoredResources[R]) => boolean; readonly described: string };
  /** The metric's value for a configured threshold, where the metric has another unit. @default - the same */
  readonly threshold?: (configured: number, resource: MonitoredResources[R]) => number;
  /** What the alarm means and what to look at first. */
  readonly runbook: string;
}

type AnyAlarmRow = { [R in MonitoredKind]: AlarmRow<R> }[MonitoredKind];

/** An app metric as Powertools emits it: the app's namespace, one `service` dimension. */
export function appMetric(metric: AppMetric, fn: MonitoredFunction, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: APP_METRICS_NAMESPACE,
    metricName: APP_METRICS[metric],
    dimensionsMap: { [SERVICE_DIMENSION]: fn.serviceName! },
    statistic: 'Sum',
    label,
  });
}

/** A metric of one RDS Proxy. */
export function proxyMetric(proxyName: string, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: { ProxyName: proxyName } });
}

/** A host-level metric of one cache node. */
export function cacheNodeMetric(cacheClusterId: string, metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ElastiCache',
    metricName,
    dimensionsMap: { CacheClusterId: cacheClusterId },
  });
}

/** A replication metric of the photo bucket's rule (AWS/S3, published in the source's Region). */
export function photoReplicationMetric(
  replication: MonitoredPhotoReplication,
  metricName: string,
  statistic: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/S3',
    metricName,
    dimensionsMap: {
      SourceBucket: replication.sourceBucket,
      DestinationBucket: replication.destinationBucket,
      RuleId: replication.ruleId,
    },
    statistic,
  });
}

/** How long a write here takes to reach the replica of another Region (AWS/DynamoDB, milliseconds). */
export function tableReplicationLatency(replica: MonitoredTableReplica): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/DynamoDB',
    metricName: 'ReplicationLatency',
    dimensionsMap: { TableName: replica.tableName, ReceivingRegion: replica.receivingRegion },
    statistic: 'Average',
  });
}

/** The 5XX share of requests, in percent (0 without requests). */
export function serverErrorRate(api: apigwv2.IHttpApi): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      errors: api.metricServerError({ statistic: 'Sum' }),
      requests: api.metricCount({ statistic: 'Sum' }),
    },
    label: '5XX rate (%)',
  });
}

/** Throttled reads and writes of a table. */
export function tableThrottles(table: dynamodb.ITableV2): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: 'reads + writes',
    usingMetrics: {
      reads: table.metric('ReadThrottleEvents', { statistic: 'Sum' }),
      writes: table.metric('WriteThrottleEvents', { statistic: 'Sum' }),
    },
    label: 'Throttled reads + writes',
  });
}

function userPoolThrottles({ userPoolId, clientId }: MonitoredResources['userPool']): cloudwatch.IMetric {
  const throttles = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/Cognito',
      metricName,
      dimensionsMap: { UserPool: userPoolId, UserPoolClient: clientId },
      statistic: 'Sum',
    });
  return new cloudwatch.MathExpression({
    expression: 'signUps + signIns + refreshes',
    usingMetrics: {
      signUps: throttles('SignUpThrottles'),
      signIns: throttles('SignInThrottles'),
      refreshes: throttles('TokenRefreshThrottles'),
    },
    label: 'Throttled sign-ups + sign-ins + token refreshes',
  });
}

/**
 * The share of processed photos that were rejected, in percent; 0 below 10 photos in the period, so
 * that one user's handful of bad files does not page anyone.
 */
export function photoRejectionRate(fn: MonitoredFunction): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: 'IF(ready + rejected >= 10, 100 * rejected / (ready + rejected), 0)',
    usingMetrics: {
      ready: appMetric('processedPhotos', fn),
      rejected: appMetric('rejectedPhotos', fn),
    },
    label: 'Rejected photos (%)',
  });
}

const emitting = (metric: AppMetric, described: string) => ({
  when: (fn: MonitoredFunction) => (fn.emits ?? []).includes(metric),
  described,
});

const { BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;

export const ALARM_CATALOG = {
  api5xxRate: {
    resource: 'httpApi',
    title: '5XX rate',
    unit: 'percent',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: serverErrorRate,
    runbook:
      'The API returns server errors (percent of requests). Look first at the Errors alarms and logs of the photos-api and profiles-api functions, then at Aurora, RDS Proxy and DynamoDB health.',
  },
  apiLatencyP90: {
    resource: 'httpApi',
    title: 'p90 latency',
    unit: 'milliseconds',
    statistic: 'p90',
    treatMissingData: NOT_BREACHING,
    metric: (api) => api.metricLatency({ statistic: 'p90' }),
    runbook:
      "Users wait too long (p90 of API latency, ms). Compare the functions' Duration and the proxy borrow latency; a cold cache (cache evictions, failover) or Aurora scaling shows up here first.",
  },
  lambdaErrors: {
    resource: 'function',
    title: 'errors',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => fn.function.metricErrors(),
    runbook:
      'The function threw or timed out. Open its log group and search for level ERROR; each line carries the X-Ray trace id of its invocation.',
  },
  lambdaThrottles: {
    resource: 'function',
    title: 'throttles',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => fn.function.metricThrottles(),
    runbook:
      "Invocations were rejected for lack of concurrency. Check the account concurrency and the function's reserved concurrency against traffic.",
  },
  lambdaDurationP90: {
    resource: 'function',
    title: 'p90 duration',
    unit: 'percent of timeout',
    statistic: 'p90',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => fn.function.metricDuration(),
    threshold: (percent, fn) => (fn.timeout.toMilliseconds() * percent) / 100,
    runbook:
      'The function runs close to its timeout. Check its dependencies on this dashboard: proxy borrow latency, Aurora CPU, the cache, DynamoDB latency.',
  },
  streamIteratorAge: {
    resource: 'function',
    title: 'iterator age',
    unit: 'milliseconds',
    statistic: 'Maximum',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => fn.function.metric('IteratorAge'),
    only: { when: (fn) => fn.readsStream === true, described: 'that reads a stream' },
    runbook:
      'The stream processor falls behind the photo table (ms). Photo counts and clean-up are late; check its errors, duration and the failure queue. Records older than the max record age are dropped to the queue.',
  },
  failedStreamRecords: {
    resource: 'function',
    title: 'failed stream records',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => appMetric('failedStreamRecords', fn),
    only: emitting('failedStreamRecords', 'that counts them (an app metric)'),
    runbook:
      "A reader of the photo table's stream keeps failing records: for the stream processor, photo counts, cache invalidation and object clean-up lag; for process-photo, verified photos stay PROCESSING. Its log group names the failing records and the error; a dependency that stays down (Aurora, RDS Proxy, S3, DynamoDB) is the usual cause. Records out of retries wait in the function's failure queue.",
  },
  cacheErrors: {
    resource: 'function',
    title: 'cache errors',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (fn) => appMetric('cacheErrors', fn),
    only: emitting('cacheErrors', 'that counts them (an app metric)'),
    runbook:
      'Cache commands keep failing; profile reads fall through to Aurora and invalidations are lost until entries expire (stale profiles for up to the cache TTL). Check the cache node alarms, the security groups, and the IAM sign-in of the app user.',
  },
  photoRejectionRate: {
    resource: 'function',
    title: 'rejected photos',
    unit: 'percent',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: photoRejectionRate,
    only: emitting('rejectedPhotos', 'that processes photos (app metrics)'),
    runbook:
      'Many verified photos are rejected (percent of those processed, from 10 a period). Bad uploads are rare, so a high share means the image library refuses good ones: compare the rejection reasons in process-photo\'s log group ("Photo not processed") with the last change to the image library layer or to the limits in lambda/domain/renditions.ts, and roll back.',
  },
  rotationErrors: {
    resource: 'rotationFunction',
    title: 'errors',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    // Only errors: Secrets Manager invokes it once per rotation period, a timeout counts as an
    // error, and its timeout is set inside the rotation application, out of this app's reach.
    metric: (fn) => fn.metricErrors(),
    runbook:
      "Rotating the Aurora admin secret failed, so the secret may hold a pending version the database does not know. Read the rotation function's log group, fix the cause (network path to the Secrets Manager endpoint, database reachability), then rotate the secret again from the console.",
  },
  deadLetterMessages: {
    resource: 'deadLetterQueue',
    title: 'messages waiting',
    unit: 'count',
    statistic: 'Maximum',
    treatMissingData: NOT_BREACHING,
    metric: (q) => q.queue.metricApproximateNumberOfMessagesVisible(),
    runbook:
      'Events gave up after their retries and wait in this queue. Read a message to find the failed batch or object, fix the cause, then redrive.',
  },
  tableThrottles: {
    resource: 'table',
    title: 'throttled reads and writes',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: tableThrottles,
    runbook:
      'DynamoDB throttled requests on the photo table. Look for a hot partition (the feed index) with CloudWatch Contributor Insights, or raise provisioned capacity if the table is not on-demand.',
  },
  tableSystemErrors: {
    resource: 'table',
    title: 'system errors',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (table) =>
      table.metricSystemErrorsForOperations({
        operations: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'].map(
          (op) => op as dynamodb.Operation,
        ),
      }),
    runbook:
      'DynamoDB returned 500s. The SDK retries them; if they persist, check the AWS Health Dashboard for the region.',
  },
  auroraCpu: {
    resource: 'auroraCluster',
    title: 'CPU',
    unit: 'percent',
    statistic: 'Average',
    treatMissingData: BREACHING,
    metric: (cluster) => cluster.metricCPUUtilization(),
    runbook:
      'Aurora CPU is high (percent). Check Performance Insights for the top SQL; a missing index or a burst of profile writes is the usual cause.',
  },
  auroraAcuUtilization: {
    resource: 'auroraCluster',
    title: 'ACU utilization',
    unit: 'percent',
    statistic: 'Average',
    treatMissingData: BREACHING,
    metric: (cluster) => cluster.metric('ACUUtilization'),
    runbook:
      'Aurora Serverless v2 runs near its maximum capacity (percent of max ACU). Raise database.maxCapacity in the stage config or find the load in Performance Insights.',
  },
  auroraConnections: {
    resource: 'auroraCluster',
    title: 'connections',
    unit: 'count',
    statistic: 'Maximum',
    treatMissingData: BREACHING,
    metric: (cluster) => cluster.metricDatabaseConnections(),
    runbook:
      "Many database connections are open. Everything should come through RDS Proxy: check the proxy's pool settings and whether something connects directly.",
  },
  auroraReplicaLag: {
    resource: 'auroraReaders',
    title: 'replica lag',
    unit: 'milliseconds',
    statistic: 'Maximum',
    // Published while there are readers; silence then means no reader reports.
    treatMissingData: BREACHING,
    // The largest lag of any reader behind the writer, for the cluster.
    metric: (readers) => readers.cluster.metric('AuroraReplicaLagMaximum'),
    only: { when: (readers) => readers.readers > 0, described: 'when the cluster has readers' },
    runbook:
      "A reader lags the writer (milliseconds). Public profile reads on a cache miss come from the readers, and the cache refuses fills for 10 s after an edit: a lag near that can put an old profile into the cache. Look for a long-running write or vacuum in Performance Insights, or a reader too small for the writer's write rate.",
  },
  proxyBorrowLatency: {
    resource: 'proxy',
    title: 'borrow latency',
    unit: 'milliseconds',
    statistic: 'Average',
    treatMissingData: NOT_BREACHING,
    metric: ({ proxyName }) => proxyMetric(proxyName, 'DatabaseConnectionsBorrowLatency'),
    // The metric is in microseconds.
    threshold: (ms) => ms * 1000,
    runbook:
      "Handlers wait for a pooled database connection (ms). The pool is exhausted or the database is slow: check Aurora CPU and connections and the functions' concurrency.",
  },
  userPoolThrottles: {
    resource: 'userPool',
    // FederationThrottles is left out: the pool has no federated identity providers.
    title: 'throttled sign-ups, sign-ins and token refreshes',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: userPoolThrottles,
    runbook:
      'Cognito refused sign-ups, sign-ins or token refreshes of the app client over its request-rate quota, so users cannot get in. Look for a client retrying in a loop, then request a higher quota in Service Quotas (Amazon Cognito user pools).',
  },
  topicDeliveryFailures: {
    resource: 'alarmTopic',
    title: 'failed notifications',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (topic) => topic.metricNumberOfNotificationsFailed(),
    runbook:
      "The alarm topic could not deliver notifications, so other alarms may go unheard; this one's own notification may not arrive either, so it shows on the dashboard's alarm status. Check the topic's subscriptions (an unconfirmed or bouncing address) and its key policy.",
  },
  cacheEngineCpu: {
    resource: 'cacheNode',
    title: 'engine CPU',
    unit: 'percent',
    statistic: 'Average',
    treatMissingData: BREACHING,
    metric: (node) => cacheNodeMetric(node.cacheClusterId, 'EngineCPUUtilization'),
    runbook:
      'The cache engine thread is busy (percent). Look for expensive commands in the slow log (its log group) or scale the node type.',
  },
  cacheMemory: {
    resource: 'cacheNode',
    title: 'memory used',
    unit: 'percent',
    statistic: 'Average',
    treatMissingData: BREACHING,
    metric: (node) => cacheNodeMetric(node.cacheClusterId, 'DatabaseMemoryUsagePercentage'),
    runbook:
      'Cache memory is nearly full (percent of maxmemory); evictions follow. Check key TTLs, then scale the node type.',
  },
  cacheEvictions: {
    resource: 'cacheNode',
    title: 'evictions',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (node) => cacheNodeMetric(node.cacheClusterId, 'Evictions'),
    runbook:
      'The cache evicted keys to make room, so more profile reads fall through to Aurora. Check memory usage and TTLs.',
  },
  cacheReplicationLag: {
    resource: 'cacheNode',
    title: 'replication lag',
    unit: 'seconds',
    statistic: 'Maximum',
    treatMissingData: NOT_BREACHING,
    // Whichever node is a replica reports lag; the primary reports none.
    metric: (node) => cacheNodeMetric(node.cacheClusterId, 'ReplicationLag'),
    only: { when: (node) => node.groupSize > 1, described: 'when there is a replica' },
    runbook:
      'The cache replica lags the primary (seconds); a failover now would serve stale profiles. Check network and primary write load.',
  },
  backupJobsFailed: {
    resource: 'backupVault',
    title: 'failed backup jobs',
    unit: 'count',
    statistic: 'Sum',
    // Jobs run once or twice a day; no job, no data point.
    treatMissingData: NOT_BREACHING,
    metric: (vault) => backupVaultMetric(vault.vaultName, 'NumberOfBackupJobsFailed'),
    runbook:
      "A backup of the cluster, the table or the photo bucket failed, so that day has no recovery point. The job's status message in the AWS Backup console says why: a Region setting that does not opt the resource type in (npm run preflight checks them), the role's permissions, or a retention outside the Vault Lock window.",
  },
  copyJobsFailed: {
    resource: 'backupVault',
    title: 'failed copy jobs',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (vault) => backupVaultMetric(vault.vaultName, 'NumberOfCopyJobsFailed'),
    only: { when: (vault) => vault.copies, described: 'when recovery points are copied to another Region' },
    runbook:
      "A recovery point was not copied to the other Region, so it would not survive the loss of this one. Check the copy job's message: the copy vault's key policy, DynamoDB advanced backup features (needed for cross-Region copies), or the copy vault's lock window.",
  },
  restoreJobsFailed: {
    resource: 'backupVault',
    title: 'failed restore jobs',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (vault) => backupVaultMetric(vault.vaultName, 'NumberOfRestoreJobsFailed'),
    only: {
      when: (vault) => vault.restoreTesting,
      described: 'when a restore testing plan restores from it',
    },
    runbook:
      "A restore from the vault failed, the weekly restore test or a restore by hand: the backups may not be usable. Read the restore job's message (restore metadata overrides, subnet group, security group, the restore role's permissions) and run the restore drill before the next test.",
  },
  tableReplicationLatency: {
    resource: 'tableReplica',
    title: 'replication latency',
    unit: 'milliseconds',
    statistic: 'Average',
    // Published only while writes replicate.
    treatMissingData: NOT_BREACHING,
    metric: tableReplicationLatency,
    runbook:
      "Writes to the photo table reach its replica in the second Region late (ms): a failover now would lose the writes not yet there. DynamoDB usually replicates within a second; check the AWS Health Dashboard for both Regions and the table's throttles. Failing over needs no DynamoDB step (README, Regional failover).",
  },
  photoReplicationLatency: {
    resource: 'photoReplication',
    title: 'replication latency',
    unit: 'seconds',
    statistic: 'Maximum',
    treatMissingData: NOT_BREACHING,
    metric: (replication) => photoReplicationMetric(replication, 'ReplicationLatency', 'Maximum'),
    runbook:
      'Photo objects reach the replica bucket in the second Region late (seconds); with Replication Time Control S3 replicates 99.99 % within 15 minutes. A failover now would serve photos whose bytes are not there yet. Check OperationsPendingReplication on the dashboard and the AWS Health Dashboard for S3.',
  },
  photoReplicationPending: {
    resource: 'photoReplication',
    title: 'operations pending replication',
    unit: 'count',
    statistic: 'Maximum',
    treatMissingData: NOT_BREACHING,
    // OperationsPendingReplication: "the number of operations pending replication", published with
    // the rule's replication metrics ("Monitoring progress with replication metrics and Amazon S3
    // event notifications", S3 User Guide). A backlog shows before any object is 15 minutes late,
    // which is when ReplicationLatency starts to climb.
    metric: (replication) => photoReplicationMetric(replication, 'OperationsPendingReplication', 'Maximum'),
    runbook:
      'Photo objects are queued for the replica bucket in the second Region faster than S3 replicates them (count). A failover now would lose the queued photos. Compare with the upload rate (a burst drains by itself); if it keeps growing, check OperationsFailedReplication, the replication role and keys, and the AWS Health Dashboard for S3.',
  },
  photoReplicationFailures: {
    resource: 'photoReplication',
    title: 'failed replications',
    unit: 'count',
    statistic: 'Sum',
    treatMissingData: NOT_BREACHING,
    metric: (replication) => photoReplicationMetric(replication, 'OperationsFailedReplication', 'Sum'),
    runbook:
      "S3 could not replicate photo objects to the second Region, and will not retry them by itself. The usual causes are the replication role's permissions on the replica bucket or its key; fix them, then replicate the failed objects with S3 Batch Replication (README, Regional failover).",
  },
  auroraGlobalReplicationLag: {
    resource: 'globalSecondary',
    title: 'global replication lag',
    unit: 'milliseconds',
    statistic: 'Maximum',
    // A promoted cluster stops publishing it (it has nothing to lag behind).
    treatMissingData: NOT_BREACHING,
    metric: (secondary) => secondary.cluster.metric('AuroraGlobalDBReplicationLag'),
    runbook:
      'The secondary cluster lags the primary Region (ms); Aurora keeps it typically under a second. A failover now would lose the transactions of the lag. Look at the write load of the primary (Performance Insights) and the AWS Health Dashboard for both Regions; a planned switchover waits for the lag to reach zero.',
  },
} as const satisfies Record<string, AnyAlarmRow>;

/** Every alarm kind: a key of the catalog. */
export type AlarmKind = keyof typeof ALARM_CATALOG;

export const ALARM_KINDS = Object.keys(ALARM_CATALOG) as AlarmKind[];

/** The rows that apply to a resource kind, in catalog order. */
export function alarmRowsFor<R extends MonitoredKind>(
  resource: R,
): Array<{ readonly kind: AlarmKind; readonly row: AlarmRow<R> }> {
  // Each row whose `resource` is R is an AlarmRow<R>; TypeScript cannot narrow through the filter.
  return ALARM_KINDS.filter((kind) => ALARM_CATALOG[kind].resource === resource).map((kind) => ({
    kind,
    row: ALARM_CATALOG[kind] as unknown as AlarmRow<R>,
  }));
}
