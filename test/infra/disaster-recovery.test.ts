/**
 * The disaster-recovery option (config `disasterRecovery`) in the shipped stage that turns it on,
 * and the proof that a stage without it synthesizes nothing of it.
 */
import { STAGES, type StageConfig, type StageName } from '../../lib/config';
import { synthStage, type SynthesizedApp } from './helpers/app';
import { dashboardWidgets } from './helpers/dashboard';

/** The shipped stage with a second Region. */
const drStage = STAGES.find((config) => config.disasterRecovery !== undefined);
if (!drStage) throw new Error('no shipped stage turns disasterRecovery on: the tests below need one');
const stage: StageName = drStage.stage;
const config: StageConfig = drStage;
const dr = config.disasterRecovery!;
const primaryRegion = config.region!;

/** The same stage with the option off. */
const withoutDr = (c: StageConfig): StageConfig => ({ ...c, disasterRecovery: undefined });

let withIt: SynthesizedApp;
let withoutIt: SynthesizedApp;
beforeAll(() => {
  withIt = synthStage(stage, { nag: false });
  withoutIt = synthStage(stage, { nag: false, configure: withoutDr });
}, 120_000);

const only = (entries: Record<string, any>): [string, any] => {
  const all = Object.entries(entries);
  expect(all).toHaveLength(1);
  return all[0];
};

/** The functions that read the photo table's stream, by the logical id prefix of each. */
const STREAM_CONSUMERS = ['StreamProcessorFunction', 'PhotoProcessorFunction'] as const;
/**
 * The stream mappings of an API stack, one per consumer and nothing else, by consumer.
 */
const streamMappings = (template: typeof withIt.templates.api): Record<string, any> => {
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
  const byConsumer = Object.fromEntries(
    mappings.map((mapping) => [
      STREAM_CONSUMERS.find((c) => (mapping.Properties.FunctionName.Ref as string).startsWith(c)) ?? 'other',
      mapping,
    ]),
  );
  expect(Object.keys(byConsumer).sort()).toEqual([...STREAM_CONSUMERS].sort());
  expect(mappings).toHaveLength(STREAM_CONSUMERS.length);
  return byConsumer;
};
const enabledOf = (template: typeof withIt.templates.api) =>
  Object.fromEntries(
    Object.entries(streamMappings(template)).map(([consumer, m]) => [
      consumer,
      m.Properties.Enabled !== false,
    ]),
  );
const allStreamConsumers = (enabled: boolean) =>
  Object.fromEntries(STREAM_CONSUMERS.map((consumer) => [consumer, enabled]));

describe(`disaster recovery (${stage}): the primary Region`, () => {
  it("pins the primary stacks to the stage's Region, which CDK needs for a table replica", () => {
    const { network, data, api, monitoring } = withIt.stacks;
    for (const stack of [network, data, api, monitoring]) expect(stack.region).toBe(primaryRegion);
  });
});

describe(`disaster recovery (${stage}): the photo table`, () => {
  const table = () => only(withIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'))[1].Properties;
  const replicaIn = (region: string) =>
    (table().Replicas as Array<Record<string, any>>).find((replica) => replica.Region === region);

  it('has a replica in the second Region beside the one in its own', () => {
    expect((table().Replicas as Array<{ Region: string }>).map((r) => r.Region).sort()).toEqual(
      [primaryRegion, dr.region].sort(),
    );
  });

  it('keeps point-in-time recovery and deletion protection on the replica, as on the primary', () => {
    for (const region of [primaryRegion, dr.region]) {
      expect(replicaIn(region)).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: config.photos.deletionProtection,
      });
    }
  });

  it('gives every replica the same stream, TTL and indexes: one setting of the global table', () => {
    // AWS::DynamoDB::GlobalTable holds them once for all replicas; a replica cannot differ.
    expect(table().StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table().TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect((table().GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((i) => i.IndexName)).toEqual([
      'byOwner',
      'feed',
    ]);
    for (const region of [primaryRegion, dr.region]) {
      expect(
        (replicaIn(region)!.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((i) => i.IndexName),
      ).toEqual(['byOwner', 'feed']);
    }
  });

  it('encrypts every replica with the AWS managed key of its own Region (aws/dynamodb): KMS, no key named', () => {
    expect(table().SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    for (const region of [primaryRegion, dr.region]) {
      // A replica's ReplicaSSESpecification names a customer-managed key; none is named here.
      expect(replicaIn(region)!.SSESpecification).toBeUndefined();
    }
  });

  it('keeps Contributor Insights off on the replica (billed per replica; the standby serves reads)', () => {
    const replica = replicaIn(dr.region)!;
    expect(replica.ContributorInsightsSpecification?.Enabled ?? false).toBe(false);
    for (const index of replica.GlobalSecondaryIndexes as Array<Record<string, any>>) {
      expect(index.ContributorInsightsSpecification?.Enabled ?? false).toBe(false);
    }
  });

  it('keeps the logical id of the table, so turning the option on does not replace it', () => {
    const [withId] = only(withIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    const [withoutId] = only(withoutIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    expect(withId).toBe(withoutId);
  });
});

describe(`a stage without disaster recovery (${stage} with it off)`, () => {
  const resources = (t: { toJSON(): any }) => t.toJSON().Resources as Record<string, { Type: string }>;

  it("synthesizes the same stacks, less the second Region's", () => {
    const secondRegion = [
      'secondaryNetwork',
      'secondaryStorage',
      'secondaryData',
      'secondaryApi',
      'secondaryMonitoring',
    ];
    expect(Object.keys(withoutIt.stacks).sort()).toEqual(
      Object.keys(withIt.stacks)
        .filter((key) => !secondRegion.includes(key))
        .sort(),
    );
  });

  it("has every resource of the option-on stage but exactly the option's own, under the same logical ids", () => {
    const added: Record<string, string[]> = {};
    for (const key of Object.keys(withoutIt.templates) as Array<keyof typeof withoutIt.templates>) {
      const on = resources(withIt.templates[key]!);
      const off = resources(withoutIt.templates[key]!);
      for (const [id, resource] of Object.entries(off)) {
        expect([key, id, on[id]?.Type]).toEqual([key, id, resource.Type]);
      }
      const extra = Object.keys(on).filter((id) => off[id] === undefined);
      if (extra.length > 0)
        added[key] = extra.map((id) => `${on[id].Type} ${id.replace(/[0-9A-F]{8}$/, '')}`).sort();
    }
    expect(added).toEqual({
      data: [
        'AWS::IAM::Policy PhotoBucketBatchReplicationPolicy',
        'AWS::IAM::Policy PhotoBucketReplicationPolicy',
        'AWS::IAM::Role PhotoBucketBatchReplicationRole',
        'AWS::IAM::Role PhotoBucketReplicationRole',
        'AWS::RDS::GlobalCluster ProfileDatabaseGlobalCluster',
        'AWS::S3::Bucket PhotoBucketReplicationJobs',
        'AWS::S3::BucketPolicy PhotoBucketReplicationJobsPolicy',
      ],
      monitoring: [
        'AWS::CloudWatch::Alarm OperationsPhotoReplicationPhotoReplicationFailures',
        'AWS::CloudWatch::Alarm OperationsPhotoReplicationPhotoReplicationLatency',
        'AWS::CloudWatch::Alarm OperationsPhotoReplicationPhotoReplicationPending',
        `AWS::CloudWatch::Alarm OperationsPhotoTableReplica${dr.region
          .split('-')
          .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
          .join('')}TableReplicationLatency`,
        'AWS::CloudWatch::Alarm OperationsRenditionReplicationPhotoReplicationFailures',
        'AWS::CloudWatch::Alarm OperationsRenditionReplicationPhotoReplicationLatency',
        'AWS::CloudWatch::Alarm OperationsRenditionReplicationPhotoReplicationPending',
        'AWS::SSM::Parameter ImportedPhotoBucketName',
      ],
    });
  });

  it('changes no other resource of the first Region but the table, the photo bucket, its access logs, the admin secret and the dashboard', () => {
    const changed: string[] = [];
    for (const key of Object.keys(withoutIt.templates) as Array<keyof typeof withoutIt.templates>) {
      const on = resources(withIt.templates[key]!);
      for (const [id, resource] of Object.entries(resources(withoutIt.templates[key]!))) {
        if (JSON.stringify(on[id]) !== JSON.stringify(resource)) changed.push(`${key} ${resource.Type}`);
      }
    }
    // The table gains its replica, the bucket its replication rule, the access log bucket's policy
    // the delivery of the Batch Replication jobs bucket's logs, the admin secret its replica, the
    // dashboard its row.
    expect(changed.sort()).toEqual([
      'data AWS::DynamoDB::GlobalTable',
      'data AWS::S3::Bucket',
      'data AWS::S3::BucketPolicy',
      'data AWS::SecretsManager::Secret',
      'monitoring AWS::CloudWatch::Dashboard',
    ]);
  });

  it('gives no function READ_ONLY and keeps its stream consumers (stream processor, photo processor) and rules on', () => {
    const api = withoutIt.templates.api;
    for (const f of Object.values(api.findResources('AWS::Lambda::Function'))) {
      expect(f.Properties.Environment?.Variables?.READ_ONLY).toBeUndefined();
    }
    expect(enabledOf(api)).toEqual(allStreamConsumers(true));
    for (const rule of Object.values(api.findResources('AWS::Events::Rule'))) {
      expect(rule.Properties.State).not.toBe('DISABLED');
    }
  });

  it('has no stack in a second Region', () => {
    const secondRegion = Object.entries(withoutIt.stacks).filter(([, stack]) => stack.region === dr.region);
    // Only the backup copy vault, where the stage copies its backups there.
    expect(secondRegion.map(([key]) => key)).toEqual(
      config.backup.copyRegion === dr.region ? ['backupCopy'] : [],
    );
  });

  it('makes no global database of its cluster', () => {
    expect(withoutIt.templates.data.findResources('AWS::RDS::GlobalCluster')).toEqual({});
  });

  it('has one replica of the table, in its own Region', () => {
    const [, table] = only(withoutIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    expect((table.Properties.Replicas as Array<{ Region: string }>).map((r) => r.Region)).toEqual([
      primaryRegion,
    ]);
  });
});

describe(`disaster recovery (${stage}): the profile database`, () => {
  const primaryCluster = () => only(withIt.templates.data.findResources('AWS::RDS::DBCluster'));
  const secondary = () => withIt.templates.secondaryData!;
  const secondaryCluster = () => only(secondary().findResources('AWS::RDS::DBCluster'));

  it('makes the primary cluster the source of an Aurora Global Database with a fixed identifier', () => {
    const [, globalCluster] = only(withIt.templates.data.findResources('AWS::RDS::GlobalCluster'));
    const [clusterId] = primaryCluster();
    expect(globalCluster.Properties).toMatchObject({
      GlobalClusterIdentifier: `photoapp-${stage}-profiles-global`,
      DeletionProtection: config.database.deletionProtection,
    });
    expect(JSON.stringify(globalCluster.Properties.SourceDBClusterIdentifier)).toContain(
      JSON.stringify({ Ref: clusterId }),
    );
    // The global cluster takes engine, version and encryption from its source.
    for (const inherited of ['Engine', 'EngineVersion', 'StorageEncrypted']) {
      expect(globalCluster.Properties[inherited]).toBeUndefined();
    }
    expect(globalCluster.DeletionPolicy).toBe(config.dataRemoval === 'retain' ? 'Retain' : 'Delete');
  });

  it('builds a secondary cluster in the second Region that joins it, without credentials of its own', () => {
    expect(withIt.stacks.secondaryData!.region).toBe(dr.region);
    const [, cluster] = secondaryCluster();
    const [, primary] = primaryCluster();
    expect(cluster.Properties).toMatchObject({
      GlobalClusterIdentifier: `photoapp-${stage}-profiles-global`,
      DBClusterIdentifier: `photoapp-${stage}-profiles`,
      Engine: primary.Properties.Engine,
      EngineVersion: primary.Properties.EngineVersion,
      Port: primary.Properties.Port,
      EnableIAMDatabaseAuthentication: true,
      StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: primary.Properties.ServerlessV2ScalingConfiguration,
      DeletionProtection: config.database.deletionProtection,
    });
    expect(cluster.Properties.MasterUsername).toBeUndefined();
    expect(cluster.Properties.MasterUserPassword).toBeUndefined();
  });

  it('encrypts the secondary with a key of its own Region (customer-managed where the stage asks)', () => {
    const [, cluster] = secondaryCluster();
    if (!config.encryption.customerManagedKeys) {
      // The second Region's aws/rds key.
      expect(cluster.Properties.KmsKeyId).toBeUndefined();
      return;
    }
    const keyRef = cluster.Properties.KmsKeyId['Fn::GetStackOutput'];
    expect(keyRef).toMatchObject({ StackName: withIt.stacks.secondaryNetwork!.stackName, Region: dr.region });
    const network = withIt.templates.secondaryNetwork!.toJSON();
    const [keyId] = network.Outputs[keyRef.OutputName].Value['Fn::GetAtt'];
    expect(network.Resources[keyId].Type).toBe('AWS::KMS::Key');
    expect(network.Resources[keyId].Properties.EnableKeyRotation).toBe(true);
  });

  it('runs the configured number of Serverless v2 instances in it, and the primary cluster settings', () => {
    const [clusterId, cluster] = secondaryCluster();
    const instances = Object.values(secondary().findResources('AWS::RDS::DBInstance'));
    expect(instances).toHaveLength(dr.secondaryInstances);
    for (const instance of instances) {
      expect(instance.Properties).toMatchObject({
        DBClusterIdentifier: { Ref: clusterId },
        DBInstanceClass: 'db.serverless',
        PubliclyAccessible: false,
      });
    }
    const [, primary] = primaryCluster();
    for (const setting of [
      'DatabaseInsightsMode',
      'PerformanceInsightsRetentionPeriod',
      'MonitoringInterval',
    ]) {
      expect(cluster.Properties[setting]).toEqual(primary.Properties[setting]);
    }
    expect(cluster.Properties.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    // The same parameters as the primary: TLS required.
    const [, parameters] = only(secondary().findResources('AWS::RDS::DBClusterParameterGroup'));
    expect(parameters.Properties.Parameters).toMatchObject({ 'rds.force_ssl': '1' });
  });

  it('puts RDS Proxy in front of it, with IAM authentication and TLS, and a read-only endpoint', () => {
    if (!config.database.proxy) return;
    const [clusterId] = secondaryCluster();
    const [, proxy] = only(secondary().findResources('AWS::RDS::DBProxy'));
    expect(proxy.Properties).toMatchObject({
      EngineFamily: 'POSTGRESQL',
      DefaultAuthScheme: 'IAM_AUTH',
      RequireTLS: true,
    });
    expect(proxy.Properties.Auth).toBeUndefined();
    const [, targets] = only(secondary().findResources('AWS::RDS::DBProxyTargetGroup'));
    expect(targets.Properties.DBClusterIdentifiers).toEqual([{ Ref: clusterId }]);
    const [, endpoint] = only(secondary().findResources('AWS::RDS::DBProxyEndpoint'));
    expect(endpoint.Properties.TargetRole).toBe('READ_ONLY');
  });

  it('opens the secondary cluster to its proxy only', () => {
    const [, cluster] = secondaryCluster();
    const [groupId] = cluster.Properties.VpcSecurityGroupIds[0]['Fn::GetAtt'];
    const ingress = Object.values(secondary().findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (rule) =>
        JSON.stringify(rule.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupId, 'GroupId'] }),
    );
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0].Properties.SourceSecurityGroupId)).toContain('ProxySecurityGroup');
  });

  it("replicates the admin secret to the second Region, encrypted with that Region's secrets key", () => {
    const [, secret] = only(withIt.templates.data.findResources('AWS::SecretsManager::Secret'));
    const replicas = secret.Properties.ReplicaRegions as Array<Record<string, any>>;
    expect(replicas).toHaveLength(1);
    expect(replicas[0].Region).toBe(dr.region);
    if (!config.encryption.customerManagedKeys) {
      expect(replicas[0].KmsKeyId).toBeUndefined();
      return;
    }
    expect(JSON.stringify(replicas[0].KmsKeyId)).toContain(`:kms:${dr.region}:`);
    expect(JSON.stringify(replicas[0].KmsKeyId)).toContain(`:alias/photoapp-${stage}-secrets`);
    const network = withIt.templates.secondaryNetwork!.toJSON();
    const alias = Object.values(network.Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::KMS::Alias' && r.Properties.AliasName === `alias/photoapp-${stage}-secrets`,
    );
    expect(
      network.Resources[alias.Properties.TargetKeyId['Fn::GetAtt'][0]].Properties.EnableKeyRotation,
    ).toBe(true);
    // The key exists before the secret names it: the data stack deploys after the second Region's network.
    expect(withIt.stacks.data.dependencies).toContain(withIt.stacks.secondaryStorage);
    expect(withIt.stacks.secondaryStorage!.dependencies).toContain(withIt.stacks.secondaryNetwork);
  });

  it('keeps the admin secret in one Region without the option', () => {
    const [, secret] = only(withoutIt.templates.data.findResources('AWS::SecretsManager::Secret'));
    expect(secret.Properties.ReplicaRegions).toBeUndefined();
  });

  it('deploys the secondary after the data stack that creates the global database', () => {
    expect(withIt.stacks.secondaryData!.dependencies).toContain(withIt.stacks.data);
  });
});

describe(`disaster recovery (${stage}): the photos`, () => {
  const source = () => {
    const buckets = Object.entries(withIt.templates.data.findResources('AWS::S3::Bucket')).filter(
      ([, b]) => b.Properties.ReplicationConfiguration,
    );
    expect(buckets).toHaveLength(1);
    return buckets[0];
  };
  const replicaName = `photoapp-${stage}-replica-`;
  const replicaBucket = () => {
    const storage = withIt.templates.secondaryStorage!;
    const named = Object.entries(storage.findResources('AWS::S3::Bucket')).filter(([, b]) =>
      JSON.stringify(b.Properties.BucketName ?? '').includes(replicaName),
    );
    expect(named).toHaveLength(1);
    return named[0];
  };

  it('replicates every photo object and rendition, and their deletion, from the photo bucket to the replica bucket', () => {
    const [, bucket] = source();
    const rules = bucket.Properties.ReplicationConfiguration.Rules as Array<Record<string, any>>;
    // A rule per prefix: the originals, and the renditions the standby's URLs point to.
    expect(rules.map((r) => [r.Id, r.Filter, r.Priority])).toEqual([
      ['PhotosToSecondRegion', { Prefix: 'photos/' }, 1],
      ['RenditionsToSecondRegion', { Prefix: 'renditions/' }, 2],
    ]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ Status: 'Enabled', DeleteMarkerReplication: { Status: 'Enabled' } });
      expect(JSON.stringify(rule.Destination.Bucket)).toContain(`arn:aws:s3:::${replicaName}`);
      expect(JSON.stringify(rule.Destination.Bucket)).toContain(`-${dr.region}`);
    }
    // The same destination, metrics, encryption and time control for both.
    expect(rules[1].Destination).toEqual(rules[0].Destination);
    expect(rules[1].SourceSelectionCriteria).toEqual(rules[0].SourceSelectionCriteria);
    // The primary's photo bucket is the one the functions use.
    const [photoBucketId] = source();
    expect(
      withIt.stacks.data.getLogicalId(withIt.stacks.data.photoBucket.bucket.node.defaultChild as never),
    ).toBe(photoBucketId);
  });

  it('publishes replication metrics, with Replication Time Control where the stage asks for it', () => {
    const [, bucket] = source();
    const [rule] = bucket.Properties.ReplicationConfiguration.Rules;
    expect(rule.Destination.Metrics).toMatchObject({ Status: 'Enabled' });
    if (dr.photoReplicationTimeControl) {
      expect(rule.Destination.ReplicationTime).toEqual({ Status: 'Enabled', Time: { Minutes: 15 } });
    } else {
      expect(rule.Destination.ReplicationTime).toBeUndefined();
    }
  });

  it('re-encrypts SSE-KMS photos with the second Region photos key, named by its alias', () => {
    const [, bucket] = source();
    const [rule] = bucket.Properties.ReplicationConfiguration.Rules;
    if (!config.encryption.customerManagedKeys) {
      expect(rule.Destination.EncryptionConfiguration).toBeUndefined();
      return;
    }
    expect(rule.SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
    expect(JSON.stringify(rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID)).toContain(
      `:kms:${dr.region}:`,
    );
    expect(JSON.stringify(rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID)).toContain(
      `:alias/photoapp-${stage}-photos`,
    );
    // That alias exists in the second Region, on a key with rotation.
    const network = withIt.templates.secondaryNetwork!.toJSON();
    const alias = Object.values(network.Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::KMS::Alias' && r.Properties.AliasName === `alias/photoapp-${stage}-photos`,
    );
    expect(
      network.Resources[alias.Properties.TargetKeyId['Fn::GetAtt'][0]].Properties.EnableKeyRotation,
    ).toBe(true);
  });

  it("gives the replication role only the replication actions, on photo and rendition keys, and the keys' use through S3", () => {
    const [, bucket] = source();
    const roleId = bucket.Properties.ReplicationConfiguration.Role['Fn::GetAtt'][0];
    const data = withIt.templates.data.toJSON();
    expect(data.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    const policies = Object.values(data.Resources as Record<string, any>).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements.map((st) => [st.Action].flat().sort())).toEqual([
      ['s3:GetReplicationConfiguration', 's3:ListBucket'],
      ['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'],
      ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
      ...(config.encryption.customerManagedKeys
        ? [['kms:Decrypt'], ['kms:Encrypt', 'kms:GenerateDataKey']]
        : []),
    ]);
    // Reads here and writes there under the two replicated prefixes, and nowhere else.
    const photoBucketArn = { 'Fn::GetAtt': [source()[0], 'Arn'] };
    expect(statements[0].Resource).toEqual(photoBucketArn);
    expect(statements[1].Resource).toEqual(
      ['/photos/*', '/renditions/*'].map((suffix) => ({ 'Fn::Join': ['', [photoBucketArn, suffix]] })),
    );
    const replicaKeys = statements[2].Resource as unknown[];
    expect(replicaKeys).toHaveLength(2);
    expect(JSON.stringify(replicaKeys[0])).toMatch(new RegExp(`${replicaName}.*/photos/\\*"\\]\\]\\}$`));
    expect(JSON.stringify(replicaKeys[1])).toMatch(new RegExp(`${replicaName}.*/renditions/\\*"\\]\\]\\}$`));
    for (const kms of statements.slice(3)) {
      expect(Object.keys(kms.Condition.StringEquals)).toContain('kms:ViaService');
    }
    if (config.encryption.customerManagedKeys) {
      expect(statements[4].Condition['ForAnyValue:StringEquals']).toEqual({
        'kms:ResourceAliases': `alias/photoapp-${stage}-photos`,
      });
    }
  });

  it('keeps the replica bucket in the second Region, private, versioned, encrypted and TLS-only', () => {
    expect(withIt.stacks.secondaryStorage!.region).toBe(dr.region);
    const [id, bucket] = replicaBucket();
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const encryption = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(encryption.ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      config.encryption.customerManagedKeys ? 'aws:kms' : 'AES256',
    );
    const policy = Object.values(
      withIt.templates.secondaryStorage!.findResources('AWS::S3::BucketPolicy'),
    ).find((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }));
    expect(JSON.stringify(policy!.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  describe('the existing objects (S3 Batch Replication, which live replication does not replace)', () => {
    const data = () => withIt.templates.data.toJSON();
    const roleId = () => {
      const roles = Object.entries(data().Resources as Record<string, any>).filter(
        ([, r]) =>
          r.Type === 'AWS::IAM::Role' &&
          JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('batchoperations.s3.amazonaws.com'),
      );
      expect(roles).toHaveLength(1);
      return roles[0][0];
    };
    const jobsBucketId = () => {
      const outputs = data().Outputs as Record<string, any>;
      return outputs.ReplicationJobsBucketName.Value.Ref as string;
    };

    it('gives Batch Operations a role of its own, trusted by that service only', () => {
      expect(data().Resources[roleId()].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'batchoperations.s3.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      ]);
    });

    it('lets it start the replication of photo and rendition keys, generate the object list, and use its own files only', () => {
      const id = roleId();
      const policies = Object.values(data().Resources as Record<string, any>).filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: id }]),
      );
      expect(policies).toHaveLength(1);
      const statements = policies[0].Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      const [photoBucketId] = source();
      const jobs = jobsBucketId();
      const arn = (bucketId: string, suffix: string) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, suffix]],
      });
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: 's3:InitiateReplication',
          Resource: [arn(photoBucketId, '/photos/*'), arn(photoBucketId, '/renditions/*')],
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetReplicationConfiguration', 's3:PutInventoryConfiguration'],
          Resource: { 'Fn::GetAtt': [photoBucketId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion'],
          Resource: arn(jobs, '/manifests/*'),
        },
        {
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: [arn(jobs, '/manifests/*'), arn(jobs, '/reports/*')],
        },
      ]);
    });

    it('keeps the manifests and reports in a private, encrypted, TLS-only bucket that expires them', () => {
      const jobs = data().Resources[jobsBucketId()];
      expect(jobs.Type).toBe('AWS::S3::Bucket');
      expect(jobs.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' })],
        },
        LoggingConfiguration: expect.objectContaining({ LogFilePrefix: 'replication-jobs/' }),
      });
      expect(jobs.DeletionPolicy).toBe(config.dataRemoval === 'retain' ? 'Retain' : 'Delete');
      const policy = Object.values(withIt.templates.data.findResources('AWS::S3::BucketPolicy')).find(
        (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: jobsBucketId() }),
      );
      expect(JSON.stringify(policy!.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    });

    it('outputs the photo bucket, the role, the jobs bucket and the admin secret that the runbook names', () => {
      const outputs = data().Outputs as Record<string, any>;
      const [photoBucketId] = source();
      expect(outputs.PhotoBucketName.Value).toEqual({ Ref: photoBucketId });
      expect(outputs.BatchReplicationRoleArn.Value).toEqual({ 'Fn::GetAtt': [roleId(), 'Arn'] });
      expect(outputs.ReplicationJobsBucketName.Value).toEqual({ Ref: jobsBucketId() });
      const [secretId] = only(withIt.templates.data.findResources('AWS::SecretsManager::Secret'));
      // The attachment's Ref is the attached secret's ARN.
      const attachment = data().Resources[outputs.AdminSecretArn.Value.Ref];
      expect(attachment.Type).toBe('AWS::SecretsManager::SecretTargetAttachment');
      expect(attachment.Properties.SecretId).toEqual({ Ref: secretId });
    });

    it('exists only where the bucket replicates', () => {
      const off = withoutIt.templates.data.toJSON();
      expect(JSON.stringify(off.Resources)).not.toContain('batchoperations.s3.amazonaws.com');
      expect(Object.keys(off.Outputs ?? {})).not.toEqual(
        expect.arrayContaining(['BatchReplicationRoleArn', 'ReplicationJobsBucketName', 'AdminSecretArn']),
      );
    });
  });

  it('deploys the replica bucket before the data stack whose rule writes to it', () => {
    expect(withIt.stacks.data.dependencies).toContain(withIt.stacks.secondaryStorage);
  });
});

describe(`disaster recovery (${stage}): the stateless stacks in the second Region`, () => {
  const secondaryApi = () => withIt.templates.secondaryApi!;
  const functionsWith = (template: typeof withIt.templates.api, variable: string) =>
    Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.[variable] !== undefined,
    );

  it('deploys the API and its functions in the second Region', () => {
    expect(withIt.stacks.secondaryApi!.region).toBe(dr.region);
    expect(Object.keys(secondaryApi().findResources('AWS::Lambda::Function')).length).toBe(
      Object.keys(withIt.templates.api.findResources('AWS::Lambda::Function')).length,
    );
  });

  it('refuses writes in the standby (READ_ONLY on the API functions) and nowhere in the active Region', () => {
    expect(dr.activeRegion ?? primaryRegion).toBe(primaryRegion);
    const readOnly = functionsWith(secondaryApi(), 'READ_ONLY');
    expect(readOnly.map((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual([
      'photos-api',
      'profiles-api',
    ]);
    for (const f of readOnly) expect(f.Properties.Environment.Variables.READ_ONLY).toBe('true');
    expect(functionsWith(withIt.templates.api, 'READ_ONLY')).toEqual([]);
  });

  it('keeps the stream processor, the photo processor, the upload verifier and the reconciler off in the standby', () => {
    // Both stream mappings off: the active Region renders every photo, and its renditions and READY
    // writes reach the standby through the bucket's and the table's replication.
    expect(enabledOf(secondaryApi())).toEqual(allStreamConsumers(false));
    for (const rule of Object.values(secondaryApi().findResources('AWS::Events::Rule'))) {
      expect(rule.Properties.State).toBe('DISABLED');
    }
    // And on in the active Region.
    expect(enabledOf(withIt.templates.api)).toEqual(allStreamConsumers(true));
  });

  it("reads the table's replica stream, the replica bucket, the secondary cluster and its own cache", () => {
    for (const mapping of Object.values(streamMappings(secondaryApi()))) {
      expect(mapping.Properties.EventSourceArn['Fn::GetStackOutput']).toMatchObject({
        StackName: withIt.stacks.secondaryData!.stackName,
        Region: dr.region,
      });
    }
    const [, profiles] = Object.entries(secondaryApi().findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'profiles-api',
    )!;
    const variables = profiles.Properties.Environment.Variables;
    for (const name of ['DB_HOST', 'DB_READER_HOST', 'CACHE_HOST']) {
      const read = variables[name]['Fn::GetStackOutput'];
      // Without a Region, Fn::GetStackOutput reads the consumer's own.
      expect([name, read.StackName, read.Region ?? dr.region]).toEqual([
        name,
        withIt.stacks.secondaryData!.stackName,
        dr.region,
      ]);
    }
    const [, photos] = Object.entries(secondaryApi().findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'photos-api',
    )!;
    expect(photos.Properties.Environment.Variables.BUCKET_NAME['Fn::GetStackOutput']).toMatchObject({
      StackName: withIt.stacks.secondaryStorage!.stackName,
    });
  });

  it("accepts the primary Region's tokens: the same issuer and app client", () => {
    const [, authorizer] = only(secondaryApi().findResources('AWS::ApiGatewayV2::Authorizer'));
    const issuerRef = authorizer.Properties.JwtConfiguration.Issuer['Fn::GetStackOutput'];
    expect(issuerRef).toMatchObject({ StackName: withIt.stacks.secondaryData!.stackName, Region: dr.region });
    const secondaryData = withIt.templates.secondaryData!.toJSON();
    const [parameterId] = secondaryData.Outputs[issuerRef.OutputName].Value['Fn::GetAtt'];
    const parameter = secondaryData.Resources[parameterId];
    expect(parameter.Type).toBe('AWS::SSM::Parameter');
    expect(parameter.Properties.Value['Fn::GetStackOutput']).toMatchObject({
      StackName: withIt.stacks.data.stackName,
      Region: primaryRegion,
    });
  });

  it('switches the serving Region by config alone: with the second Region active, the primary is the standby', () => {
    const failedOver = synthStage(stage, {
      nag: false,
      configure: (c) => ({ ...c, disasterRecovery: { ...c.disasterRecovery!, activeRegion: dr.region } }),
    });
    expect(functionsWith(failedOver.templates.secondaryApi!, 'READ_ONLY')).toEqual([]);
    expect(functionsWith(failedOver.templates.api, 'READ_ONLY')).toHaveLength(2);
    expect(enabledOf(failedOver.templates.secondaryApi!)).toEqual(allStreamConsumers(true));
    expect(enabledOf(failedOver.templates.api)).toEqual(allStreamConsumers(false));
    // The promotion changes no stack of the second Region but its API: the data stack there, the
    // only one that reads the primary Region, need not deploy while the primary is down.
    for (const key of ['secondaryNetwork', 'secondaryStorage', 'secondaryData'] as const) {
      expect([key, failedOver.templates[key]!.toJSON()]).toEqual([key, withIt.templates[key]!.toJSON()]);
    }
  });
});

describe(`disaster recovery (${stage}): references and deploy order`, () => {
  const regionOfStack = (name: string) =>
    Object.values(withIt.stacks).find((s) => s.stackName === name)!.region;

  it('reads the other Region at deploy time in one stack only: the copies of the primary names', () => {
    const crossRegion: string[] = [];
    for (const stack of Object.values(withIt.stacks)) {
      const text = JSON.stringify(withIt.app.synth().getStackArtifact(stack.artifactId).template);
      for (const [, producer, region] of text.matchAll(
        /"Fn::GetStackOutput":\{"StackName":"([^"]+)","Region":"([^"]+)"/g,
      )) {
        if (region !== stack.region) crossRegion.push(`${stack.stackName} <- ${producer}`);
        expect(regionOfStack(producer)).toBe(region);
      }
    }
    expect([...new Set(crossRegion)]).toEqual([
      `${withIt.stacks.secondaryData!.stackName} <- ${withIt.stacks.data.stackName}`,
    ]);
  });

  it('orders the stacks so that `cdk deploy --all` deploys each after what it needs', () => {
    const order = (s: { dependencies: readonly { stackName: string }[] }) =>
      s.dependencies.map((d) => d.stackName);
    const names = (...keys: Array<keyof typeof withIt.stacks>) =>
      keys.map((k) => withIt.stacks[k]!.stackName);
    expect(order(withIt.stacks.secondaryStorage!)).toEqual(expect.arrayContaining(names('secondaryNetwork')));
    expect(order(withIt.stacks.data)).toEqual(expect.arrayContaining(names('network', 'secondaryStorage')));
    expect(order(withIt.stacks.secondaryData!)).toEqual(
      expect.arrayContaining(names('data', 'secondaryNetwork')),
    );
    expect(order(withIt.stacks.secondaryApi!)).toEqual(
      expect.arrayContaining(names('secondaryNetwork', 'secondaryStorage', 'secondaryData')),
    );
    expect(order(withIt.stacks.secondaryMonitoring!)).toEqual(
      expect.arrayContaining(names('secondaryApi', 'secondaryData')),
    );
  });

  it('names the stacks of the second Region PhotoApp-<Stage>-Secondary<Part>', () => {
    const label = stage.charAt(0).toUpperCase() + stage.slice(1);
    for (const part of ['Network', 'Storage', 'Data', 'Api', 'Monitoring']) {
      const key = `secondary${part}` as keyof typeof withIt.stacks;
      expect(withIt.stacks[key]!.stackName).toBe(`PhotoApp-${label}-Secondary${part}`);
      expect(withIt.stacks[key]!.region).toBe(dr.region);
    }
  });
});

describe.each(STAGES.filter((c) => c.disasterRecovery === undefined).map((c) => c.stage))(
  'the shipped stage %s, which leaves disaster recovery off',
  (name) => {
    it('has the four stacks of one Region (and a backup copy vault where it copies), nothing of a second Region', () => {
      const { stacks, templates } = synthStage(name, { nag: false });
      expect(Object.keys(stacks).filter((key) => key.startsWith('secondary'))).toEqual([]);
      expect(templates.data.findResources('AWS::RDS::GlobalCluster')).toEqual({});
      for (const bucket of Object.values(templates.data.findResources('AWS::S3::Bucket'))) {
        expect(bucket.Properties.ReplicationConfiguration).toBeUndefined();
      }
      const [, table] = only(templates.data.findResources('AWS::DynamoDB::GlobalTable'));
      expect(table.Properties.Replicas).toHaveLength(1);
      expect(JSON.stringify(templates.api.toJSON())).not.toContain('READ_ONLY');
    });
  },
);

describe(`disaster recovery (${stage}): alarms and dashboards`, () => {
  const alarmsOf = (template: typeof withIt.templates.monitoring) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const dimensionNames = (alarm: any) =>
    ((alarm.Properties.Dimensions ?? []) as Array<{ Name: string }>).map((d) => d.Name).sort();

  it('alarms on the table replication latency towards the second Region in the first, and back in the second', () => {
    const latency = (template: typeof withIt.templates.monitoring) =>
      alarmsOf(template).filter(
        (a) => a.Properties.Namespace === 'AWS/DynamoDB' && a.Properties.MetricName === 'ReplicationLatency',
      );
    const [toSecond] = latency(withIt.templates.monitoring);
    const [toFirst] = latency(withIt.templates.secondaryMonitoring!);
    expect(dimensionNames(toSecond)).toEqual(['ReceivingRegion', 'TableName']);
    expect(toSecond.Properties.Dimensions).toContainEqual({ Name: 'ReceivingRegion', Value: dr.region });
    expect(toFirst.Properties.Dimensions).toContainEqual({ Name: 'ReceivingRegion', Value: primaryRegion });
    expect(toSecond.Properties).toMatchObject({
      Threshold: config.monitoring.alarms.tableReplicationLatency.threshold,
      Statistic: 'Average',
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms on each rule's replication latency, backlog and failed replications (photos, renditions), by source, destination and rule", () => {
    const s3 = alarmsOf(withIt.templates.monitoring).filter((a) => a.Properties.Namespace === 'AWS/S3');
    const ruleOf = (alarm: any) =>
      (alarm.Properties.Dimensions as Array<{ Name: string; Value: string }>).find(
        (d) => d.Name === 'RuleId',
      )!.Value;
    expect(s3.map((a) => `${ruleOf(a)} ${a.Properties.MetricName}`).sort()).toEqual([
      'PhotosToSecondRegion OperationsFailedReplication',
      'PhotosToSecondRegion OperationsPendingReplication',
      'PhotosToSecondRegion ReplicationLatency',
      'RenditionsToSecondRegion OperationsFailedReplication',
      'RenditionsToSecondRegion OperationsPendingReplication',
      'RenditionsToSecondRegion ReplicationLatency',
    ]);
    for (const alarm of s3) {
      expect(dimensionNames(alarm)).toEqual(['DestinationBucket', 'RuleId', 'SourceBucket']);
      expect(JSON.stringify(alarm.Properties.Dimensions)).toContain(`photoapp-${stage}-replica-`);
    }
    const latency = s3.find((a) => a.Properties.MetricName === 'ReplicationLatency')!;
    expect(latency.Properties.Threshold).toBe(config.monitoring.alarms.photoReplicationLatency.threshold);
    // The backlog, before any object is late enough for the latency alarm.
    const pending = s3.find((a) => a.Properties.MetricName === 'OperationsPendingReplication')!;
    const setting = config.monitoring.alarms.photoReplicationPending;
    expect(pending.Properties).toMatchObject({
      Statistic: 'Maximum',
      Threshold: setting.threshold,
      Period: setting.periodMinutes * 60,
      EvaluationPeriods: setting.evaluationPeriods,
      TreatMissingData: 'notBreaching',
    });
  });

  it('watches both stream consumers (stream processor, photo processor) and their failure queues in each Region, the standby included', () => {
    // A standby's mappings are off, so its alarms stay quiet; they are there for the day the
    // config names that Region active and the mappings start.
    const streamWatch = (template: typeof withIt.templates.monitoring) =>
      alarmsOf(template)
        .map((a) => String(a.Properties.AlarmDescription))
        .map(
          (d) =>
            /^(Function \S+ (?:iterator age|failed stream records)|Queue \S+ messages waiting) >=/.exec(
              d,
            )?.[1],
        )
        .filter((d): d is string => d !== undefined)
        .sort();
    const expected = [
      'Function process-photo failed stream records',
      'Function process-photo iterator age',
      'Function stream-processor failed stream records',
      'Function stream-processor iterator age',
      'Queue processing-failures messages waiting',
      'Queue reconciler-failures messages waiting',
      'Queue stream-failures messages waiting',
      'Queue upload-failures messages waiting',
    ];
    expect(streamWatch(withIt.templates.monitoring)).toEqual(expected);
    expect(streamWatch(withIt.templates.secondaryMonitoring!)).toEqual(expected);
  });

  it("alarms on the secondary cluster's global replication lag in its own Region, to its own encrypted topic", () => {
    const secondary = withIt.templates.secondaryMonitoring!;
    const [lag] = alarmsOf(secondary).filter(
      (a) => a.Properties.MetricName === 'AuroraGlobalDBReplicationLag',
    );
    expect(lag.Properties).toMatchObject({
      Namespace: 'AWS/RDS',
      Threshold: config.monitoring.alarms.auroraGlobalReplicationLag.threshold,
    });
    expect(dimensionNames(lag)).toEqual(['DBClusterIdentifier']);
    const [topicId, topic] = only(secondary.findResources('AWS::SNS::Topic'));
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    for (const alarm of alarmsOf(secondary)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    expect(withIt.stacks.secondaryMonitoring!.region).toBe(dr.region);
  });

  it("graphs the replication on the first Region's dashboard, the Aurora lag from the second Region", () => {
    const widgets = dashboardWidgets(withIt.templates.monitoring);
    expect(widgets.some((w) => w.properties.markdown === '## Replication to the second Region')).toBe(true);
    const titled = (prefix: string) => widgets.find((w) => w.properties.title?.startsWith(prefix))!;
    expect(JSON.stringify(titled('Table replication latency').properties.metrics)).toContain(
      'ReplicationLatency',
    );
    for (const rule of ['Photo replication', 'Rendition replication']) {
      expect(JSON.stringify(titled(rule).properties.metrics)).toContain('OperationsPendingReplication');
    }
    expect(JSON.stringify(titled('Rendition replication').properties.metrics)).toContain(
      'RenditionsToSecondRegion',
    );
    const lag = titled('Aurora global replication lag').properties.metrics!;
    expect(lag[0]).toEqual(
      expect.arrayContaining([
        'AWS/RDS',
        'AuroraGlobalDBReplicationLag',
        'DBClusterIdentifier',
        `photoapp-${stage}-profiles`,
        expect.objectContaining({ region: dr.region }),
      ]),
    );
    // Nothing of it in a stage without the option.
    expect(
      dashboardWidgets(withoutIt.templates.monitoring).some((w) =>
        w.properties.markdown?.includes('Replication'),
      ),
    ).toBe(false);
  });
});
