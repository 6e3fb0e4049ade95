import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AppFunction } from '../../lib/constructs/app-function';
import { STAGE_CONFIGS } from '../../lib/config';
import { buildPhotoApp } from '../../lib/photo-app';
import { SKIP_BUNDLING } from '../../scripts/cdk-context';
import { CDK_JSON_CONTEXT, synthStage } from './helpers/app';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

interface Templates {
  readonly network: Template;
  readonly data: Template;
  readonly api: Template;
  readonly monitoring: Template;
}

/** CDK's own helper functions (custom resource providers); everything else is ours and must be watched. */
const CDK_HELPER_FUNCTION =
  /^(LogRetention[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}|CustomS3AutoDeleteObjectsCustomResourceProviderHandler|CustomVpcRestrictDefaultSGCustomResourceProviderHandler|.*Providerframework)/;

interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: string;
}

/** Every metric an alarm reads, whether it is a single metric or a metric-math alarm. */
function metricsOf(alarm: Record<string, any>): WatchedMetric[] {
  if (alarm.MetricName) {
    return [
      {
        namespace: alarm.Namespace,
        metricName: alarm.MetricName,
        dimensions: JSON.stringify(alarm.Dimensions),
      },
    ];
  }
  return (alarm.Metrics as Array<Record<string, any>>)
    .filter((m) => m.MetricStat)
    .map((m) => ({
      namespace: m.MetricStat.Metric.Namespace,
      metricName: m.MetricStat.Metric.MetricName,
      dimensions: JSON.stringify(m.MetricStat.Metric.Dimensions),
    }));
}

/**
 * Walks every monitored resource in the templates and lists the required
 * alarms that are missing, as `"<resource>: <namespace>/<metric>"`.
 */
function missingAlarms(t: Templates): string[] {
  const alarms = Object.values(t.monitoring.findResources('AWS::CloudWatch::Alarm')).map(
    (a) => a.Properties as Record<string, any>,
  );
  const watched = alarms.flatMap(metricsOf);
  const missing: string[] = [];
  const require = (resource: string, namespace: string, metricName: string, reference: string) => {
    const found = watched.some(
      (m) => m.namespace === namespace && m.metricName === metricName && m.dimensions.includes(reference),
    );
    if (!found) {
      missing.push(`${resource}: ${namespace}/${metricName}`);
    }
  };

  for (const template of [t.data, t.api]) {
    const resources = template.toJSON().Resources as Resources;
    const streamConsumers = new Set(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
        .map((r) => r.Properties.FunctionName.Ref as string),
    );
    for (const [id, resource] of Object.entries(resources)) {
      const output = (kind: string) => `"PublishOutput${kind}${id}`;
      switch (resource.Type) {
        case 'AWS::Lambda::Function':
          if (CDK_HELPER_FUNCTION.test(id)) break;
          for (const metric of ['Errors', 'Throttles', 'Duration']) {
            require(id, 'AWS/Lambda', metric, output('Ref'));
          }
          if (streamConsumers.has(id)) require(id, 'AWS/Lambda', 'IteratorAge', output('Ref'));
          break;
        case 'AWS::SQS::Queue':
          require(id, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', output('FnGetAtt'));
          break;
        case 'AWS::ApiGatewayV2::Api':
          require(id, 'AWS/ApiGateway', '5xx', output('Ref'));
          require(id, 'AWS/ApiGateway', 'Latency', output('Ref'));
          break;
        case 'AWS::DynamoDB::GlobalTable':
          for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors']) {
            require(id, 'AWS/DynamoDB', metric, output('Ref'));
          }
          break;
        case 'AWS::RDS::DBCluster':
          for (const metric of ['CPUUtilization', 'ACUUtilization', 'DatabaseConnections']) {
            require(id, 'AWS/RDS', metric, output('Ref'));
          }
          break;
        case 'AWS::RDS::DBProxy':
          require(id, 'AWS/RDS', 'DatabaseConnectionsBorrowLatency', output('Ref'));
          break;
        case 'AWS::ElastiCache::ReplicationGroup': {
          const nodes = resource.Properties.NumCacheClusters as number;
          for (let n = 1; n <= nodes; n++) {
            const metrics = ['EngineCPUUtilization', 'DatabaseMemoryUsagePercentage', 'Evictions'];
            if (nodes > 1) metrics.push('ReplicationLag');
            for (const metric of metrics) {
              const nodeAlarm = watched.some(
                (m) =>
                  m.namespace === 'AWS/ElastiCache' &&
                  m.metricName === metric &&
                  m.dimensions.includes(output('Ref')) &&
                  m.dimensions.includes(`-00${n}`),
              );
              if (!nodeAlarm) missing.push(`${id} node ${n}: AWS/ElastiCache/${metric}`);
            }
          }
          break;
        }
        default:
          break;
      }
    }
  }
  return missing;
}

describe.each(['dev', 'prod'] as const)('alarms (%s)', (stage) => {
  const { templates } = synthStage(stage);
  const alarms = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Alarm'));
  const topic = Object.keys(templates.monitoring.findResources('AWS::SNS::Topic'))[0];

  it('covers every monitored resource with its required alarms', () => {
    expect(missingAlarms(templates)).toEqual([]);
  });

  it('has the expected number of alarms', () => {
    // API 2, functions 6x3 + iterator age, 2 queues, table 2, Aurora 3, proxy 1, Redis 3 per node (+ lag per node in prod)
    expect(alarms).toHaveLength(
      stage === 'prod' ? 2 + 19 + 2 + 2 + 3 + 1 + 2 * 4 : 2 + 19 + 2 + 2 + 3 + 1 + 3,
    );
  });

  it('sends every alarm and its recovery to the alarm topic', () => {
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('describes every alarm and treats missing data deliberately', () => {
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmDescription).toMatch(/>= .+\(\d+ of \d+ periods of \d+ min\)\. .{40,}/);
      expect(['breaching', 'notBreaching']).toContain(alarm.Properties.TreatMissingData);
      expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
  });

  it('takes the window of each alarm from the stage config', () => {
    const lambdaErrors = STAGE_CONFIGS[stage].monitoring.alarms.lambdaErrors;
    const errorsAlarms = alarms.filter((a) => a.Properties.MetricName === 'Errors');
    expect(errorsAlarms).toHaveLength(6);
    for (const alarm of errorsAlarms) {
      expect(alarm.Properties).toMatchObject({
        Threshold: lambdaErrors.threshold,
        EvaluationPeriods: lambdaErrors.evaluationPeriods,
        DatapointsToAlarm: lambdaErrors.datapointsToAlarm,
        Period: lambdaErrors.periodMinutes * 60,
        Statistic: 'Sum',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('sets the duration alarm at a percent of each function timeout', () => {
    const percent = STAGE_CONFIGS[stage].monitoring.alarms.lambdaDurationP90.threshold;
    const thresholds = alarms
      .filter((a) => a.Properties.MetricName === 'Duration')
      .map((a) => a.Properties.Threshold as number)
      .sort((a, b) => a - b);
    const timeoutsMs = [3, 10, 10, 30, 60, 300].map((s) => s * 1000);
    expect(thresholds).toEqual(timeoutsMs.map((ms) => (ms * percent) / 100));
  });

  it('converts the proxy borrow latency threshold to microseconds', () => {
    const borrow = alarms.find((a) => a.Properties.MetricName === 'DatabaseConnectionsBorrowLatency')!;
    expect(borrow.Properties.Threshold).toBe(
      STAGE_CONFIGS[stage].monitoring.alarms.proxyBorrowLatency.threshold * 1000,
    );
  });

  it('has one dashboard with a row per layer', () => {
    const dashboards = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const row of [
      '## API',
      '## Lambda functions',
      '## Stream and failure queues',
      '## DynamoDB photo table',
      '## Aurora and RDS Proxy',
      '## Redis',
    ]) {
      expect(body).toContain(row);
    }
  });
});

describe('alarm coverage', () => {
  it('fails when a new function has no alarms', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
    const stacks = buildPhotoApp(app, STAGE_CONFIGS.dev);
    new AppFunction(stacks.api, 'ForgottenFunction', {
      entry: 'lambda/handlers/health.ts',
      description: 'A function nobody added to the monitoring',
      serviceName: 'forgotten',
      memorySize: 128,
      timeout: Duration.seconds(3),
      logRetentionDays: logs.RetentionDays.ONE_DAY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      invocation: { type: 'sync', caller: 'nobody' },
    });
    const templates = {
      network: Template.fromStack(stacks.network),
      data: Template.fromStack(stacks.data),
      api: Template.fromStack(stacks.api),
      monitoring: Template.fromStack(stacks.monitoring),
    };
    expect(missingAlarms(templates)).toEqual([
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Errors$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Throttles$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Duration$/),
    ]);
  });

  it('follows a threshold changed in the config', () => {
    const { templates } = synthStage('dev', {
      nag: false,
      configure: (c) => ({
        ...c,
        monitoring: {
          ...c.monitoring,
          alarms: {
            ...c.monitoring.alarms,
            auroraCpu: { threshold: 42, periodMinutes: 10, evaluationPeriods: 6, datapointsToAlarm: 4 },
          },
        },
      }),
    });
    templates.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/RDS',
      Threshold: 42,
      Period: 600,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 4,
      TreatMissingData: 'breaching',
    });
  });
});
