import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { AppFunction } from '../../lib/constructs/app-function';
import { AppNetwork } from '../../lib/constructs/app-network';
import { PhotoBucket } from '../../lib/constructs/photo-bucket';
import { PhotoTable } from '../../lib/constructs/photo-table';
import { ProfileCache } from '../../lib/constructs/profile-cache';
import { ProfileDatabase } from '../../lib/constructs/profile-database';
import { SharedValue } from '../../lib/constructs/shared-value';

// Constructs validate their props first, with a message that names the prop.
describe('construct props validation', () => {
  const logRetentionDays = logs.RetentionDays.ONE_WEEK;

  it('AppFunction rejects an entry outside lambda/handlers', () => {
    expect(
      () =>
        new AppFunction(new Stack(), 'Fn', {
          function: { name: '../../scripts/tool', description: 'x', environment: [], timeoutSeconds: 3 },
          bindings: {},
          memorySize: 128,
          logRetentionDays,
          logRemovalPolicy: RemovalPolicy.DESTROY,
          invocation: { type: 'sync', caller: 'tests' },
        }),
    ).toThrow(/entry must be a file under lambda\/handlers/);
  });

  it('AppFunction rejects an out-of-range memory size', () => {
    expect(
      () =>
        new AppFunction(new Stack(), 'Fn', {
          function: { name: 'health', description: 'x', environment: [], timeoutSeconds: 3 },
          bindings: {},
          memorySize: 64,
          logRetentionDays,
          logRemovalPolicy: RemovalPolicy.DESTROY,
          invocation: { type: 'sync', caller: 'tests' },
        }),
    ).toThrow(/memorySize must be 128-10240 MB/);
  });

  it('AppFunction rejects a timeout Lambda does not allow', () => {
    expect(
      () =>
        new AppFunction(new Stack(), 'Fn', {
          function: { name: 'health', description: 'x', environment: [], timeoutSeconds: 901 },
          bindings: {},
          memorySize: 128,
          logRetentionDays,
          logRemovalPolicy: RemovalPolicy.DESTROY,
          invocation: { type: 'sync', caller: 'tests' },
        }),
    ).toThrow(/timeout must be 1-900 s/);
  });

  it('AppNetwork needs two AZs', () => {
    expect(
      () =>
        new AppNetwork(new Stack(), 'Net', {
          maxAzs: 1,
          flowLogRetentionDays: logRetentionDays,
          logRemovalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow(/maxAzs must be at least 2/);
  });

  it('PhotoBucket needs an origin', () => {
    expect(
      () =>
        new PhotoBucket(new Stack(), 'Bucket', {
          allowedOrigins: [],
          noncurrentVersionExpirationDays: 7,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    ).toThrow(/allowedOrigins must list at least one origin/);
  });

  it('PhotoTable rejects provisioned capacity with min above max', () => {
    expect(
      () =>
        new PhotoTable(new Stack(), 'Table', {
          billing: {
            mode: 'provisioned',
            readCapacity: { min: 5, max: 1 },
            writeCapacity: { min: 1, max: 1 },
          },
          deletionProtection: false,
          removalPolicy: RemovalPolicy.DESTROY,
          feedShards: 1,
          readLegacyFeedPartition: false,
          contributorInsights: false,
        }),
    ).toThrow(/readCapacity needs 1 <= min <= max/);
  });

  it.each([0, 1.5, 33])('PhotoTable rejects %s feed shards', (feedShards) => {
    expect(
      () =>
        new PhotoTable(new Stack(), 'Table', {
          billing: { mode: 'onDemand' },
          deletionProtection: false,
          removalPolicy: RemovalPolicy.DESTROY,
          feedShards,
          readLegacyFeedPartition: false,
          contributorInsights: false,
        }),
    ).toThrow(/feedShards must be a whole number from 1 to 32/);
  });

  describe('data stores', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2 });
    const clientSecurityGroup = new ec2.SecurityGroup(stack, 'Clients', { vpc });
    const subnetIds = new SharedValue(stack, 'SubnetIds', {
      value: 'subnet-a,subnet-b',
      description: 'subnets',
    });
    const databaseProps = {
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup,
      subnetIds,
      minCapacity: 0.5,
      maxCapacity: 2,
      readers: 0,
      backupRetentionDays: 1,
      deletionProtection: false,
      secretRotationDays: 30,
      logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
      databaseInsights: 'standard' as const,
      enhancedMonitoringIntervalSeconds: 0,
    };

    it('ProfileDatabase refuses a minimum capacity RDS Proxy cannot front', () => {
      expect(() => new ProfileDatabase(stack, 'Db1', { ...databaseProps, minCapacity: 0 })).toThrow(
        /minCapacity must be at least 0.5 ACU/,
      );
    });

    it('ProfileDatabase refuses min above max', () => {
      expect(() => new ProfileDatabase(stack, 'Db2', { ...databaseProps, minCapacity: 4 })).toThrow(
        /minCapacity \(4\) exceeds maxCapacity \(2\)/,
      );
    });

    const cacheProps = {
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      clientSecurityGroup,
      namePrefix: 'photoapp-test',
      nodeType: 'cache.t4g.micro',
      replicas: 0,
      multiAz: false,
      snapshotRetentionDays: 0,
      port: 6380,
      logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
      databaseInsights: 'standard' as const,
      enhancedMonitoringIntervalSeconds: 0,
    };

    it('ProfileCache refuses Multi-AZ without a replica', () => {
      expect(() => new ProfileCache(stack, 'Cache1', { ...cacheProps, multiAz: true })).toThrow(
        /multiAz needs at least one replica/,
      );
    });

    it('ProfileCache refuses the default port', () => {
      expect(() => new ProfileCache(stack, 'Cache2', { ...cacheProps, port: 6379 })).toThrow(
        /non-default port/,
      );
    });

    it('ProfileCache refuses user ids ElastiCache would reject', () => {
      expect(() => new ProfileCache(stack, 'Cache3', { ...cacheProps, namePrefix: 'PhotoApp_Dev' })).toThrow(
        /namePrefix must be lowercase/,
      );
    });
  });

  it('AlarmTopic rejects a malformed e-mail', () => {
    expect(
      () => new AlarmTopic(new Stack(), 'Topic', { email: 'nobody', removalPolicy: RemovalPolicy.DESTROY }),
    ).toThrow(/email is not an e-mail address/);
  });
});
