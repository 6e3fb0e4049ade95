import { App, Token, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_STAGE, STAGE_CONFIGS } from '../../../lib/config';
import { buildPhotoApp, type PhotoAppStacks } from '../../../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from '../../../scripts/cdk-context';
import {
  followStackOutput,
  templatesByStackName,
  type StackTemplates,
  type TemplateJson,
} from './stack-outputs';

/**
 * Deep equality of template values, by content only (not by prototype:
 * templates cloned outside the test's realm still compare equal).
 */
function sameValue(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** A value that the monitoring stack reads from `stackName`: its output's value, in that stack's ids. */
export interface ReadFrom {
  readonly readFrom: string;
  readonly value: unknown;
}

interface Dimension {
  readonly Name: string;
  readonly Value: unknown;
}

interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** Dimensions with their values resolved back to the producer's resources. */
  readonly dimensions: readonly Dimension[];
}

/**
 * The ARN CDK builds for a function imported by name, which `functionName`
 * then takes apart again: `Fn::Select [6, Fn::Split [':', arn:...:function:<name>]]`
 * is `<name>`. Partition and Region are pseudo parameters, or literals in a pinned stack.
 */
const LAMBDA_ARN_PREFIX =
  /^arn:(<AWS::Partition>|aws[a-z-]*):lambda:(<AWS::Region>|[a-z]{2}(-[a-z]+)+-\d):<AWS::AccountId>:function:$/;

function functionNameInArn(value: Record<string, unknown>): unknown {
  const select = value['Fn::Select'] as [unknown, Record<string, any>] | undefined;
  const split = select?.[0] === 6 ? (select[1]?.['Fn::Split'] as [unknown, Record<string, any>]) : undefined;
  const join = split?.[0] === ':' ? (split[1]?.['Fn::Join'] as [unknown, unknown[]]) : undefined;
  if (!join || join[0] !== '' || !Array.isArray(join[1]) || join[1].length < 2) return undefined;
  const prefix = join[1]
    .slice(0, -1)
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: unknown } | null)?.Ref;
      return typeof ref === 'string' && ref.startsWith('AWS::') ? `<${ref}>` : '<?>';
    })
    .join('');
  return LAMBDA_ARN_PREFIX.test(prefix) ? join[1][join[1].length - 1] : undefined;
}

/**
 * Follows a value of a stack (first the monitoring stack) back to the resources it names:
 * `Fn::GetAtt [<SSM parameter>, Value]` (a local copy) becomes the parameter's `Value`; a whole
 * `Fn::GetStackOutput` becomes `{ readFrom, value }` with the producer's output value, itself
 * followed in the producer's terms (the second Region's copies of the primary's names are such a
 * chain); the function name CDK extracts from an imported function's ARN becomes the name itself.
 * Anything else stays as it is.
 */
function resolve(value: unknown, templates: StackTemplates, here: string): unknown {
  const again = (v: unknown) => resolve(v, templates, here);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
  const local = getAtt ? templates[here].Resources[getAtt[0]] : undefined;
  if (Object.keys(object).length === 1 && local?.Type === 'AWS::SSM::Parameter' && getAtt?.[1] === 'Value') {
    return again(local.Properties?.Value);
  }
  const followed = followStackOutput(templates, value);
  if (followed) {
    const inner = resolve(followed.value, templates, followed.stackName);
    const chained = inner !== null && typeof inner === 'object' && 'readFrom' in inner;
    return chained ? inner : ({ readFrom: followed.stackName, value: inner } satisfies ReadFrom);
  }
  const name = Object.keys(object).length === 1 ? functionNameInArn(object) : undefined;
  if (name !== undefined) return again(name);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, again(v)]));
}

/** Every metric an alarm reads, whether it is a single metric or a metric-math alarm. */
function metricsOf(
  alarm: Record<string, any>,
): Array<{ namespace: string; metricName: string; dimensions: any }> {
  if (alarm.MetricName) {
    return [{ namespace: alarm.Namespace, metricName: alarm.MetricName, dimensions: alarm.Dimensions }];
  }
  return (alarm.Metrics as Array<Record<string, any>>)
    .filter((m) => m.MetricStat)
    .map((m) => ({
      namespace: m.MetricStat.Metric.Namespace,
      metricName: m.MetricStat.Metric.MetricName,
      dimensions: m.MetricStat.Metric.Dimensions,
    }));
}

/** One alarm the walk requires: an alarm of the monitoring stack reading this metric with this dimension. */
interface RequiredAlarm {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimension: Dimension;
  /** Further dimensions the alarm must have too. @default - none */
  readonly alsoDimensions?: readonly Dimension[];
  /**
   * The Region whose monitoring stack must hold the alarm, where it is not the resource's own
   * (a table replica's metrics are published in the replica's Region). @default - the resource's
   */
  readonly region?: string;
  /** How a missing one is reported, before `: <namespace>/<metric>`. */
  readonly subject?: string;
}

/** A resource as a rule sees it. */
interface Walked {
  readonly id: string;
  readonly properties: Record<string, any>;
  readonly template: TemplateJson;
  /**
   * A value of the resource's own template as the monitoring stack's alarms
   * resolve to it: read from its stack (`ReadFrom`), or, for a resource of
   * the monitoring stack itself, the value as it is.
   */
  readonly own: (value: unknown) => unknown;
  /** The Region of the resource's stack, where it is pinned to one. */
  readonly region?: string;
}

/**
 * What every resource type of the app needs: the alarms AWS recommends for
 * it (CloudWatch "Recommended alarms") and what a serverless data path needs,
 * or a reason why it needs none. A type missing from this table fails the
 * walk: a new kind of resource is a decision, not a silent pass.
 */
type Rule =
  { readonly alarms: (resource: Walked) => Array<RequiredAlarm | string> } | { readonly none: string };

const byRef = (namespace: string, dimensionName: string, metrics: readonly string[]) => (r: Walked) =>
  metrics.map((metricName): RequiredAlarm => ({
    namespace,
    metricName,
    dimension: { Name: dimensionName, Value: r.own({ Ref: r.id }) },
  }));

const LAMBDA_METRICS = ['Errors', 'Throttles', 'Duration'];

/**
 * CDK's own helper functions. They run only while CloudFormation deploys, as
 * custom resource handlers: a failure fails the deployment and rolls it back
 * in front of whoever deploys, and between deployments nothing invokes them,
 * so an alarm would watch nothing. Each entry names one helper; anything else
 * that is an `AWS::Lambda::Function` is ours and needs its alarms (the schema
 * migrations runner, which also runs only at deploy time, is watched anyway:
 * it is our code).
 */
const DEPLOY_TIME_HELPERS: ReadonlyArray<{ readonly id: RegExp; readonly does: string }> = [
  { id: /^LogRetention[0-9a-f]{32}[0-9A-F]{8}$/, does: 'sets the retention of the log groups RDS creates' },
  {
    id: /^BucketNotificationsHandler[0-9a-f]{32}[0-9A-F]{8}$/,
    does: "turns on the photo bucket's EventBridge notifications",
  },
  {
    id: /^CustomS3AutoDeleteObjectsCustomResourceProviderHandler[0-9A-F]{8}$/,
    does: 'empties the dev buckets before CloudFormation deletes them',
  },
  {
    id: /^CustomVpcRestrictDefaultSGCustomResourceProviderHandler[0-9A-F]{8}$/,
    does: "removes the rules of the VPC's default security group",
  },
  {
    id: /^AWS679f53fac002430cb0da5b7982bd2287[0-9A-F]{8}$/,
    does: "reads the stream ARN of the photo table's replica (CDK's AwsCustomResource)",
  },
  {
    id: /^[A-Za-z0-9]+ProviderframeworkonEvent[0-9A-F]{8}$/,
    does: 'relays the schema migrations custom resource to its runner (the runner is watched)',
  },
];

/** The Secrets Manager rotation applications AWS publishes in the Serverless Application Repository. */
const ROTATION_APPLICATION =
  /^arn:aws:serverlessrepo:[a-z0-9-]+:\d{12}:applications\/SecretsManager\w+Rotation\w*$/;

/** The application id of a SAR application, resolving CDK's per-partition mapping for the `aws` partition. */
function applicationId(template: TemplateJson, properties: Record<string, any>): unknown {
  const id = properties.Location?.ApplicationId;
  const findInMap = id?.['Fn::FindInMap'] as [string, unknown, string] | undefined;
  if (!findInMap) return id;
  const [map, partition, key] = findInMap;
  const mappings = (template as { Mappings?: Record<string, Record<string, Record<string, unknown>>> })
    .Mappings;
  return sameValue(partition, { Ref: 'AWS::Partition' }) ? mappings?.[map]?.aws?.[key] : undefined;
}

/** The literal end of an endpoint's service name (`com.amazonaws.<region>.<service>`, joined around the region). */
function endpointServiceSuffix(serviceName: unknown): string {
  const parts = (serviceName as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1];
  const last: unknown = Array.isArray(parts) ? parts[parts.length - 1] : serviceName;
  return typeof last === 'string' ? last : '';
}

const NONE = {
  configuration:
    "configuration or wiring of a watched resource, with no metrics of its own: its failures show on that resource's alarms",
  plumbing:
    'identity, network plumbing or logs: CloudWatch publishes no metric for it and AWS recommends no alarm',
  monitoring: 'part of the monitoring itself',
  deployTime:
    'a custom resource, run only while CloudFormation deploys: a failure fails the deployment in front of whoever deploys',
};

const RULES: Readonly<Record<string, Rule>> = {
  'AWS::Lambda::Function': {
    alarms: (r) => {
      if (DEPLOY_TIME_HELPERS.some((helper) => helper.id.test(r.id))) return [];
      const readsStream = Object.values(r.template.Resources).some(
        (other) =>
          other.Type === 'AWS::Lambda::EventSourceMapping' &&
          sameValue(other.Properties?.FunctionName, { Ref: r.id }),
      );
      return byRef('AWS/Lambda', 'FunctionName', [
        ...LAMBDA_METRICS,
        ...(readsStream ? ['IteratorAge'] : []),
      ])(r);
    },
  },
  // The secret rotation function: the application creates it, so it is no
  // AWS::Lambda::Function here. Errors only (see OperationsMonitoring).
  'AWS::Serverless::Application': {
    alarms: (r) => {
      const application = applicationId(r.template, r.properties);
      if (typeof application !== 'string' || !ROTATION_APPLICATION.test(application)) {
        return [
          `${r.id}: a Serverless application that is not a known rotation function (what does it create?)`,
        ];
      }
      const functionName = {
        'Fn::Select': [6, { 'Fn::Split': [':', { 'Fn::GetAtt': [r.id, 'Outputs.RotationLambdaARN'] }] }],
      };
      return [
        {
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimension: { Name: 'FunctionName', Value: r.own(functionName) },
        },
      ];
    },
  },
  // Every queue of the app is a dead-letter queue: a message waiting is the signal.
  'AWS::SQS::Queue': {
    alarms: (r) => [
      {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimension: { Name: 'QueueName', Value: r.own({ 'Fn::GetAtt': [r.id, 'QueueName'] }) },
      },
    ],
  },
  'AWS::ApiGatewayV2::Api': { alarms: byRef('AWS/ApiGateway', 'ApiId', ['5xx', 'Latency']) },
  // A global table's replicas in other Regions publish their metrics there; its ReplicationLatency
  // is published by the Region that writes, once per receiving Region. Either Region may write (the
  // active one), so each direction needs its alarm, in the writer's Region.
  'AWS::DynamoDB::GlobalTable': {
    alarms: (r) => {
      const tableAlarms = byRef('AWS/DynamoDB', 'TableName', [
        'ReadThrottleEvents',
        'WriteThrottleEvents',
        'SystemErrors',
      ])(r);
      const otherRegions = ((r.properties.Replicas ?? []) as Array<{ Region: unknown }>)
        .map((replica) => replica.Region)
        .filter((region): region is string => typeof region === 'string' && region !== r.region);
      if (otherRegions.length > 0 && r.region === undefined) {
        return [`${r.id}: replicas in other Regions, but its stack is not pinned to a Region`];
      }
      const tableName = r.own({ Ref: r.id });
      const latency = (from: string, to: string): RequiredAlarm => ({
        namespace: 'AWS/DynamoDB',
        metricName: 'ReplicationLatency',
        dimension: { Name: 'TableName', Value: tableName },
        alsoDimensions: [{ Name: 'ReceivingRegion', Value: to }],
        region: from,
        subject: `${r.id} (${from} to ${to})`,
      });
      return [
        ...tableAlarms,
        ...otherRegions.flatMap((other) => [
          ...tableAlarms.map((a) => ({ ...a, region: other, subject: `${r.id} in ${other}` })),
          latency(r.region!, other),
          latency(other, r.region!),
        ]),
      ];
    },
  },
  'AWS::DynamoDB::Table': {
    alarms: byRef('AWS/DynamoDB', 'TableName', ['ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors']),
  },
  // With readers, reads depend on how far they lag: AuroraReplicaLagMaximum, for the cluster.
  // A secondary cluster of a global database (it joins one by GlobalClusterIdentifier) publishes
  // how far it lags the primary Region: AuroraGlobalDBReplicationLag.
  'AWS::RDS::DBCluster': {
    alarms: (r) => {
      const instances = Object.values(r.template.Resources).filter(
        (other) =>
          other.Type === 'AWS::RDS::DBInstance' &&
          sameValue(other.Properties?.DBClusterIdentifier, { Ref: r.id }),
      ).length;
      return byRef('AWS/RDS', 'DBClusterIdentifier', [
        'CPUUtilization',
        'ACUUtilization',
        'DatabaseConnections',
        ...(instances > 1 ? ['AuroraReplicaLagMaximum'] : []),
        ...(r.properties.GlobalClusterIdentifier !== undefined ? ['AuroraGlobalDBReplicationLag'] : []),
      ])(r);
    },
  },
  // AWS's Aurora guidance: alarm on the cluster (or role) metrics, not on
  // instances, whose roles change on failover. A standalone instance needs its own.
  'AWS::RDS::DBInstance': {
    alarms: (r) => {
      const cluster = r.properties.DBClusterIdentifier as { Ref?: string } | undefined;
      if (cluster?.Ref && r.template.Resources[cluster.Ref]?.Type === 'AWS::RDS::DBCluster') return [];
      return byRef('AWS/RDS', 'DBInstanceIdentifier', [
        'CPUUtilization',
        'FreeableMemory',
        'FreeStorageSpace',
        'DatabaseConnections',
      ])(r);
    },
  },
  'AWS::RDS::DBProxy': { alarms: byRef('AWS/RDS', 'ProxyName', ['DatabaseConnectionsBorrowLatency']) },
  'AWS::ElastiCache::ReplicationGroup': {
    alarms: (r) => {
      const nodes = r.properties.NumCacheClusters as number;
      return Array.from({ length: nodes }, (_, i) => i + 1).flatMap((n) =>
        ['EngineCPUUtilization', 'DatabaseMemoryUsagePercentage', 'Evictions']
          .concat(nodes > 1 ? ['ReplicationLag'] : [])
          .map((metricName): RequiredAlarm => ({
            namespace: 'AWS/ElastiCache',
            metricName,
            // A node's id is the group's id and the node's number.
            dimension: {
              Name: 'CacheClusterId',
              Value: { 'Fn::Join': ['', [r.own({ Ref: r.id }), `-${String(n).padStart(3, '0')}`]] },
            },
            subject: `${r.id} node ${n}`,
          })),
      );
    },
  },
  // FederationThrottles too once the pool has federated identity providers.
  'AWS::Cognito::UserPool': {
    alarms: byRef('AWS/Cognito', 'UserPool', ['SignUpThrottles', 'SignInThrottles', 'TokenRefreshThrottles']),
  },
  'AWS::SNS::Topic': {
    alarms: (r) => [
      {
        namespace: 'AWS/SNS',
        metricName: 'NumberOfNotificationsFailed',
        dimension: { Name: 'TopicName', Value: r.own({ 'Fn::GetAtt': [r.id, 'TopicName'] }) },
      },
    ],
  },
  'AWS::EC2::VPCEndpoint': {
    alarms: (r) => {
      // Gateway endpoints (S3, DynamoDB) publish no CloudWatch metrics.
      if (r.properties.VpcEndpointType !== 'Interface') return [];
      // The Secrets Manager endpoint's only client is the rotation function:
      // dropped packets there fail a rotation, which the rotation errors alarm reports.
      if (/\.secretsmanager$/.test(endpointServiceSuffix(r.properties.ServiceName))) return [];
      return byRef('AWS/PrivateLinkEndpoints', 'VPC Endpoint Id', ['PacketsDropped'])(r);
    },
  },
  // There is none (isolated subnets only); one would need these.
  'AWS::EC2::NatGateway': {
    alarms: byRef('AWS/NATGateway', 'NatGatewayId', ['ErrorPortAllocation', 'PacketsDropCount']),
  },
  // AWS/Backup counts failed jobs per vault (BackupVaultName), so each kind of job the app runs
  // against a vault needs its alarm there: the backups of the plans that target it, their copies
  // to another Region (counted on the source vault), and the restore tests that read from it.
  'AWS::Backup::BackupVault': {
    alarms: (r) => {
      const isThisVault = (value: unknown) =>
        sameValue(value, { 'Fn::GetAtt': [r.id, 'BackupVaultName'] }) || sameValue(value, { Ref: r.id });
      const rules = Object.values(r.template.Resources)
        .filter((other) => other.Type === 'AWS::Backup::BackupPlan')
        .flatMap((plan) => (plan.Properties?.BackupPlan?.BackupPlanRule ?? []) as Array<Record<string, any>>)
        .filter((rule) => isThisVault(rule.TargetBackupVault));
      const restoreTested = Object.values(r.template.Resources).some(
        (other) =>
          other.Type === 'AWS::Backup::RestoreTestingPlan' &&
          ((other.Properties?.RecoveryPointSelection?.IncludeVaults ?? []) as unknown[]).some((vault) =>
            sameValue(vault, { 'Fn::GetAtt': [r.id, 'BackupVaultArn'] }),
          ),
      );
      // A vault that only receives copies runs no job of its own: a failed copy into it is a copy
      // job of the source vault.
      const metrics = [
        ...(rules.length > 0 ? ['NumberOfBackupJobsFailed'] : []),
        ...(rules.some((rule) => (rule.CopyActions ?? []).length > 0) ? ['NumberOfCopyJobsFailed'] : []),
        ...(restoreTested ? ['NumberOfRestoreJobsFailed'] : []),
      ];
      return metrics.map((metricName): RequiredAlarm => ({
        namespace: 'AWS/Backup',
        metricName,
        dimension: { Name: 'BackupVaultName', Value: r.own({ 'Fn::GetAtt': [r.id, 'BackupVaultName'] }) },
      }));
    },
  },
  // AWS's S3 alarms (4xxErrors, 5xxErrors) need request metrics, a paid opt-in per bucket; clients
  // reach S3 directly with presigned URLs and retry 5XX, and an upload that never arrives shows on
  // the dashboard as an expired upload cleaned up. A bucket that replicates needs the replication
  // alarms of each rule (S3 publishes them per source, destination and rule, in the source's Region).
  'AWS::S3::Bucket': {
    alarms: (r) => {
      const rules = (r.properties.ReplicationConfiguration?.Rules ?? []) as Array<Record<string, any>>;
      return rules.flatMap((rule): Array<RequiredAlarm | string> => {
        const destination = bucketNameOfArn(rule.Destination?.Bucket);
        if (destination === undefined || typeof rule.Id !== 'string') {
          return [`${r.id}: a replication rule without an id or a destination bucket the walk can name`];
        }
        // The backlog too: it shows before any object is late enough for the latency alarm.
        const metrics = ['ReplicationLatency', 'OperationsPendingReplication', 'OperationsFailedReplication'];
        return metrics.map((metricName): RequiredAlarm => ({
          namespace: 'AWS/S3',
          metricName,
          dimension: { Name: 'SourceBucket', Value: r.own({ Ref: r.id }) },
          alsoDimensions: [
            { Name: 'RuleId', Value: rule.Id },
            { Name: 'DestinationBucket', Value: destination },
          ],
          subject: `${r.id} rule ${rule.Id}`,
        }));
      });
    },
  },
  'AWS::Events::Rule': {
    none: 'events it cannot deliver land in its dead-letter queue, which is watched (AWS recommends no alarm for rules)',
  },
  'AWS::KMS::Key': {
    none: "AWS recommends no alarm for it; a key a service cannot use fails that service's work, which its own alarms report (the functions' errors, the backup jobs, the topic's notifications)",
  },
  'AWS::SecretsManager::Secret': { none: 'AWS recommends no alarm for it; its rotation function is watched' },
  'AWS::SSM::Parameter': {
    none: "a copy of another stack's value (the monitoring stacks' local copies, the second Region's copies of the primary's names): nothing runs, and CloudWatch publishes no metric for it",
  },
  ...Object.fromEntries(
    [
      'AWS::ApiGatewayV2::Authorizer',
      // The global database itself has no metrics; its clusters do, in their own Regions.
      'AWS::RDS::GlobalCluster',
      'AWS::Backup::BackupPlan',
      'AWS::Backup::BackupSelection',
      'AWS::Backup::RestoreTestingPlan',
      'AWS::Backup::RestoreTestingSelection',
      'AWS::ApiGatewayV2::Integration',
      'AWS::ApiGatewayV2::Route',
      'AWS::ApiGatewayV2::Stage',
      'AWS::Cognito::UserPoolClient',
      'AWS::ElastiCache::SubnetGroup',
      'AWS::ElastiCache::User',
      'AWS::ElastiCache::UserGroup',
      'AWS::Lambda::EventSourceMapping',
      'AWS::Lambda::LayerVersion',
      'AWS::Lambda::Permission',
      'AWS::RDS::DBClusterParameterGroup',
      // Its connections count in the proxy's metrics by ProxyName, which the proxy's alarm reads.
      'AWS::RDS::DBProxyEndpoint',
      'AWS::RDS::DBProxyTargetGroup',
      'AWS::RDS::DBSubnetGroup',
      'AWS::S3::BucketPolicy',
      'AWS::SNS::Subscription',
      'AWS::SNS::TopicPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SecretsManager::ResourcePolicy',
      'AWS::SecretsManager::RotationSchedule',
      'AWS::SecretsManager::SecretTargetAttachment',
    ].map((type) => [type, { none: NONE.configuration }]),
  ),
  ...Object.fromEntries(
    [
      'AWS::EC2::FlowLog',
      'AWS::EC2::RouteTable',
      'AWS::EC2::SecurityGroup',
      'AWS::EC2::SecurityGroupEgress',
      'AWS::EC2::SecurityGroupIngress',
      'AWS::EC2::Subnet',
      'AWS::EC2::SubnetRouteTableAssociation',
      'AWS::EC2::VPC',
      'AWS::IAM::ManagedPolicy',
      'AWS::KMS::Alias',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
    ].map((type) => [type, { none: NONE.plumbing }]),
  ),
  ...Object.fromEntries(
    ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::CDK::Metadata'].map((type) => [
      type,
      { none: NONE.monitoring },
    ]),
  ),
  ...Object.fromEntries(
    [
      'Custom::LogRetention',
      'Custom::S3AutoDeleteObjects',
      'Custom::S3BucketNotifications',
      'Custom::SchemaMigrations',
      'Custom::AWS',
      'Custom::VpcRestrictDefaultSG',
    ].map((type) => [type, { none: NONE.deployTime }]),
  ),
};

/** Which monitoring stack watches which stack, where a stage has more than one (one per Region). */
export interface MonitoringLayout {
  /** The monitoring stack of each Region (a stack's Region as its env says; `default` when not pinned). */
  readonly monitoringIn: Readonly<Record<string, string>>;
  /** The Region of each stack, by stack name; absent for a stack that is not pinned. */
  readonly regionOf: Readonly<Record<string, string | undefined>>;
  /** The monitoring stack of stacks whose Region has none of its own (the backup copy vault's). */
  readonly fallback: string;
}

/**
 * Walks every resource of every stack, the monitoring stacks included, and lists what is missing,
 * as `"<resource>: <namespace>/<metric>"`: each required alarm that does not exist in the
 * monitoring stack of the resource's Region (or of the Region a rule names), and each resource whose
 * type has no rule. An alarm counts for a resource only if its dimension (by name) resolves,
 * through the local copies and the producers' outputs, to exactly that resource's `Ref` or
 * attribute, and its further dimensions match too.
 */
export function missingAlarms(templates: StackTemplates, monitoring: string | MonitoringLayout): string[] {
  const layout: MonitoringLayout =
    typeof monitoring === 'string' ? { monitoringIn: {}, regionOf: {}, fallback: monitoring } : monitoring;
  const monitoringStacks = new Set([layout.fallback, ...Object.values(layout.monitoringIn)]);
  const watchedIn = new Map<string, WatchedMetric[]>(
    [...monitoringStacks].map((monitoringStack) => [
      monitoringStack,
      Object.values(templates[monitoringStack].Resources)
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .flatMap((r) => metricsOf(r.Properties ?? {}))
        .map((m) => ({
          ...m,
          dimensions: ((m.dimensions ?? []) as Dimension[]).map((d) => ({
            Name: d.Name,
            Value: resolve(d.Value, templates, monitoringStack),
          })),
        })),
    ]),
  );
  const monitoringOfRegion = (region: string | undefined) =>
    layout.monitoringIn[region ?? 'default'] ?? layout.fallback;
  const isWatched = (required: RequiredAlarm, monitoringStack: string) =>
    (watchedIn.get(monitoringStack) ?? []).some(
      (m) =>
        m.namespace === required.namespace &&
        m.metricName === required.metricName &&
        [required.dimension, ...(required.alsoDimensions ?? [])].every((wanted) =>
          m.dimensions.some((d) => d.Name === wanted.Name && sameValue(d.Value, wanted.Value)),
        ),
    );

  const missing: string[] = [];
  for (const [stackName, template] of Object.entries(templates)) {
    const region = layout.regionOf[stackName];
    const home = monitoringOfRegion(region);
    const own = (value: unknown) =>
      monitoringStacks.has(stackName) ? value : ({ readFrom: stackName, value } satisfies ReadFrom);
    for (const [id, resource] of Object.entries(template.Resources)) {
      const rule = RULES[resource.Type];
      if (!rule) {
        missing.push(
          `${id}: no alarm rule for ${resource.Type} (its recommended alarms, or a reason for none)`,
        );
        continue;
      }
      if ('none' in rule) continue;
      const walked = { id, properties: resource.Properties ?? {}, template, own, region };
      for (const required of rule.alarms(walked)) {
        if (typeof required === 'string') missing.push(required);
        else if (!isWatched(required, required.region ? monitoringOfRegion(required.region) : home)) {
          missing.push(`${required.subject ?? id}: ${required.namespace}/${required.metricName}`);
        }
      }
    }
  }
  return missing;
}

/** The monitoring layout of a synthesized stage: a monitoring stack per Region that has one. */
export function monitoringLayoutOf(stacks: PhotoAppStacks): MonitoringLayout {
  const regionOf = (stack: Stack): string | undefined =>
    Token.isUnresolved(stack.region) ? undefined : stack.region;
  const monitoringIn: Record<string, string> = {
    [regionOf(stacks.monitoring) ?? 'default']: stacks.monitoring.stackName,
  };
  if (stacks.secondaryMonitoring) {
    monitoringIn[regionOf(stacks.secondaryMonitoring)!] = stacks.secondaryMonitoring.stackName;
  }
  return {
    monitoringIn,
    regionOf: Object.fromEntries(
      Object.values(stacks).map((stack: Stack) => [stack.stackName, regionOf(stack)]),
    ),
    fallback: stacks.monitoring.stackName,
  };
}

/** The bucket name of an S3 bucket ARN (`arn:<partition>:s3:::<name>`), written as a literal or a join. */
function bucketNameOfArn(arn: unknown): unknown {
  if (typeof arn === 'string') return arn.replace(/^arn:[a-z-]+:s3:::/, '');
  const join = (arn as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join || join[0] !== '' || typeof join[1][0] !== 'string') return undefined;
  const [first, ...rest] = join[1];
  const name = [first.replace(/^arn:[a-z-]+:s3:::/, ''), ...rest].filter((part) => part !== '');
  return name.length === 1 && typeof name[0] === 'string' ? name[0] : { 'Fn::Join': ['', name] };
}

/**
 * The walk's findings on the default stage after `change` adds to its stacks: how
 * the tests show that an unwatched resource of each kind fails it.
 */
export function missingAlarmsAfter(change: (stacks: PhotoAppStacks) => void): string[] {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
  const stacks = buildPhotoApp(app, STAGE_CONFIGS[DEFAULT_STAGE]);
  change(stacks);
  const templates = templatesByStackName({
    stacks,
    templates: {
      network: Template.fromStack(stacks.network),
      data: Template.fromStack(stacks.data),
      api: Template.fromStack(stacks.api),
      monitoring: Template.fromStack(stacks.monitoring),
    },
  });
  return missingAlarms(templates, stacks.monitoring.stackName);
}
