import { DescribeRegionSettingsCommand } from '@aws-sdk/client-backup';
import { DescribeStacksCommand, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeCacheEngineVersionsCommand,
  DescribeReservedCacheNodesOfferingsCommand,
  DescribeUsersCommand,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  ListLayersCommand,
} from '@aws-sdk/client-lambda';
import {
  DescribeAccountAttributesCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBProxiesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
} from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createClients, type PreflightClients } from '../../../scripts/preflight/clients';
import type { CheckContext } from '../../../scripts/preflight/context';
import type { RegionKnowledge } from '../../../scripts/preflight/service-checks';
import type { StageNeeds } from '../../../scripts/preflight/stage-needs';

/** The profile's Region, and prod's own (config `region`): the Region the preflight checks prod in. */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
/** Where prod copies its recovery points (config.backup.copyRegion). */
export const COPY_REGION = 'us-west-2';
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`;

export type PreflightMocks = { readonly [K in keyof PreflightClients]: AwsClientStub<PreflightClients[K]> };

/** Real clients, as the command builds them, with every `send` stubbed. */
export function mockedClients(region = REGION): { clients: PreflightClients; mocks: PreflightMocks } {
  const clients = createClients(region);
  const mocks = {
    sts: mockClient(clients.sts),
    ssm: mockClient(clients.ssm),
    cloudFormation: mockClient(clients.cloudFormation),
    rds: mockClient(clients.rds),
    elastiCache: mockClient(clients.elastiCache),
    lambda: mockClient(clients.lambda),
    serviceQuotas: mockClient(clients.serviceQuotas),
    ec2: mockClient(clients.ec2),
    backup: mockClient(clients.backup),
  } as PreflightMocks;
  return { clients, mocks };
}

/** An error shaped like the SDK's service exceptions (name is the error code). */
export function awsError(name: string, message: string = name, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/** What ElastiCache answers for an unknown user id: the SDK's fault, carrying the wire code `UserNotFound`. */
export const userNotFound = (userId: string): Error =>
  Object.assign(
    new UserNotFoundFault({ message: `User ${userId} not found.`, $metadata: { httpStatusCode: 404 } }),
    { Code: 'UserNotFound' },
  );

export const stackMissing = (stackName: string) =>
  awsError('ValidationError', `Stack with id ${stackName} does not exist`);

/** What the prod stage needs, as stage-needs.ts reads it (pinned here so check tests do not synth). */
export function prodNeeds(overrides: Partial<StageNeeds> = {}): StageNeeds {
  return {
    stage: 'prod',
    stackNames: [
      'PhotoApp-Prod-BackupCopy',
      'PhotoApp-Prod-Network',
      'PhotoApp-Prod-Data',
      'PhotoApp-Prod-Api',
      'PhotoApp-Prod-Monitoring',
    ],
    stackRegions: { 'PhotoApp-Prod-BackupCopy': COPY_REGION },
    bootstrap: { minVersion: 6, versionParameter: '/cdk-bootstrap/hnb659fds/version' },
    aurora: [{ engine: 'aurora-postgresql', engineVersion: '17.9', serverlessV2: true, dataApi: true }],
    proxyEngineFamilies: ['POSTGRESQL'],
    caches: [
      {
        engine: 'valkey',
        engineVersion: '9.1',
        parameterGroup: 'default.valkey9',
        nodeType: 'cache.t4g.small',
      },
    ],
    cacheUsers: [
      {
        stackName: 'PhotoApp-Prod-Data',
        logicalId: 'ProfileCacheAppUserE508AB94',
        userId: 'photoapp-prod-app',
      },
      {
        stackName: 'PhotoApp-Prod-Data',
        logicalId: 'ProfileCacheDefaultUser38319FFD',
        userId: 'photoapp-prod-default',
      },
    ],
    lambdaRuntimes: [
      { runtime: 'nodejs24.x', architecture: 'arm64' },
      { runtime: 'python3.13', architecture: 'x86_64' },
    ],
    reservedConcurrency: [
      { stackName: 'PhotoApp-Prod-Api', logicalId: 'ProfilesFunctionEB1D8CEC', reserved: 100 },
    ],
    reservedConcurrencyTotal: 100,
    vpcs: [{ stackName: 'PhotoApp-Prod-Network', count: 1 }],
    availabilityZones: 2,
    rdsQuotas: {
      DBClusters: [{ stackName: 'PhotoApp-Prod-Data', count: 1 }],
      DBInstances: [{ stackName: 'PhotoApp-Prod-Data', count: 2 }],
    },
    backup: { resourceTypes: ['Aurora', 'DynamoDB', 'S3'], copies: true, copyRegions: [COPY_REGION] },
    ...overrides,
  };
}

export function checkContext(overrides: Partial<CheckContext> = {}): CheckContext {
  return { region: REGION, account: ACCOUNT, needs: prodNeeds(), deployed: new Map(), ...overrides };
}

/** A region table of the shape lib/regions.ts exports, independent of its real contents. */
export function regionKnowledge(missing: readonly string[] = []): RegionKnowledge {
  return {
    support: { [REGION]: { dataApi: missing.length === 0 } },
    missingServices: (region) => (region === REGION ? [...missing] : []),
  };
}

/** Answers of a healthy, bootstrapped account where nothing of the stage is deployed yet. */
export function answerHealthyAccount(mocks: PreflightMocks): void {
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN });
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '28' } });
  mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    if (input.StackName === 'CDKToolkit') {
      return Promise.resolve({
        Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0) }],
      });
    }
    return Promise.reject(stackMissing(input.StackName));
  });
  mocks.cloudFormation.on(DescribeStackResourceCommand).rejects(awsError('ValidationError', 'no such stack'));
  mocks.rds.on(DescribeDBEngineVersionsCommand).resolves({
    DBEngineVersions: [{ Engine: 'aurora-postgresql', EngineVersion: '17.9', Status: 'available' }],
  });
  mocks.rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({
    OrderableDBInstanceOptions: [
      {
        DBInstanceClass: 'db.serverless',
        AvailabilityZones: [{ Name: 'eu-west-1a' }, { Name: 'eu-west-1b' }],
      },
    ],
  });
  mocks.rds.on(DescribeDBProxiesCommand).resolves({ DBProxies: [] });
  mocks.rds.on(DescribeAccountAttributesCommand).resolves({
    AccountQuotas: [
      { AccountQuotaName: 'DBClusters', Used: 3, Max: 40 },
      { AccountQuotaName: 'DBInstances', Used: 5, Max: 40 },
    ],
  });
  mocks.elastiCache.on(DescribeCacheEngineVersionsCommand).resolves({
    CacheEngineVersions: [{ Engine: 'valkey', EngineVersion: '9.1', CacheParameterGroupFamily: 'valkey9' }],
  });
  mocks.elastiCache.on(DescribeReservedCacheNodesOfferingsCommand).resolves({
    ReservedCacheNodesOfferings: [{ CacheNodeType: 'cache.t4g.small', ProductDescription: 'valkey' }],
  });
  mocks.elastiCache
    .on(DescribeUsersCommand)
    .callsFake((input: { UserId: string }) => Promise.reject(userNotFound(input.UserId)));
  mocks.lambda.on(ListLayersCommand).resolves({ Layers: [] });
  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  });
  mocks.lambda.on(GetFunctionConcurrencyCommand).resolves({});
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default' }] });
  mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [{ ZoneName: 'eu-west-1a' }, { ZoneName: 'eu-west-1b' }, { ZoneName: 'eu-west-1c' }],
  });
  mocks.ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { AvailabilityZone: 'eu-west-1a' },
      { AvailabilityZone: 'eu-west-1b' },
      { AvailabilityZone: 'eu-west-1c' },
    ],
  });
  mocks.serviceQuotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
  mocks.backup.on(DescribeRegionSettingsCommand).resolves({
    ResourceTypeOptInPreference: { Aurora: true, DynamoDB: true, S3: true, EBS: false },
    ResourceTypeManagementPreference: { DynamoDB: true, EFS: true },
  });
}
