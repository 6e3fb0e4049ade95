import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APP_METRICS, APP_METRICS_NAMESPACE, SERVICE_DIMENSION, type AppMetric } from '../app-metrics';
import { ALARM_KINDS, ALARM_UNITS, type AlarmKind, type AlarmSetting } from '../config';
import { ALARM_CATALOG, alarmKindsFor, type MonitoredKind } from './alarm-catalog';

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

export interface OperationsMonitoringProps {
  /** Every alarm notifies this topic (alarm and OK). */
  readonly topic: sns.ITopic;
  /** Threshold and window per alarm kind, from the stage config. */
  readonly alarms: Readonly<Record<AlarmKind, AlarmSetting>>;
  readonly httpApi: apigwv2.IHttpApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly table: dynamodb.ITableV2;
  readonly cluster: rds.IDatabaseCluster;
  /** Name of the RDS Proxy, if the stage has one. */
  readonly proxyName?: string;
  /** Replication group id of the cache and its number of nodes (primary + replicas). */
  readonly cache: { readonly replicationGroupId: string; readonly nodes: number };
  /** The function that rotates the database admin secret. */
  readonly rotationFunction: lambda.IFunction;
  /** The user pool and the app client its users sign in with. */
  readonly userPool: { readonly userPoolId: string; readonly clientId: string };
}

/**
 * App metrics that call for a person, with their alarm. Rejected uploads and
 * cleaned-up uploads are graphs only: each is the app doing its job (refusing
 * a file that is not the declared image, removing an abandoned upload), and
 * neither has a fix an operator could apply.
 */
const ALARMED_APP_METRICS: Partial<Record<AppMetric, { kind: AlarmKind; resource: MonitoredKind }>> = {
  failedStreamRecords: { kind: 'failedStreamRecords', resource: 'streamRecordMetric' },
  cacheErrors: { kind: 'cacheErrors', resource: 'cacheErrorMetric' },
};

/** One alarm and the resource it watches. */
export interface MonitoringAlarm {
  readonly kind: AlarmKind;
  readonly subject: string;
  readonly alarm: cloudwatch.Alarm;
}

/**
 * Alarms for every resource of the app, from one table (`ALARM_CATALOG`) and
 * the stage's thresholds, all notifying the alarm topic; and one dashboard
 * with a row per layer.
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

    // API
    const apiMetrics = this.apiMetrics();
    this.watch('Api', 'httpApi', 'HTTP API', {
      api5xxRate: apiMetrics.serverErrorRate,
      apiLatencyP90: apiMetrics.latency,
    });

    // Functions
    for (const fn of props.functions) {
      this.watch(
        fn.name,
        'function',
        `Function ${fn.name}`,
        {
          lambdaErrors: fn.function.metricErrors(),
          lambdaThrottles: fn.function.metricThrottles(),
          lambdaDurationP90: fn.function.metricDuration(),
        },
        { lambdaDurationP90: (percent) => (fn.timeout.toMilliseconds() * percent) / 100 },
      );
      if (fn.readsStream) {
        this.watch(fn.name, 'streamFunction', `Function ${fn.name}`, {
          streamIteratorAge: fn.function.metric('IteratorAge'),
        });
      }
      for (const metric of fn.emits ?? []) {
        const alarmed = ALARMED_APP_METRICS[metric];
        if (alarmed) {
          this.watch(fn.name, alarmed.resource, `Function ${fn.name}`, {
            [alarmed.kind]: this.appMetric(metric, fn),
          });
        }
      }
    }
    // Only the errors alarm: Secrets Manager invokes it once per rotation period, a timeout counts
    // as an error, and its timeout is set inside the rotation application, out of this app's reach.
    this.watch('RotationFunction', 'rotationFunction', 'Secret rotation function', {
      rotationErrors: props.rotationFunction.metricErrors(),
    });

    for (const q of props.deadLetterQueues) {
      this.watch(q.name, 'deadLetterQueue', `Queue ${q.name}`, {
        deadLetterMessages: q.queue.metricApproximateNumberOfMessagesVisible(),
      });
    }

    // DynamoDB
    this.watch('PhotoTable', 'table', 'Photo table', {
      tableThrottles: this.tableThrottles(),
      tableSystemErrors: props.table.metricSystemErrorsForOperations({
        operations: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'].map(
          (op) => op as dynamodb.Operation,
        ),
      }),
    });

    // Aurora and RDS Proxy
    this.watch('ProfileDatabase', 'auroraCluster', 'Aurora profile database', {
      auroraCpu: props.cluster.metricCPUUtilization(),
      auroraAcuUtilization: props.cluster.metric('ACUUtilization'),
      auroraConnections: props.cluster.metricDatabaseConnections(),
    });
    if (props.proxyName) {
      this.watch(
        'ProfileProxy',
        'proxy',
        'RDS Proxy',
        { proxyBorrowLatency: this.proxyMetric(props.proxyName, 'DatabaseConnectionsBorrowLatency') },
        // The metric is in microseconds; the config speaks milliseconds.
        { proxyBorrowLatency: (ms) => ms * 1000 },
      );
    }

    // Cognito: FederationThrottles is left out, the pool has no federated identity providers.
    this.watch('UserPool', 'userPool', 'User pool', { userPoolThrottles: this.userPoolThrottles() });

    // The alarm topic itself: a failed delivery means alarms go unheard.
    this.watch('AlarmTopic', 'alarmTopic', 'Alarm topic', {
      topicDeliveryFailures: props.topic.metricNumberOfNotificationsFailed(),
    });

    // Redis: host-level metrics per node (`<group>-001` is the first node).
    for (const nodeId of this.cacheNodeIds()) {
      const suffix = nodeId.suffix;
      const metrics: Partial<Record<AlarmKind, cloudwatch.IMetric>> = {
        cacheEngineCpu: this.cacheMetric(nodeId.full, 'EngineCPUUtilization'),
        cacheMemory: this.cacheMetric(nodeId.full, 'DatabaseMemoryUsagePercentage'),
        cacheEvictions: this.cacheMetric(nodeId.full, 'Evictions'),
      };
      this.watch(`CacheNode${suffix}`, 'cacheNode', `Redis node ${suffix}`, metrics);
      if (props.cache.nodes > 1) {
        // Whichever node is a replica reports lag; the primary reports none.
        this.watch(`CacheNode${suffix}`, 'cacheReplica', `Redis node ${suffix}`, {
          cacheReplicationLag: this.cacheMetric(nodeId.full, 'ReplicationLag'),
        });
      }
    }

    this.dashboard = this.buildDashboard(apiMetrics);
  }

  private watch(
    id: string,
    resource: MonitoredKind,
    subject: string,
    metrics: Partial<Record<AlarmKind, cloudwatch.IMetric>>,
    thresholdFor: Partial<Record<AlarmKind, (configured: number) => number>> = {},
  ): void {
    for (const kind of alarmKindsFor(resource)) {
      const metric = metrics[kind];
      if (!metric) {
        throw new Error(`OperationsMonitoring: no metric for ${kind} on ${subject}`);
      }
      const definition = ALARM_CATALOG[kind];
      const setting = this.props.alarms[kind];
      const threshold = (thresholdFor[kind] ?? ((v: number) => v))(setting.threshold);
      const period = Duration.minutes(setting.periodMinutes);
      const window = `${setting.datapointsToAlarm} of ${setting.evaluationPeriods} periods of ${setting.periodMinutes} min`;
      const alarm = new cloudwatch.Alarm(this, `${id}${kind.charAt(0).toUpperCase()}${kind.slice(1)}`, {
        metric: withPeriod(metric, period, definition.statistic),
        threshold,
        evaluationPeriods: setting.evaluationPeriods,
        datapointsToAlarm: setting.datapointsToAlarm,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: definition.treatMissingData,
        alarmDescription: `${subject} ${definition.title} >= ${setting.threshold} ${ALARM_UNITS[kind]} (${window}). ${definition.runbook}`,
      });
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
      this.alarms.push({ kind, subject, alarm });
    }
  }

  private apiMetrics(): {
    serverErrorRate: cloudwatch.IMetric;
    latency: cloudwatch.IMetric;
    count: cloudwatch.IMetric;
  } {
    const api = this.props.httpApi;
    const errors = api.metricServerError({ statistic: 'Sum' });
    const count = api.metricCount({ statistic: 'Sum' });
    return {
      serverErrorRate: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors, requests: count },
        label: '5XX rate (%)',
      }),
      latency: api.metricLatency({ statistic: 'p90' }),
      count,
    };
  }

  private tableThrottles(): cloudwatch.IMetric {
    const table = this.props.table;
    return new cloudwatch.MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: table.metric('ReadThrottleEvents', { statistic: 'Sum' }),
        writes: table.metric('WriteThrottleEvents', { statistic: 'Sum' }),
      },
      label: 'Throttled reads + writes',
    });
  }

  private userPoolThrottles(): cloudwatch.IMetric {
    const { userPoolId, clientId } = this.props.userPool;
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

  /** An app metric as Powertools emits it: the app's namespace, one `service` dimension. */
  private appMetric(metric: AppMetric, fn: MonitoredFunction, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: APP_METRICS_NAMESPACE,
      metricName: APP_METRICS[metric],
      dimensionsMap: { [SERVICE_DIMENSION]: fn.serviceName! },
      statistic: 'Sum',
      label,
    });
  }

  /** One line per function that emits `metric`. */
  private appMetricLines(metric: AppMetric): cloudwatch.IMetric[] {
    return this.props.functions
      .filter((fn) => (fn.emits ?? []).includes(metric))
      .map((fn) => this.appMetric(metric, fn, fn.name));
  }

  private proxyMetric(proxyName: string, metricName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { ProxyName: proxyName },
    });
  }

  /** Node ids of a cluster-mode-disabled replication group: `<group>-001`, `<group>-002`, ... */
  private cacheNodeIds(): Array<{ full: string; suffix: string }> {
    return Array.from({ length: this.props.cache.nodes }, (_, i) => {
      const suffix = String(i + 1).padStart(3, '0');
      return { full: `${this.props.cache.replicationGroupId}-${suffix}`, suffix };
    });
  }

  private cacheMetric(cacheClusterId: string, metricName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: cacheClusterId },
    });
  }

  private buildDashboard(api: {
    serverErrorRate: cloudwatch.IMetric;
    count: cloudwatch.IMetric;
  }): cloudwatch.Dashboard {
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
      graph('Requests', [api.count]),
      graph('5XX rate (%)', [api.serverErrorRate]),
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
        props.rotationFunction.metricErrors({ label: 'secret rotation' }),
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
    dashboard.addWidgets(section('DynamoDB photo table'));
    dashboard.addWidgets(
      graph('Consumed capacity', [
        props.table.metricConsumedReadCapacityUnits({ label: 'read' }),
        props.table.metricConsumedWriteCapacityUnits({ label: 'write' }),
      ]),
      graph('Throttled reads + writes', [this.tableThrottles()]),
      graph('Successful request latency (ms)', [
        props.table.metricSuccessfulRequestLatency({
          dimensionsMap: { TableName: props.table.tableName, Operation: 'Query' },
          label: 'Query',
        }),
      ]),
    );
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
              this.proxyMetric(proxyName, 'DatabaseConnectionsBorrowLatency'),
              this.proxyMetric(proxyName, 'ClientConnections'),
            ],
            6,
          )
        : new cloudwatch.TextWidget({ markdown: 'No RDS Proxy in this stage.', width: 6, height: 6 }),
    );
    dashboard.addWidgets(section('Redis'));
    const nodes = this.cacheNodeIds();
    dashboard.addWidgets(
      graph(
        'Engine CPU (%)',
        nodes.map((n) => this.cacheMetric(n.full, 'EngineCPUUtilization')),
        6,
      ),
      graph(
        'Memory used (%)',
        nodes.map((n) => this.cacheMetric(n.full, 'DatabaseMemoryUsagePercentage')),
        6,
      ),
      graph(
        'Evictions',
        nodes.map((n) => this.cacheMetric(n.full, 'Evictions')),
        6,
      ),
      graph(
        'Cache hits and misses',
        nodes.flatMap((n) => [
          this.cacheMetric(n.full, 'CacheHits'),
          this.cacheMetric(n.full, 'CacheMisses'),
        ]),
        6,
      ),
    );
    return dashboard;
  }
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
