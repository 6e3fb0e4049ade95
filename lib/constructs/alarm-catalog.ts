import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmKind } from '../config';

/** The kinds of resource the app monitors. */
export type MonitoredKind =
  | 'httpApi'
  | 'function'
  | 'streamFunction'
  | 'deadLetterQueue'
  | 'table'
  | 'auroraCluster'
  | 'proxy'
  | 'cacheNode'
  | 'cacheReplica'
  | 'rotationFunction'
  | 'alarmTopic'
  | 'userPool'
  /** A function's count of failed stream records (an app metric, lib/app-metrics.ts). */
  | 'streamRecordMetric'
  /** A function's count of failed Redis commands (an app metric). */
  | 'cacheErrorMetric';

/** How one alarm kind reads its metric and what it tells the operator. */
export interface AlarmDefinition {
  /** The resource kind it applies to. */
  readonly resource: MonitoredKind;
  /** Short name used in the alarm's construct id and the dashboard. */
  readonly title: string;
  /** CloudWatch statistic over one period. */
  readonly statistic: string;
  /**
   * What missing data means. Error and latency metrics are only emitted when
   * there is traffic, so silence is fine; health metrics that a running
   * resource always emits are treated as breaching, because silence then
   * means the resource stopped reporting.
   */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** What the alarm means and what to look at first. */
  readonly runbook: string;
}

/**
 * The alarm table, written once: metric, statistic, missing-data rule and
 * runbook per alarm kind. Thresholds and windows come from the stage config
 * (`monitoring.alarms`). Kinds follow AWS's CloudWatch recommended alarms for
 * each service, plus what a serverless data path needs (stream age, DLQs).
 */
export const ALARM_CATALOG: Readonly<Record<AlarmKind, AlarmDefinition>> = {
  api5xxRate: {
    resource: 'httpApi',
    title: '5XX rate',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The API returns server errors (percent of requests). Look first at the Errors alarms and logs of the photos-api and profiles-api functions, then at Aurora, RDS Proxy and DynamoDB health.',
  },
  apiLatencyP90: {
    resource: 'httpApi',
    title: 'p90 latency',
    statistic: 'p90',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      "Users wait too long (p90 of API latency, ms). Compare the functions' Duration and the proxy borrow latency; a cold cache (Redis evictions, failover) or Aurora scaling shows up here first.",
  },
  lambdaErrors: {
    resource: 'function',
    title: 'errors',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The function threw or timed out. Open its log group and search for level ERROR; each line carries the X-Ray trace id of its invocation.',
  },
  lambdaThrottles: {
    resource: 'function',
    title: 'throttles',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      "Invocations were rejected for lack of concurrency. Check the account concurrency and the function's reserved concurrency against traffic.",
  },
  lambdaDurationP90: {
    resource: 'function',
    title: 'p90 duration',
    statistic: 'p90',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The function runs close to its timeout (threshold is a percent of the timeout). Check its dependencies on this dashboard: proxy borrow latency, Aurora CPU, Redis, DynamoDB latency.',
  },
  streamIteratorAge: {
    resource: 'streamFunction',
    title: 'iterator age',
    statistic: 'Maximum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The stream processor falls behind the photo table (ms). Photo counts and clean-up are late; check its errors, duration and the failure queue. Records older than the max record age are dropped to the queue.',
  },
  deadLetterMessages: {
    resource: 'deadLetterQueue',
    title: 'messages waiting',
    statistic: 'Maximum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'Events gave up after their retries and wait in this queue. Read a message to find the failed batch or object, fix the cause, then redrive.',
  },
  tableThrottles: {
    resource: 'table',
    title: 'throttled reads and writes',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'DynamoDB throttled requests on the photo table. Look for a hot partition (the feed index) with CloudWatch Contributor Insights, or raise provisioned capacity if the table is not on-demand.',
  },
  tableSystemErrors: {
    resource: 'table',
    title: 'system errors',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'DynamoDB returned 500s. The SDK retries them; if they persist, check the AWS Health Dashboard for the region.',
  },
  auroraCpu: {
    resource: 'auroraCluster',
    title: 'CPU',
    statistic: 'Average',
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    runbook:
      'Aurora CPU is high (percent). Check Performance Insights for the top SQL; a missing index or a burst of profile writes is the usual cause.',
  },
  auroraAcuUtilization: {
    resource: 'auroraCluster',
    title: 'ACU utilization',
    statistic: 'Average',
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    runbook:
      'Aurora Serverless v2 runs near its maximum capacity (percent of max ACU). Raise database.maxCapacity in the stage config or find the load in Performance Insights.',
  },
  auroraConnections: {
    resource: 'auroraCluster',
    title: 'connections',
    statistic: 'Maximum',
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    runbook:
      "Many database connections are open. Everything should come through RDS Proxy: check the proxy's pool settings and whether something connects directly.",
  },
  proxyBorrowLatency: {
    resource: 'proxy',
    title: 'borrow latency',
    statistic: 'Average',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      "Handlers wait for a pooled database connection (ms). The pool is exhausted or the database is slow: check Aurora CPU and connections and the functions' concurrency.",
  },
  cacheEngineCpu: {
    resource: 'cacheNode',
    title: 'engine CPU',
    statistic: 'Average',
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    runbook:
      'The Redis engine thread is busy (percent). Look for expensive commands in the slow log (its log group) or scale the node type.',
  },
  cacheMemory: {
    resource: 'cacheNode',
    title: 'memory used',
    statistic: 'Average',
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    runbook:
      'Redis memory is nearly full (percent of maxmemory); evictions follow. Check key TTLs, then scale the node type.',
  },
  cacheEvictions: {
    resource: 'cacheNode',
    title: 'evictions',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'Redis evicted keys to make room, so more profile reads fall through to Aurora. Check memory usage and TTLs.',
  },
  cacheReplicationLag: {
    resource: 'cacheReplica',
    title: 'replication lag',
    statistic: 'Maximum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The Redis replica lags the primary (seconds); a failover now would serve stale profiles. Check network and primary write load.',
  },
  rotationErrors: {
    resource: 'rotationFunction',
    title: 'errors',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      "Rotating the Aurora admin secret failed, so the secret may hold a pending version the database does not know. Read the rotation function's log group, fix the cause (network path to the Secrets Manager endpoint, database reachability), then rotate the secret again from the console.",
  },
  topicDeliveryFailures: {
    resource: 'alarmTopic',
    title: 'failed notifications',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      "The alarm topic could not deliver notifications, so other alarms may go unheard; this one's own notification may not arrive either, so it shows on the dashboard's alarm status. Check the topic's subscriptions (an unconfirmed or bouncing address) and its key policy.",
  },
  userPoolThrottles: {
    resource: 'userPool',
    title: 'throttled sign-ups, sign-ins and token refreshes',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'Cognito refused sign-ups, sign-ins or token refreshes of the app client over its request-rate quota, so users cannot get in. Look for a client retrying in a loop, then request a higher quota in Service Quotas (Amazon Cognito user pools).',
  },
  failedStreamRecords: {
    resource: 'streamRecordMetric',
    title: 'failed stream records',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'The stream processor keeps failing photo-table records, so photo counts, cache invalidation and object clean-up lag. Its log group names the failing records and the error; a dependency that stays down (Aurora, RDS Proxy, S3) is the usual cause. Records out of retries wait in the stream failure queue.',
  },
  cacheErrors: {
    resource: 'cacheErrorMetric',
    title: 'cache errors',
    statistic: 'Sum',
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    runbook:
      'Redis commands keep failing; profile reads fall through to Aurora and invalidations are lost until entries expire (stale profiles for up to the cache TTL). Check the Redis node alarms, the security groups, and the IAM sign-in of the app user.',
  },
};

/** The alarm kinds that apply to a resource kind. */
export function alarmKindsFor(resource: MonitoredKind): AlarmKind[] {
  return (Object.keys(ALARM_CATALOG) as AlarmKind[]).filter(
    (kind) => ALARM_CATALOG[kind].resource === resource,
  );
}
