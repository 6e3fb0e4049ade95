import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AppFunction } from '../../lib/constructs/app-function';
import { STAGE_CONFIGS } from '../../lib/config';
import { buildPhotoApp } from '../../lib/photo-app';
import { SKIP_BUNDLING } from '../../scripts/cdk-context';
import { missingAlarms } from './helpers/alarm-coverage';
import { CDK_JSON_CONTEXT, synthStage } from './helpers/app';
import { followStackOutput, templatesByStackName, type StackTemplates } from './helpers/stack-outputs';

describe.each(['dev', 'prod'] as const)('alarms (%s)', (stage) => {
  const synthesized = synthStage(stage);
  const { templates, stacks } = synthesized;
  const byName = templatesByStackName(synthesized);
  const alarms = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Alarm'));
  const topic = Object.keys(templates.monitoring.findResources('AWS::SNS::Topic'))[0];

  it('covers every monitored resource with its required alarms', () => {
    expect(missingAlarms(byName, stacks.monitoring.stackName)).toEqual([]);
  });

  it('reads every watched resource through a local copy that holds a whole value of its stack', () => {
    const copies = templates.monitoring.findResources('AWS::SSM::Parameter');
    // 6 functions, 2 queues, the HTTP API, the table, the cluster, the proxy, the cache.
    expect(Object.keys(copies)).toHaveLength(13);
    for (const copy of Object.values(copies)) {
      expect(followStackOutput(byName, copy.Properties.Value)).toMatchObject({
        stackName: expect.stringMatching(/^PhotoApp-(Dev|Prod)-(Data|Api)$/),
      });
    }
    const alarmsAndDashboard = [
      ...alarms,
      ...Object.values(templates.monitoring.findResources('AWS::CloudWatch::Dashboard')),
    ];
    for (const resource of alarmsAndDashboard) {
      expect(JSON.stringify(resource.Properties)).not.toContain('Fn::GetStackOutput');
    }
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

  it("leaves the dashboard untagged (some regions' schemas have no Tags for it) and tags the alarm topic", () => {
    const [dashboard] = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties).not.toHaveProperty('Tags');
    const [alarmTopic] = Object.values(templates.monitoring.findResources('AWS::SNS::Topic'));
    expect(alarmTopic.Properties.Tags).toEqual([
      { Key: 'project', Value: 'photo-sharing-reference' },
      { Key: 'stage', Value: stage },
    ]);
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
    const templates = templatesByStackName({
      stacks,
      templates: {
        network: Template.fromStack(stacks.network),
        data: Template.fromStack(stacks.data),
        api: Template.fromStack(stacks.api),
        monitoring: Template.fromStack(stacks.monitoring),
      },
    });
    expect(missingAlarms(templates, stacks.monitoring.stackName)).toEqual([
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Errors$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Throttles$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Duration$/),
    ]);
  });

  it("does not count an alarm whose local copy holds another resource's name", () => {
    const synthesized = synthStage('dev', { nag: false });
    const templates = JSON.parse(JSON.stringify(templatesByStackName(synthesized))) as StackTemplates;
    const monitoring = templates[synthesized.stacks.monitoring.stackName];
    const copies = Object.values(monitoring.Resources).filter((r) => r.Type === 'AWS::SSM::Parameter');
    const copyOf = (output: RegExp) =>
      copies.find((r) => output.test(r.Properties?.Value['Fn::GetStackOutput'].OutputName as string))!;
    // The health function's copy now reads the photos function's name.
    copyOf(/RefHealthFunction/).Properties!.Value = copyOf(/RefPhotosFunction/).Properties!.Value;
    expect(missingAlarms(templates, synthesized.stacks.monitoring.stackName)).toEqual([
      expect.stringMatching(/^HealthFunction.*: AWS\/Lambda\/Errors$/),
      expect.stringMatching(/^HealthFunction.*: AWS\/Lambda\/Throttles$/),
      expect.stringMatching(/^HealthFunction.*: AWS\/Lambda\/Duration$/),
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
