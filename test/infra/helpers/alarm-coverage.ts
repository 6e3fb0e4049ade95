import { followStackOutput, type StackTemplates } from './stack-outputs';

/** CDK's own helper functions (custom resource providers); everything else is ours and must be watched. */
const CDK_HELPER_FUNCTION =
  /^(LogRetention[0-9a-f]{32}|BucketNotificationsHandler[0-9a-f]{32}|CustomS3AutoDeleteObjectsCustomResourceProviderHandler|CustomVpcRestrictDefaultSGCustomResourceProviderHandler|.*Providerframework)/;

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
 * is `<name>`.
 */
const LAMBDA_ARN_PREFIX = [
  'arn:',
  { Ref: 'AWS::Partition' },
  ':lambda:',
  { Ref: 'AWS::Region' },
  ':',
  { Ref: 'AWS::AccountId' },
  ':function:',
];

function functionNameInArn(value: Record<string, unknown>): unknown {
  const select = value['Fn::Select'] as [unknown, Record<string, any>] | undefined;
  const split = select?.[0] === 6 ? (select[1]?.['Fn::Split'] as [unknown, Record<string, any>]) : undefined;
  const join = split?.[0] === ':' ? (split[1]?.['Fn::Join'] as [unknown, unknown[]]) : undefined;
  if (!join || join[0] !== '' || !Array.isArray(join[1]) || join[1].length !== LAMBDA_ARN_PREFIX.length + 1) {
    return undefined;
  }
  return sameValue(join[1].slice(0, -1), LAMBDA_ARN_PREFIX) ? join[1][join[1].length - 1] : undefined;
}

/**
 * Follows a value of the monitoring stack back to the resources it names:
 * `Fn::GetAtt [<SSM parameter>, Value]` (a local copy) becomes the parameter's
 * `Value`; a whole `Fn::GetStackOutput` becomes `{ readFrom, value }` with the
 * producer's output value; the function name CDK extracts from an imported
 * function's ARN becomes the name itself. Anything else stays as it is.
 */
function resolve(value: unknown, templates: StackTemplates, monitoringStack: string): unknown {
  const again = (v: unknown) => resolve(v, templates, monitoringStack);
  if (Array.isArray(value)) return value.map(again);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
  const local = getAtt ? templates[monitoringStack].Resources[getAtt[0]] : undefined;
  if (Object.keys(object).length === 1 && local?.Type === 'AWS::SSM::Parameter' && getAtt?.[1] === 'Value') {
    return again(local.Properties?.Value);
  }
  const followed = followStackOutput(templates, value);
  if (followed) {
    return { readFrom: followed.stackName, value: followed.value } satisfies ReadFrom;
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

/**
 * Walks every monitored resource of the other stacks and lists the required
 * alarms of `monitoringStack` that are missing, as
 * `"<resource>: <namespace>/<metric>"`. An alarm counts for a resource only if
 * its dimension (by name) resolves, through the local copies and the
 * producer's output, to exactly that resource's `Ref` or attribute.
 */
export function missingAlarms(templates: StackTemplates, monitoringStack: string): string[] {
  const watched: WatchedMetric[] = Object.values(templates[monitoringStack].Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap((r) => metricsOf(r.Properties ?? {}))
    .map((m) => ({
      ...m,
      dimensions: (m.dimensions as Dimension[]).map((d) => ({
        Name: d.Name,
        Value: resolve(d.Value, templates, monitoringStack),
      })),
    }));
  const missing: string[] = [];
  const isWatched = (namespace: string, metricName: string, dimension: Dimension) =>
    watched.some(
      (m) =>
        m.namespace === namespace &&
        m.metricName === metricName &&
        m.dimensions.some((d) => d.Name === dimension.Name && sameValue(d.Value, dimension.Value)),
    );

  for (const [stackName, template] of Object.entries(templates)) {
    if (stackName === monitoringStack) continue;
    const resources = template.Resources;
    const streamConsumers = new Set(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')
        .map((r) => r.Properties?.FunctionName?.Ref as string),
    );
    for (const [id, resource] of Object.entries(resources)) {
      const ref: ReadFrom = { readFrom: stackName, value: { Ref: id } };
      const require = (
        namespace: string,
        metricName: string,
        dimensionName: string,
        value: unknown = ref,
      ) => {
        if (!isWatched(namespace, metricName, { Name: dimensionName, Value: value })) {
          missing.push(`${id}: ${namespace}/${metricName}`);
        }
      };
      switch (resource.Type) {
        case 'AWS::Lambda::Function':
          if (CDK_HELPER_FUNCTION.test(id)) break;
          for (const metric of ['Errors', 'Throttles', 'Duration'])
            require('AWS/Lambda', metric, 'FunctionName');
          if (streamConsumers.has(id)) require('AWS/Lambda', 'IteratorAge', 'FunctionName');
          break;
        case 'AWS::SQS::Queue':
          require('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', {
            readFrom: stackName,
            value: { 'Fn::GetAtt': [id, 'QueueName'] },
          });
          break;
        case 'AWS::ApiGatewayV2::Api':
          require('AWS/ApiGateway', '5xx', 'ApiId');
          require('AWS/ApiGateway', 'Latency', 'ApiId');
          break;
        case 'AWS::DynamoDB::GlobalTable':
          for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors']) {
            require('AWS/DynamoDB', metric, 'TableName');
          }
          break;
        case 'AWS::RDS::DBCluster':
          for (const metric of ['CPUUtilization', 'ACUUtilization', 'DatabaseConnections']) {
            require('AWS/RDS', metric, 'DBClusterIdentifier');
          }
          break;
        case 'AWS::RDS::DBProxy':
          require('AWS/RDS', 'DatabaseConnectionsBorrowLatency', 'ProxyName');
          break;
        case 'AWS::ElastiCache::ReplicationGroup': {
          const nodes = resource.Properties?.NumCacheClusters as number;
          for (let n = 1; n <= nodes; n++) {
            const metrics = ['EngineCPUUtilization', 'DatabaseMemoryUsagePercentage', 'Evictions'];
            if (nodes > 1) metrics.push('ReplicationLag');
            // A node's id is the group's id and the node's number.
            const node = { 'Fn::Join': ['', [ref, `-${String(n).padStart(3, '0')}`]] };
            for (const metric of metrics) {
              if (!isWatched('AWS/ElastiCache', metric, { Name: 'CacheClusterId', Value: node })) {
                missing.push(`${id} node ${n}: AWS/ElastiCache/${metric}`);
              }
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
