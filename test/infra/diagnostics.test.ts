/**
 * The data tier's diagnostics and read routing in every stage, derived from the stage's config:
 * Database Insights and Performance Insights, Enhanced Monitoring, the PostgreSQL log exports,
 * Contributor Insights on the table and each index with its dashboard row, and the RDS Proxy
 * read-only endpoint that DB_READER_HOST names where the stage has readers.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS } from '../../contract/functions';
import { STAGE_CONFIGS, STAGE_NAMES, type StageName } from '../../lib/config';
import { idleInputsFromTemplates } from '../../scripts/cost';
import { synthStage, type SynthesizedApp } from './helpers/app';
import { regionOf } from './helpers/region';

const synthesized: Partial<Record<StageName, SynthesizedApp>> = {};
beforeAll(() => {
  for (const stage of STAGE_NAMES) synthesized[stage] = synthStage(stage);
});
const templates = (stage: StageName) => synthesized[stage]!.templates;

function only(template: Template, type: string): { id: string; properties: Record<string, any> } {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], properties: found[0][1].Properties };
}

/** The output of the data stack a function's variable reads (Fn::GetStackOutput), or the literal. */
function variableOf(stage: StageName, service: string, name: string): unknown {
  const fn = Object.values(templates(stage).api.findResources('AWS::Lambda::Function')).find(
    (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  );
  expect(fn).toBeDefined();
  return fn!.Properties.Environment.Variables[name];
}

const databaseFunctions = [FUNCTIONS.profilesApi, FUNCTIONS.streamProcessor, FUNCTIONS.reconciler];

describe.each(STAGE_NAMES)('data tier diagnostics (%s)', (stage) => {
  const config = STAGE_CONFIGS[stage];
  const { databaseInsights, enhancedMonitoringIntervalSeconds, contributorInsights } = config.diagnostics;

  it('sets the Database Insights mode with Performance Insights and its retention on the cluster', () => {
    const cluster = only(templates(stage).data, 'AWS::RDS::DBCluster').properties;
    expect(cluster.DatabaseInsightsMode).toBe(databaseInsights);
    expect(cluster.PerformanceInsightsEnabled).toBe(true);
    // Advanced requires 465 days; standard keeps the free 7.
    expect(cluster.PerformanceInsightsRetentionPeriod).toBe(databaseInsights === 'advanced' ? 465 : 7);
    // The AWS managed key aws/rds.
    expect(cluster.PerformanceInsightsKmsKeyId).toBeUndefined();
    expect(cluster.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    // Set once, on the cluster: every instance shares it.
    for (const instance of Object.values(templates(stage).data.findResources('AWS::RDS::DBInstance'))) {
      expect(instance.Properties.EnablePerformanceInsights).toBeUndefined();
      expect(instance.Properties.MonitoringInterval).toBeUndefined();
    }
  });

  it('runs Enhanced Monitoring at the configured interval with its role, or not at all', () => {
    const cluster = only(templates(stage).data, 'AWS::RDS::DBCluster').properties;
    const roles = Object.entries(
      templates(stage).data.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [{ Principal: { Service: 'monitoring.rds.amazonaws.com' } }],
          },
        },
      }),
    );
    if (enhancedMonitoringIntervalSeconds === 0) {
      expect(cluster.MonitoringInterval).toBeUndefined();
      expect(cluster.MonitoringRoleArn).toBeUndefined();
      expect(roles).toHaveLength(0);
      return;
    }
    expect(cluster.MonitoringInterval).toBe(enhancedMonitoringIntervalSeconds);
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0];
    expect(cluster.MonitoringRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(role.Properties.ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
          ],
        ],
      },
    ]);
  });

  it('turns Contributor Insights on the table and each index on or off as configured', () => {
    const table = only(templates(stage).data, 'AWS::DynamoDB::GlobalTable').properties;
    const replicas = table.Replicas as Array<{
      Region: unknown;
      ContributorInsightsSpecification?: unknown;
      GlobalSecondaryIndexes: Array<{ IndexName: string; ContributorInsightsSpecification?: unknown }>;
    }>;
    // The stage's own Region; a replica in the second Region keeps it off (photo-table.ts).
    const replica = replicas.find((r) => JSON.stringify(r.Region) === JSON.stringify(regionOf(config)))!;
    const expected = contributorInsights ? { Enabled: true, Mode: 'ACCESSED_AND_THROTTLED_KEYS' } : undefined;
    expect(replica.ContributorInsightsSpecification).toEqual(expected);
    expect(
      Object.fromEntries(
        replica.GlobalSecondaryIndexes.map((index) => [
          index.IndexName,
          index.ContributorInsightsSpecification,
        ]),
      ),
    ).toEqual({ byOwner: expected, feed: expected });
  });

  it('prices the Contributor Insights rules DynamoDB creates: 4 each for the table and its 2 indexes', () => {
    // Every key here has a sort key, so each carries the partition-key and the full-key rules.
    expect(idleInputsFromTemplates(config).contributorInsightsRules).toBe(contributorInsights ? 12 : 0);
  });

  it('gives the dashboard a hot-keys row that links to the table or says it is off', () => {
    const dashboard = only(templates(stage).monitoring, 'AWS::CloudWatch::Dashboard').properties;
    const body = JSON.stringify(dashboard.DashboardBody);
    if (contributorInsights) {
      expect(body).toContain('Hot keys (CloudWatch Contributor Insights)');
      expect(body).toContain('/dynamodbv2/home?region=');
      expect(body).toContain('#table?name=');
      expect(body).toContain('FEED#<n>');
      expect(body).toContain('#contributor-insights:rules');
    } else {
      expect(body).toContain('Contributor Insights is off in this stage');
      expect(body).not.toContain('#contributor-insights:rules');
    }
  });

  const withReadOnlyEndpoint = config.database.proxy && config.database.readers > 0;

  it(`${withReadOnlyEndpoint ? 'has' : 'has no'} RDS Proxy read-only endpoint`, () => {
    const endpoints = Object.entries(templates(stage).data.findResources('AWS::RDS::DBProxyEndpoint'));
    if (!withReadOnlyEndpoint) {
      expect(endpoints).toHaveLength(0);
      return;
    }
    expect(endpoints).toHaveLength(1);
    const { properties: proxy, id: proxyId } = only(templates(stage).data, 'AWS::RDS::DBProxy');
    const endpoint = endpoints[0][1].Properties;
    expect(endpoint.TargetRole).toBe('READ_ONLY');
    expect(endpoint.DBProxyName).toEqual({ Ref: proxyId });
    // The proxy's own subnets and security group (not the VPC's default group).
    expect(endpoint.VpcSubnetIds).toEqual(proxy.VpcSubnetIds);
    expect(endpoint.VpcSecurityGroupIds).toEqual(proxy.VpcSecurityGroupIds);
  });

  it.each(databaseFunctions.map((fn) => fn.name))(
    'binds DB_READER_HOST of %s to the read-only endpoint with readers, else to DB_HOST',
    (service) => {
      const reader = JSON.stringify(variableOf(stage, service, 'DB_READER_HOST'));
      const writer = JSON.stringify(variableOf(stage, service, 'DB_HOST'));
      if (withReadOnlyEndpoint) {
        const [endpointId] = Object.keys(templates(stage).data.findResources('AWS::RDS::DBProxyEndpoint'));
        expect(reader).toContain(`PublishOutputFnGetAtt${endpointId}Endpoint`);
        expect(reader).not.toEqual(writer);
      } else if (config.database.readers > 0) {
        expect(reader).toContain('ReadEndpointAddress');
      } else {
        expect(reader).toEqual(writer);
      }
    },
  );
});
