import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ALARM_KINDS,
  alarmRowsFor,
  appMetric,
  cacheNodeMetric,
  photoReplicationMetric,
  photoRejectionRate,
  proxyMetric,
  tableReplicationLatency,
  serverErrorRate,
  tableThrottles,
  type AlarmKind,
  type MonitoredBackupVault,
  type MonitoredCacheNode,
  type MonitoredGlobalSecondary,
  type MonitoredPhotoReplication,
  type MonitoredTableReplica,
  type MonitoredFunction,
  type MonitoredKind,
  type MonitoredQueue,
  type MonitoredResources,
} from '../alarm-catalog';
import type { AppMetric } from '../app-metrics';
import type { AlarmSetting } from '../config';

export type { MonitoredFunction, MonitoredQueue } from '../alarm-catalog';

export interface OperationsMonitoringProps {
  /** Every alarm notifies this topic (alarm and OK). */
  readonly topic: sns.ITopic;
  /** Threshold and window per alarm kind, from the stage config. */
  readonly alarms: Readonly<Record<AlarmKind, AlarmSetting>>;
  readonly httpApi: apigwv2.IHttpApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly table: dynamodb.ITableV2;
  /** Contributor Insights is on for the table and its indexes (config diagnostics.contributorInsights). */
  readonly contributorInsights: boolean;
  readonly cluster: rds.IDatabaseCluster;
  /** Reader instances of the cluster (config database.readers). */
  readonly readers: number;
  /** Name of the RDS Proxy, if the stage has one. */
  readonly proxyName?: string;
  /** Replication group id of the cache and its number of nodes (primary + replicas). */
  readonly cache: { readonly replicationGroupId: string; readonly nodes: number };
  /** The function that rotates the database admin secret. @default - none in this Region */
  readonly rotationFunction?: lambda.IFunction;
  /** The user pool and the app client its users sign in with. @default - none in this Region */
  readonly userPool?: { readonly userPoolId: string; readonly clientId: string };
  /** The stage's AWS Backup vault. @default - none in this Region */
  readonly backupVault?: MonitoredBackupVault;
  /** What this Region replicates to the second Region, and what it receives. @default - nothing */
  readonly replication?: MonitoredReplication;
}

/** The replication of a stage with a second Region, as the stacks of one Region watch it. */
export interface MonitoredReplication {
  /** The photo table's replicas in other Regions, watched where writes happen. */
  readonly tableReplicas?: readonly MonitoredTableReplica[];
  /** The photo bucket's replication rules (one per prefix), watched in the source's Region. */
  readonly photoReplications?: readonly MonitoredPhotoReplication[];
  /** This Region's secondary cluster of the Aurora Global Database (its lag is published here). */
  readonly globalSecondary?: MonitoredGlobalSecondary;
  /**
   * The secondary cluster of another Region, graphed on this dashboard (a metric of another
   * Region: CloudWatch dashboards graph them, alarms cannot). @default - none
   */
  readonly remoteGlobalSecondary?: { readonly clusterIdentifier: string; readonly region: string };
}

/** One alarm and the resource it watches. */
export interface MonitoringAlarm {
  readonly kind: AlarmKind;
  readonly subject: string;
  readonly alarm: cloudwatch.Alarm;
}

/** A resource the alarms of its kind watch: its construct id prefix, its name in descriptions, and itself. */
interface Watched<R extends MonitoredKind> {
  readonly id: string;
  readonly subject: string;
  readonly resource: MonitoredResources[R];
}

/**
 * Alarms for every resource of the app, one per row of the alarm catalog
 * (lib/alarm-catalog.ts) and resource of its kind, with the stage's
 * thresholds, all notifying the alarm topic; and one dashboard with a row per
 * layer.
 */
export class OperationsMonitoring extends Construct {
  /** Every alarm created. */
  public readonly alarms: MonitoringAlarm[] = [];
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly props: OperationsMonitoringProps;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OperationsMonitoringProps) {
    super(scope, id);
    for (const kind of ALARM_KINDS) {
      if (!props.alarms[kind]) {
        throw new Error(`OperationsMonitoring: alarms.${kind} is missing`);
      }
    }
    if (props.functions.length === 0) {
      throw new Error('OperationsMonitoring: functions must list the functions to watch');
    }
    if (props.cache.nodes < 1) {
      throw new Error('OperationsMonitoring: cache.nodes must be at least 1');
    }
    for (const fn of props.functions) {
      if ((fn.emits ?? []).length > 0 && !fn.serviceName) {
        throw new Error(`OperationsMonitoring: ${fn.name} emits app metrics but has no serviceName`);
      }
    }
    this.props = props;
    this.action = new actions.SnsAction(props.topic);

    // Every kind of resource the catalog knows, with the resources of that kind; the order is the
    // order of the dashboard's alarm status.
    const watched: { readonly [R in MonitoredKind]: ReadonlyArray<Watched<R>> } = {
      httpApi: [{ id: 'Api', subject: 'HTTP API', resource: props.httpApi }],
      function: props.functions.map((fn) => ({ id: fn.name, subject: `Function ${fn.name}`, resource: fn })),
      rotationFunction: props.rotationFunction
        ? [{ id: 'RotationFunction', subject: 'Secret rotation function', resource: props.rotationFunction }]
        : [],
      deadLetterQueue: props.deadLetterQueues.map((q) => ({
        id: q.name,
        subject: `Queue ${q.name}`,
        resource: q,
      })),
      table: [{ id: 'PhotoTable', subject: 'Photo table', resource: props.table }],
      auroraCluster: [{ id: 'ProfileDatabase', subject: 'Aurora profile database', resource: props.cluster }],
      auroraReaders: [
        {
          id: 'ProfileDatabaseReaders',
          subject: "Aurora profile database's readers",
          resource: { cluster: props.cluster, readers: props.readers },
        },
      ],
      proxy: props.proxyName
        ? [{ id: 'ProfileProxy', subject: 'RDS Proxy', resource: { proxyName: props.proxyName } }]
        : [],
      userPool: props.userPool ? [{ id: 'UserPool', subject: 'User pool', resource: props.userPool }] : [],
      alarmTopic: [{ id: 'AlarmTopic', subject: 'Alarm topic', resource: props.topic }],
      cacheNode: this.cacheNodes().map(({ suffix, node }) => ({
        id: `CacheNode${suffix}`,
        subject: `Cache node ${suffix}`,
        resource: node,
      })),
      backupVault: props.backupVault
        ? [{ id: 'BackupVault', subject: 'Backup vault', resource: props.backupVault }]
        : [],
      tableReplica: (props.replication?.tableReplicas ?? []).map((replica) => ({
        id: `PhotoTableReplica${pascalRegion(replica.receivingRegion)}`,
        subject: `Photo table replica in ${replica.receivingRegion}`,
        resource: replica,
      })),
      photoReplication: (props.replication?.photoReplications ?? []).map((rule) => ({
        id: `${rule.name}Replication`,
        subject: `${rule.name} replication`,
        resource: rule,
      })),
      globalSecondary: props.replication?.globalSecondary
        ? [
            {
              id: 'GlobalDatabaseSecondary',
              subject: 'Aurora secondary cluster',
              resource: props.replication.globalSecondary,
            },
          ]
        : [],
    };
    for (const resource of Object.keys(watched) as MonitoredKind[]) {
      this.watch(resource, watched[resource]);
    }

    this.dashboard = this.buildDashboard();
  }

  /** Raises each row of the catalog for `resource` on each watched resource it applies to. */
  private watch<R extends MonitoredKind>(resource: R, watched: ReadonlyArray<Watched<R>>): void {
    const rows = alarmRowsFor(resource);
    for (const { id, subject, resource: watchedResource } of watched) {
      for (const { kind, row } of rows) {
        if (row.only && !row.only.when(watchedResource)) continue;
        const setting = this.props.alarms[kind];
        const threshold = row.threshold
          ? row.threshold(setting.threshold, watchedResource)
          : setting.threshold;
        const period = Duration.minutes(setting.periodMinutes);
        const window = `${setting.datapointsToAlarm} of ${setting.evaluationPeriods} periods of ${setting.periodMinutes} min`;
        const alarm = new cloudwatch.Alarm(this, `${id}${kind.charAt(0).toUpperCase()}${kind.slice(1)}`, {
          metric: withPeriod(row.metric(watchedResource), period, row.statistic),
          threshold,
          evaluationPeriods: setting.evaluationPeriods,
          datapointsToAlarm: setting.datapointsToAlarm,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: row.treatMissingData,
          alarmDescription: `${subject} ${row.title} >= ${setting.threshold} ${row.unit} (${window}). ${row.runbook}`,
        });
        alarm.addAlarmAction(this.action);
        alarm.addOkAction(this.action);
        this.alarms.push({ kind, subject, alarm });
      }
    }
  }

  /**
   * Hot keys of the table and its indexes. DynamoDB creates and names their Contributor Insights
   * rules, and each name ends in its creation time ("Contributor Insights for DynamoDB: How it
   * works"), which no template can know; a rule widget or INSIGHT_RULE_METRIC needs that name. So
   * the row links to the consoles that list the rules and graph the top keys, with nothing to look
   * up at deploy time.
   */
  private hotKeys(tableName: string, enabled: boolean): cloudwatch.TextWidget {
    const region = Stack.of(this).region;
    const dynamoDbConsole = `https://console.aws.amazon.com/dynamodbv2/home?region=${region}#table?name=${tableName}&tab=monitoring`;
    const rulesConsole = `https://console.aws.amazon.com/cloudwatch/home?region=${region}#contributor-insights:rules`;
    const markdown = enabled
      ? [
          '### Hot keys (CloudWatch Contributor Insights)',
          `Most accessed and most throttled keys of the table and its \`byOwner\` and \`feed\` indexes: [the table's Monitor tab](${dynamoDbConsole}) (the feed index's \`FEED#<n>\` shards first of all), or [the rules in CloudWatch](${rulesConsole}), named \`DynamoDBContributorInsights-<PKC|PKT|SKC|SKT>-${tableName}[-<index>]-<timestamp>\`.`,
        ].join('\n\n')
      : '### Hot keys\n\nContributor Insights is off in this stage (config `diagnostics.contributorInsights`).';
    return new cloudwatch.TextWidget({ markdown, width: 24, height: 3 });
  }

  /** One line per function that emits `metric`. */
  private appMetricLines(metric: AppMetric): cloudwatch.IMetric[] {
    return this.props.functions
      .filter((fn) => (fn.emits ?? []).includes(metric))
      .map((fn) => appMetric(metric, fn, fn.name));
  }

  /** Nodes of a cluster-mode-disabled replication group: `<group>-001`, `<group>-002`, ... */
  private cacheNodes(): Array<{ suffix: string; node: MonitoredCacheNode }> {
    const { replicationGroupId, nodes } = this.props.cache;
    return Array.from({ length: nodes }, (_, i) => {
      const suffix = String(i + 1).padStart(3, '0');
      return { suffix, node: { cacheClusterId: `${replicationGroupId}-${suffix}`, groupSize: nodes } };
    });
  }

  private buildDashboard(): cloudwatch.Dashboard {
    const props = this.props;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const section = (title: string) =>
      new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 });

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarms.map((a) => a.alarm),
        width: 24,
        height: 4,
      }),
    );
    dashboard.addWidgets(section('API'));
    dashboard.addWidgets(
      graph('Requests', [props.httpApi.metricCount({ statistic: 'Sum' })]),
      graph('5XX rate (%)', [serverErrorRate(props.httpApi)]),
      graph('Latency p50 / p90 / p99 (ms)', [
        props.httpApi.metricLatency({ statistic: 'p50' }),
        props.httpApi.metricLatency({ statistic: 'p90' }),
        props.httpApi.metricLatency({ statistic: 'p99' }),
      ]),
    );
    dashboard.addWidgets(section('Lambda functions'));
    dashboard.addWidgets(
      graph('Errors', [
        ...props.functions.map((f) => f.function.metricErrors({ label: f.name })),
        ...(props.rotationFunction
          ? [props.rotationFunction.metricErrors({ label: 'secret rotation' })]
          : []),
      ]),
      graph(
        'Duration p90 (ms)',
        props.functions.map((f) => f.function.metricDuration({ statistic: 'p90', label: f.name })),
      ),
      graph(
        'Throttles',
        props.functions.map((f) => f.function.metricThrottles({ label: f.name })),
      ),
    );
    dashboard.addWidgets(section('Stream and failure queues'));
    dashboard.addWidgets(
      graph(
        'Iterator age (ms)',
        props.functions
          .filter((f) => f.readsStream)
          .map((f) => f.function.metric('IteratorAge', { statistic: 'Maximum', label: f.name })),
        12,
      ),
      graph(
        'Messages waiting',
        props.deadLetterQueues.map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({ label: q.name }),
        ),
        12,
      ),
    );
    dashboard.addWidgets(section('App metrics'));
    dashboard.addWidgets(
      graph('Failed stream records', this.appMetricLines('failedStreamRecords'), 6),
      graph('Cache errors', this.appMetricLines('cacheErrors'), 6),
      graph('Rejected uploads', this.appMetricLines('rejectedUploads'), 6),
      graph('Expired uploads cleaned up', this.appMetricLines('cleanedUpUploads'), 6),
    );
    dashboard.addWidgets(section('Photo processing'));
    const processors = props.functions.filter((f) => (f.emits ?? []).includes('processedPhotos'));
    dashboard.addWidgets(
      graph('Photos processed and rejected', [
        ...this.appMetricLines('processedPhotos'),
        ...this.appMetricLines('rejectedPhotos'),
      ]),
      graph('Rejected photos (%)', processors.map(photoRejectionRate)),
      graph(
        'Processing duration p50 / p90 / max (ms)',
        processors.flatMap((f) =>
          (['p50', 'p90', 'Maximum'] as const).map((statistic) =>
            f.function.metricDuration({ statistic, label: `${f.name} ${statistic}` }),
          ),
        ),
      ),
    );
    dashboard.addWidgets(section('DynamoDB photo table'));
    dashboard.addWidgets(
      graph('Consumed capacity', [
        props.table.metricConsumedReadCapacityUnits({ label: 'read' }),
        props.table.metricConsumedWriteCapacityUnits({ label: 'write' }),
      ]),
      graph('Throttled reads + writes', [tableThrottles(props.table)]),
      graph('Successful request latency (ms)', [
        props.table.metricSuccessfulRequestLatency({
          dimensionsMap: { TableName: props.table.tableName, Operation: 'Query' },
          label: 'Query',
        }),
      ]),
    );
    dashboard.addWidgets(this.hotKeys(props.table.tableName, props.contributorInsights));
    dashboard.addWidgets(section('Aurora and RDS Proxy'));
    const proxyName = props.proxyName;
    dashboard.addWidgets(
      graph(
        'CPU (%) and ACU utilization (%)',
        [props.cluster.metricCPUUtilization(), props.cluster.metric('ACUUtilization')],
        6,
      ),
      graph('Serverless capacity (ACU)', [props.cluster.metric('ServerlessDatabaseCapacity')], 6),
      graph('Database connections', [props.cluster.metricDatabaseConnections()], 6),
      proxyName
        ? graph(
            'Proxy borrow latency (µs) and client connections',
            [
              proxyMetric(proxyName, 'DatabaseConnectionsBorrowLatency'),
              proxyMetric(proxyName, 'ClientConnections'),
            ],
            6,
          )
        : new cloudwatch.TextWidget({ markdown: 'No RDS Proxy in this stage.', width: 6, height: 6 }),
    );
    dashboard.addWidgets(section('Cache'));
    const nodes = this.cacheNodes().map(({ node }) => node.cacheClusterId);
    dashboard.addWidgets(
      graph(
        'Engine CPU (%)',
        nodes.map((n) => cacheNodeMetric(n, 'EngineCPUUtilization')),
        6,
      ),
      graph(
        'Memory used (%)',
        nodes.map((n) => cacheNodeMetric(n, 'DatabaseMemoryUsagePercentage')),
        6,
      ),
      graph(
        'Evictions',
        nodes.map((n) => cacheNodeMetric(n, 'Evictions')),
        6,
      ),
      graph(
        'Cache hits and misses',
        nodes.flatMap((n) => [cacheNodeMetric(n, 'CacheHits'), cacheNodeMetric(n, 'CacheMisses')]),
        6,
      ),
    );
    const replication = this.replicationRow();
    if (replication.length > 0) {
      dashboard.addWidgets(section('Replication to the second Region'));
      dashboard.addWidgets(...replication);
    }
    return dashboard;
  }

  /**
   * What a regional failover would lose, as it stands: the table's replication latency, the photo
   * replication's latency and backlog, and the Aurora secondary's lag (graphed from its own Region
   * where it lives in another: dashboards take metrics of any Region).
   */
  private replicationRow(): cloudwatch.IWidget[] {
    const replication = this.props.replication;
    if (!replication) return [];
    const graph = (title: string, left: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6 });
    const widgets: cloudwatch.IWidget[] = [];
    const replicas = replication.tableReplicas ?? [];
    if (replicas.length > 0) {
      widgets.push(
        graph(
          'Table replication latency (ms)',
          replicas.map((replica) =>
            tableReplicationLatency(replica).with({ label: replica.receivingRegion }),
          ),
        ),
      );
    }
    for (const rule of replication.photoReplications ?? []) {
      widgets.push(
        graph(`${rule.name} replication: latency (s), pending and failed operations`, [
          photoReplicationMetric(rule, 'ReplicationLatency', 'Maximum'),
          photoReplicationMetric(rule, 'OperationsPendingReplication', 'Maximum'),
          photoReplicationMetric(rule, 'OperationsFailedReplication', 'Sum'),
        ]),
      );
    }
    const lag = replication.globalSecondary
      ? replication.globalSecondary.cluster.metric('AuroraGlobalDBReplicationLag', { statistic: 'Maximum' })
      : replication.remoteGlobalSecondary &&
        new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'AuroraGlobalDBReplicationLag',
          dimensionsMap: { DBClusterIdentifier: replication.remoteGlobalSecondary.clusterIdentifier },
          region: replication.remoteGlobalSecondary.region,
          statistic: 'Maximum',
          label: replication.remoteGlobalSecondary.region,
        });
    if (lag) widgets.push(graph('Aurora global replication lag (ms)', [lag]));
    return widgets;
  }
}

/** `us-west-2` -> `UsWest2`, for construct ids. */
function pascalRegion(region: string): string {
  return region.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}

/** Sets period and statistic on a metric or math expression. */
function withPeriod(metric: cloudwatch.IMetric, period: Duration, statistic: string): cloudwatch.IMetric {
  if (metric instanceof cloudwatch.Metric) {
    return metric.with({ period, statistic });
  }
  if (metric instanceof cloudwatch.MathExpression) {
    return metric.with({ period });
  }
  return metric;
}
