import { FUNCTIONS } from '../../contract/functions';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { APP_METRICS, APP_METRICS_NAMESPACE } from '../../lib/app-metrics';
import { AppFunction } from '../../lib/constructs/app-function';
import { ALARM_KINDS, type AlarmKind } from '../../lib/alarm-catalog';
import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES, stageLabel } from '../../lib/config';
import type { PhotoAppStacks } from '../../lib/photo-app';
import { missingAlarms, missingAlarmsAfter, monitoringLayoutOf } from './helpers/alarm-coverage';
import { synthStage } from './helpers/app';
import { dashboardWidgets } from './helpers/dashboard';
import { followStackOutput, templatesByStackName, type StackTemplates } from './helpers/stack-outputs';

/** The kinds each stage raises, gathered while the stage suites below are collected. */
const raisedKinds = new Set<AlarmKind>();

describe.each(STAGE_NAMES)('alarms (%s)', (stage) => {
  const config = STAGE_CONFIGS[stage];
  const synthesized = synthStage(stage);
  const { templates, stacks } = synthesized;
  for (const { kind } of stacks.monitoring.operations.alarms) raisedKinds.add(kind);
  for (const { kind } of stacks.secondaryMonitoring?.operations.alarms ?? []) raisedKinds.add(kind);
  const byName = templatesByStackName(synthesized);
  const alarms = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Alarm'));
  const topic = Object.keys(templates.monitoring.findResources('AWS::SNS::Topic'))[0];
  /** The environment the API stack gives the function of `service`. */
  const environmentOf = (service: string): Record<string, unknown> => {
    const functions = Object.values(templates.api.findResources('AWS::Lambda::Function'));
    const variables = functions
      .map((f) => f.Properties.Environment?.Variables as Record<string, unknown> | undefined)
      .filter((v) => v?.POWERTOOLS_SERVICE_NAME === service);
    expect(variables).toHaveLength(1);
    return variables[0]!;
  };

  it('covers every monitored resource with its required alarms', () => {
    expect(missingAlarms(byName, monitoringLayoutOf(stacks))).toEqual([]);
  });

  it('reads every watched resource through a local copy that holds a whole value of its stack', () => {
    const copies = templates.monitoring.findResources('AWS::SSM::Parameter');
    // 8 functions, the rotation function, 4 queues, the HTTP API, the table, the cluster, the
    // proxy, the cache, the user pool and its app client, the backup vault; the photo bucket where
    // it replicates to a second Region.
    expect(Object.keys(copies)).toHaveLength(21 + (config.disasterRecovery ? 1 : 0));
    for (const copy of Object.values(copies)) {
      expect(followStackOutput(byName, copy.Properties.Value)).toMatchObject({
        stackName: expect.stringMatching(new RegExp(`^PhotoApp-${stageLabel(stage)}-(Data|Api)$`)),
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
    // API 2, functions 8x3 + iterator age of the 2 stream readers, rotation 1, 4 queues, table 2,
    // Aurora 3, user pool 1, alarm topic 1, app metrics 6 (failed stream records of the 2 stream
    // readers; cache errors of the 3 functions given the cache; the share of rejected photos); the
    // proxy 1 if the stage has one; 3 per cache node, + replication lag per node when there is a
    // replica; failed backup jobs, + failed copy jobs when recovery points are copied to another
    // Region, + failed restore jobs when a restore testing plan runs.
    const common = 2 + 26 + 1 + 4 + 2 + 3 + 1 + 1 + 6;
    const nodes = 1 + config.cache.replicas;
    // Replica lag when the cluster has readers.
    const backup = 1 + (config.backup.copyRegion ? 1 : 0) + (config.backup.restoreTesting ? 1 : 0);
    const replicaLag = config.database.readers > 0 ? 1 : 0;
    // With a second Region: the table's replication latency, and the latency, backlog and failures
    // of each photo bucket rule, photos and renditions (the secondary cluster's lag is alarmed in
    // its own Region).
    const replication = config.disasterRecovery ? 1 + 2 * 3 : 0;
    expect(alarms).toHaveLength(
      common +
        (config.database.proxy ? 1 : 0) +
        nodes * (nodes > 1 ? 4 : 3) +
        backup +
        replicaLag +
        replication,
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
    const lambdaErrors = config.monitoring.alarms.lambdaErrors;
    const errorsAlarms = alarms.filter(
      (a) => a.Properties.MetricName === 'Errors' && !/^Secret rotation/.test(a.Properties.AlarmDescription),
    );
    expect(errorsAlarms).toHaveLength(8);
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
    const percent = config.monitoring.alarms.lambdaDurationP90.threshold;
    const thresholds = alarms
      .filter((a) => a.Properties.MetricName === 'Duration')
      .map((a) => a.Properties.Threshold as number)
      .sort((a, b) => a - b);
    const timeoutsMs = [3, 10, 10, 30, 60, 60, 300, 300].map((s) => s * 1000);
    expect(thresholds).toEqual(timeoutsMs.map((ms) => (ms * percent) / 100));
  });

  it('converts the proxy borrow latency threshold to microseconds', () => {
    const borrow = alarms.find((a) => a.Properties.MetricName === 'DatabaseConnectionsBorrowLatency')!;
    expect(borrow.Properties.Threshold).toBe(config.monitoring.alarms.proxyBorrowLatency.threshold * 1000);
  });

  it('has one dashboard with a row per layer', () => {
    const dashboards = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0].Properties.DashboardBody);
    for (const row of [
      '## API',
      '## Lambda functions',
      '## Stream and failure queues',
      '## App metrics',
      '## Photo processing',
      '## DynamoDB photo table',
      '## Aurora and RDS Proxy',
      '## Cache',
    ]) {
      expect(body).toContain(row);
    }
  });

  it('alarms where a person must act on the app metrics, in the namespace and service the functions emit', () => {
    const appAlarms = alarms.filter((a) => a.Properties.Namespace === APP_METRICS_NAMESPACE);
    const emitted = (service: string) => environmentOf(service).POWERTOOLS_METRICS_NAMESPACE;
    const expected: Array<[AlarmKind, string, string]> = [
      ['failedStreamRecords', APP_METRICS.failedStreamRecords, FUNCTIONS.photoProcessor.name],
      ['failedStreamRecords', APP_METRICS.failedStreamRecords, FUNCTIONS.streamProcessor.name],
      ['cacheErrors', APP_METRICS.cacheErrors, FUNCTIONS.profilesApi.name],
      ['cacheErrors', APP_METRICS.cacheErrors, FUNCTIONS.streamProcessor.name],
      ['cacheErrors', APP_METRICS.cacheErrors, FUNCTIONS.reconciler.name],
    ];
    expect(appAlarms).toHaveLength(expected.length);
    for (const [kind, metricName, service] of expected) {
      const setting = config.monitoring.alarms[kind];
      expect(emitted(service)).toBe(APP_METRICS_NAMESPACE);
      expect(appAlarms).toContainEqual(
        expect.objectContaining({
          Properties: expect.objectContaining({
            Namespace: APP_METRICS_NAMESPACE,
            MetricName: metricName,
            Dimensions: [{ Name: 'service', Value: service }],
            Statistic: 'Sum',
            Threshold: setting.threshold,
            Period: setting.periodMinutes * 60,
            EvaluationPeriods: setting.evaluationPeriods,
            DatapointsToAlarm: setting.datapointsToAlarm,
            TreatMissingData: 'notBreaching',
          }),
        }),
      );
    }
  });

  it('graphs every app metric on the dashboard, one line per function that emits it', () => {
    const widgets = dashboardWidgets(templates.monitoring);
    const row = widgets.findIndex((w) => w.properties.markdown === '## App metrics');
    const line = (name: string, service: string) => [
      APP_METRICS_NAMESPACE,
      name,
      'service',
      service,
      { label: service, stat: 'Sum' },
    ];
    expect(widgets.slice(row + 1, row + 5).map((w) => [w.properties.title, w.properties.metrics])).toEqual([
      [
        'Failed stream records',
        [
          line(APP_METRICS.failedStreamRecords, FUNCTIONS.photoProcessor.name),
          line(APP_METRICS.failedStreamRecords, FUNCTIONS.streamProcessor.name),
        ],
      ],
      [
        'Cache errors',
        [
          line(APP_METRICS.cacheErrors, FUNCTIONS.profilesApi.name),
          line(APP_METRICS.cacheErrors, FUNCTIONS.streamProcessor.name),
          line(APP_METRICS.cacheErrors, FUNCTIONS.reconciler.name),
        ],
      ],
      ['Rejected uploads', [line(APP_METRICS.rejectedUploads, FUNCTIONS.uploadComplete.name)]],
      ['Expired uploads cleaned up', [line(APP_METRICS.cleanedUpUploads, FUNCTIONS.streamProcessor.name)]],
    ]);
  });

  it('alarms on the share of processed photos that were rejected, from 10 photos a period', () => {
    const setting = config.monitoring.alarms.photoRejectionRate;
    const rate = alarms.filter((a) =>
      /^Function process-photo rejected photos /.test(a.Properties.AlarmDescription),
    );
    expect(rate).toHaveLength(1);
    const metric = (name: string) => ({
      MetricStat: {
        Metric: {
          Namespace: APP_METRICS_NAMESPACE,
          MetricName: name,
          Dimensions: [{ Name: 'service', Value: FUNCTIONS.photoProcessor.name }],
        },
        Period: setting.periodMinutes * 60,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    expect(rate[0].Properties).toMatchObject({
      Threshold: setting.threshold,
      EvaluationPeriods: setting.evaluationPeriods,
      DatapointsToAlarm: setting.datapointsToAlarm,
      TreatMissingData: 'notBreaching',
      Metrics: [
        expect.objectContaining({
          Expression: 'IF(ready + rejected >= 10, 100 * rejected / (ready + rejected), 0)',
          ReturnData: true,
        }),
        { Id: 'ready', ...metric(APP_METRICS.processedPhotos) },
        { Id: 'rejected', ...metric(APP_METRICS.rejectedPhotos) },
      ],
    });
  });

  it('graphs photo processing in a row of its own: photos processed and rejected, their share, the duration', () => {
    const widgets = dashboardWidgets(templates.monitoring);
    const row = widgets.findIndex((w) => w.properties.markdown === '## Photo processing');
    expect(row).toBeGreaterThan(0);
    const titles = widgets.slice(row + 1, row + 4).map((w) => w.properties.title);
    expect(titles).toEqual([
      'Photos processed and rejected',
      'Rejected photos (%)',
      'Processing duration p50 / p90 / max (ms)',
    ]);
    const lines = JSON.stringify(widgets[row + 1].properties.metrics);
    expect(lines).toContain(APP_METRICS.processedPhotos);
    expect(lines).toContain(APP_METRICS.rejectedPhotos);
    const durations = widgets[row + 3].properties.metrics as unknown[][];
    expect(durations.map((line) => line.at(-1))).toEqual([
      expect.objectContaining({ stat: 'p50' }),
      expect.objectContaining({ stat: 'p90' }),
      expect.objectContaining({ stat: 'Maximum' }),
    ]);
  });

  it.each([
    ['rotationErrors', 'AWS/Lambda', ['Errors']],
    ['topicDeliveryFailures', 'AWS/SNS', ['NumberOfNotificationsFailed']],
    ['userPoolThrottles', 'AWS/Cognito', ['SignUpThrottles', 'SignInThrottles', 'TokenRefreshThrottles']],
  ] as Array<[AlarmKind, string, string[]]>)(
    'raises the %s alarm on %s with the stage thresholds',
    (kind, namespace, metricNames) => {
      const setting = config.monitoring.alarms[kind];
      // Alarm ids end in their kind: `<subject><Kind><hash>`.
      const idPart = kind.charAt(0).toUpperCase() + kind.slice(1);
      const matching = Object.entries(templates.monitoring.findResources('AWS::CloudWatch::Alarm'))
        .filter(([id]) => new RegExp(`${idPart}[0-9A-F]{8}$`).test(id))
        .map(([, alarm]) => alarm.Properties as Record<string, any>);
      expect(matching).toHaveLength(1);
      const [alarm] = matching;
      const read = alarm.MetricName
        ? [[alarm.Namespace, alarm.MetricName]]
        : (alarm.Metrics as Array<Record<string, any>>)
            .filter((m) => m.MetricStat)
            .map((m) => [m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName]);
      expect(read).toEqual(metricNames.map((name) => [namespace, name]));
      expect(alarm).toMatchObject({
        Threshold: setting.threshold,
        EvaluationPeriods: setting.evaluationPeriods,
        DatapointsToAlarm: setting.datapointsToAlarm,
        TreatMissingData: 'notBreaching',
      });
    },
  );

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

describe('alarm catalog', () => {
  it.each(STAGE_NAMES)(
    'gives every row of the catalog a threshold in the %s config, and nothing else',
    (stage) => {
      expect(Object.keys(STAGE_CONFIGS[stage].monitoring.alarms).sort()).toEqual([...ALARM_KINDS].sort());
    },
  );

  it('raises every row of the catalog in some stage', () => {
    expect(ALARM_KINDS.filter((kind) => !raisedKinds.has(kind))).toEqual([]);
  });
});

describe('alarm coverage', () => {
  it('fails when a new function has no alarms', () => {
    const missing = missingAlarmsAfter((stacks) => {
      new AppFunction(stacks.api, 'ForgottenFunction', {
        function: {
          // Any existing entry file will do: the function is never deployed.
          name: 'health',
          description: 'A function nobody added to the monitoring',
          environment: [],
          timeoutSeconds: 3,
        },
        bindings: {},
        memorySize: 128,
        logRetentionDays: logs.RetentionDays.ONE_DAY,
        logRemovalPolicy: RemovalPolicy.DESTROY,
        invocation: { type: 'sync', caller: 'nobody' },
      });
    });
    expect(missing).toEqual([
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Errors$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Throttles$/),
      expect.stringMatching(/^ForgottenFunction.*: AWS\/Lambda\/Duration$/),
    ]);
  });

  const inlineFunction = (scope: NonNullable<PhotoAppStacks[keyof PhotoAppStacks]>) =>
    new lambda.Function(scope, 'Forgotten', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
    });

  it.each<[string, (stacks: PhotoAppStacks) => void, RegExp[]]>([
    [
      'a function in the network stack',
      (s) => inlineFunction(s.network),
      [/^Forgotten.*: AWS\/Lambda\/Errors$/, /Throttles$/, /Duration$/],
    ],
    [
      'a plain DynamoDB table in the data stack',
      (s) =>
        new dynamodb.Table(s.data, 'Forgotten', {
          partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        }),
      [/^Forgotten.*: AWS\/DynamoDB\/ReadThrottleEvents$/, /WriteThrottleEvents$/, /SystemErrors$/],
    ],
    [
      'a queue in the API stack',
      (s) => new sqs.Queue(s.api, 'Forgotten'),
      [/^Forgotten.*ApproximateNumberOfMessagesVisible$/],
    ],
    [
      'a topic in the monitoring stack',
      (s) => new sns.Topic(s.monitoring, 'Forgotten'),
      [/^Forgotten.*: AWS\/SNS\/NumberOfNotificationsFailed$/],
    ],
    [
      'an interface endpoint in the network stack',
      (s) =>
        s.network.network.vpc.addInterfaceEndpoint('Forgotten', {
          service: ec2.InterfaceVpcEndpointAwsService.SQS,
        }),
      [/^NetworkVpcForgotten.*: AWS\/PrivateLinkEndpoints\/PacketsDropped$/],
    ],
    [
      'a backup plan with a vault of its own in the data stack',
      (s) => {
        const vault = new backup.BackupVault(s.data, 'ForgottenVault', { backupVaultName: 'forgotten' });
        new backup.BackupPlan(s.data, 'ForgottenPlan', { backupVault: vault }).addRule(
          backup.BackupPlanRule.daily(),
        );
      },
      [/^ForgottenVault.*: AWS\/Backup\/NumberOfBackupJobsFailed$/],
    ],
    [
      'a resource type the walk has no rule for',
      (s) => new kinesis.CfnStream(s.data, 'Forgotten', { shardCount: 1 }),
      [/^Forgotten: no alarm rule for AWS::Kinesis::Stream/],
    ],
  ])('fails when the app gains %s without alarms', (_what, change, expected) => {
    const missing = missingAlarmsAfter(change);
    expect(missing).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(missing[i]).toMatch(pattern));
  });

  it('fails when any one alarm that a resource needs is removed', () => {
    const synthesized = synthStage(DEFAULT_STAGE, { nag: false });
    const monitoringStack = synthesized.stacks.monitoring.stackName;
    const templates = templatesByStackName(synthesized);
    // The app-metric alarms (one metric, or math over several) watch what handlers emit, not a
    // resource: their own tests pin them.
    const onAppMetrics = (properties: Record<string, any> | undefined) =>
      properties?.Namespace === APP_METRICS_NAMESPACE ||
      (Array.isArray(properties?.Metrics) &&
        (properties.Metrics as Array<Record<string, any>>)
          .filter((m) => m.MetricStat)
          .every((m) => m.MetricStat.Metric.Namespace === APP_METRICS_NAMESPACE));
    const required = Object.entries(templates[monitoringStack].Resources).filter(
      ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && !onAppMetrics(r.Properties),
    );
    expect(required.length).toBeGreaterThan(30);
    for (const [id] of required) {
      const without = JSON.parse(JSON.stringify(templates)) as StackTemplates;
      delete (without[monitoringStack].Resources as Record<string, unknown>)[id];
      expect([id, missingAlarms(without, monitoringStack).length > 0]).toEqual([id, true]);
    }
  });

  it("fails when any one of prod's backup alarms is removed (copies and restore tests only run there)", () => {
    const synthesized = synthStage('prod', { nag: false });
    const monitoringStack = synthesized.stacks.monitoring.stackName;
    const templates = templatesByStackName(synthesized);
    const backupAlarms = Object.entries(templates[monitoringStack].Resources).filter(
      ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.Namespace === 'AWS/Backup',
    );
    expect(backupAlarms.map(([, r]) => r.Properties?.MetricName).sort()).toEqual([
      'NumberOfBackupJobsFailed',
      'NumberOfCopyJobsFailed',
      'NumberOfRestoreJobsFailed',
    ]);
    const layout = monitoringLayoutOf(synthesized.stacks);
    expect(missingAlarms(templates, layout)).toEqual([]);
    for (const [id, alarm] of backupAlarms) {
      const without = JSON.parse(JSON.stringify(templates)) as StackTemplates;
      delete (without[monitoringStack].Resources as Record<string, unknown>)[id];
      expect(missingAlarms(without, layout)).toEqual([
        expect.stringMatching(new RegExp(`: AWS/Backup/${String(alarm.Properties?.MetricName)}$`)),
      ]);
    }
  });

  it('fails when any one alarm on the replication to the second Region is removed, in either Region', () => {
    const stage = STAGE_NAMES.find((name) => STAGE_CONFIGS[name].disasterRecovery !== undefined)!;
    const synthesized = synthStage(stage, { nag: false });
    const templates = templatesByStackName(synthesized);
    const layout = monitoringLayoutOf(synthesized.stacks);
    const replicationMetrics = [
      'ReplicationLatency',
      'OperationsPendingReplication',
      'OperationsFailedReplication',
      'AuroraGlobalDBReplicationLag',
    ];
    const monitoringStacks = [synthesized.stacks.monitoring, synthesized.stacks.secondaryMonitoring!].map(
      (s) => s.stackName,
    );
    const replicationAlarms = monitoringStacks.flatMap((stackName) =>
      Object.entries(templates[stackName].Resources)
        .filter(
          ([, r]) =>
            r.Type === 'AWS::CloudWatch::Alarm' &&
            replicationMetrics.includes(String(r.Properties?.MetricName)),
        )
        .map(([id, r]) => ({
          stackName,
          id,
          metric: `${String(r.Properties?.Namespace)}/${String(r.Properties?.MetricName)}`,
        })),
    );
    // The table both ways (each Region's writes), each photo bucket rule's (photos, renditions)
    // latency, backlog and failures, the lag.
    expect(replicationAlarms.map((a) => a.metric).sort()).toEqual([
      'AWS/DynamoDB/ReplicationLatency',
      'AWS/DynamoDB/ReplicationLatency',
      'AWS/RDS/AuroraGlobalDBReplicationLag',
      'AWS/S3/OperationsFailedReplication',
      'AWS/S3/OperationsFailedReplication',
      'AWS/S3/OperationsPendingReplication',
      'AWS/S3/OperationsPendingReplication',
      'AWS/S3/ReplicationLatency',
      'AWS/S3/ReplicationLatency',
    ]);
    expect(missingAlarms(templates, layout)).toEqual([]);
    for (const { stackName, id, metric } of replicationAlarms) {
      const without = JSON.parse(JSON.stringify(templates)) as StackTemplates;
      delete (without[stackName].Resources as Record<string, unknown>)[id];
      expect([id, missingAlarms(without, layout)]).toEqual([
        id,
        [expect.stringMatching(new RegExp(`: ${metric}$`))],
      ]);
    }
  });

  it("does not count an alarm whose local copy holds another resource's name", () => {
    const synthesized = synthStage(DEFAULT_STAGE, { nag: false });
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
    const { templates } = synthStage(DEFAULT_STAGE, {
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
