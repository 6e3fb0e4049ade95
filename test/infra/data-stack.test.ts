import { FUNCTIONS } from '../../contract/functions';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { PENDING_CHANGES_PK } from '../../lambda/adapters/pending-change-table';
import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES, stageLabel, type StageName } from '../../lib/config';
import { readBaseline } from '../../scripts/replacement-baseline/snapshot';
import { stageWith } from '../support/stages';
import { deletionPolicyOf, synthStage, type SynthesizedApp } from './helpers/app';
import { dependenciesOf } from './helpers/dependencies';
import { statementsForFunction } from './helpers/role-statements';
import { followStackOutput, templatesByStackName, type TemplateJson } from './helpers/stack-outputs';
import { joined, partitionOf, regionOf } from './helpers/region';

const synthesized: Partial<Record<StageName, SynthesizedApp>> = {};
beforeAll(() => {
  for (const stage of STAGE_NAMES) synthesized[stage] = synthStage(stage);
});
const data = (stage: StageName): Template => synthesized[stage]!.templates.data;

/** The only resource of a type, with its logical id. */
function only(template: Template, type: string): { id: string; resource: Record<string, any> } {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], resource: found[0][1] };
}

describe('data stack', () => {
  describe.each(STAGE_NAMES)('stateful logical ids (%s)', (stage) => {
    // Renaming any of these would make CloudFormation replace the resource and lose its data.
    it.each([
      ['AWS::DynamoDB::GlobalTable', 'PhotoTable9F014336'],
      ['AWS::RDS::DBCluster', 'ProfileDatabaseCluster1C448F76'],
      ['AWS::ElastiCache::ReplicationGroup', 'ProfileCacheReplicationGroupD383C59A'],
      ['AWS::Cognito::UserPool', 'UsersUserPool7E610616'],
    ])('%s is %s', (type, id) => {
      expect(only(data(stage), type).id).toBe(id);
    });

    it('keeps the bucket ids', () => {
      expect(Object.keys(data(stage).findResources('AWS::S3::Bucket')).sort()).toEqual([
        'PhotoBucketAccessLogsCA2C7566',
        'PhotoBucketBCCC5A2D',
        // The Batch Replication jobs' manifests and reports, where the photos replicate.
        ...(STAGE_CONFIGS[stage].disasterRecovery ? ['PhotoBucketReplicationJobs8A3CD9E3'] : []),
      ]);
    });

    it('keeps the secret id the replacement baseline pins (the database admin secret is the only secret)', () => {
      // CDK names the secret after its path, so the id carries the stage; the baseline pins it per stage.
      const ids = Object.keys(data(stage).findResources('AWS::SecretsManager::Secret')).sort();
      expect(ids).toEqual([
        expect.stringMatching(
          new RegExp(
            `^PhotoApp${stageLabel(stage)}DataProfileDatabaseClusterSecret[0-9A-F]{8}3fdaad7efa858a3daf9490cf0a702aeb$`,
          ),
        ),
      ]);
      const pinned = Object.entries(readBaseline()[stage][`PhotoApp-${stageLabel(stage)}-Data`])
        .filter(([, resource]) => resource.Type === 'AWS::SecretsManager::Secret')
        .map(([id]) => id);
      expect(ids).toEqual(pinned);
    });
  });

  describe.each(STAGE_NAMES)('removal and protection (%s)', (stage) => {
    const config = STAGE_CONFIGS[stage];
    const stateful = [
      'AWS::DynamoDB::GlobalTable',
      'AWS::S3::Bucket',
      'AWS::Cognito::UserPool',
      'AWS::SecretsManager::Secret',
    ];

    it.each(stateful)(
      `${config.dataRemoval === 'retain' ? 'retains' : 'destroys'} %s with the stack`,
      (type) => {
        const resources = Object.values(data(stage).findResources(type));
        expect(resources.length).toBeGreaterThan(0);
        for (const resource of resources) {
          expect(resource.DeletionPolicy).toBe(deletionPolicyOf(config));
          expect(resource.UpdateReplacePolicy).toBe(deletionPolicyOf(config));
        }
      },
    );

    it('snapshots the Aurora cluster and the cache on removal when the stage retains data', () => {
      for (const type of ['AWS::RDS::DBCluster', 'AWS::ElastiCache::ReplicationGroup']) {
        expect(only(data(stage), type).resource.DeletionPolicy).toBe(
          config.dataRemoval === 'retain' ? 'Snapshot' : 'Delete',
        );
      }
    });

    it('empties the buckets on teardown only when the stage destroys data', () => {
      data(stage).resourceCountIs('Custom::S3AutoDeleteObjects', config.dataRemoval === 'destroy' ? 2 : 0);
    });

    it('turns termination protection on when the stage retains data: data, its keys, its backup copies', () => {
      const { stacks } = synthesized[stage]!;
      const retains = config.dataRemoval === 'retain';
      expect(stacks.data.terminationProtection).toBe(retains);
      expect(stacks.network.terminationProtection).toBe(retains);
      expect(stacks.backupCopy !== undefined).toBe(config.backup.copyRegion !== undefined);
      if (stacks.backupCopy) expect(stacks.backupCopy.terminationProtection).toBe(retains);
      expect(stacks.api.terminationProtection).toBe(false);
      expect(stacks.monitoring.terminationProtection).toBe(false);
    });
  });

  describe.each(STAGE_NAMES)('photo bucket (%s)', (stage) => {
    const photoBucket = () => data(stage).findResources('AWS::S3::Bucket')['PhotoBucketBCCC5A2D'];

    it('blocks all public access, encrypts, versions and enforces bucket-owner objects', () => {
      expect(photoBucket().Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        // SSE-KMS with the stage's photos key and an S3 Bucket Key where the stage has its own keys
        // (the key itself is pinned in test/infra/data-keys.test.ts), SSE-S3 otherwise.
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            STAGE_CONFIGS[stage].encryption.customerManagedKeys
              ? {
                  BucketKeyEnabled: true,
                  ServerSideEncryptionByDefault: {
                    SSEAlgorithm: 'aws:kms',
                    KMSMasterKeyID: expect.anything(),
                  },
                }
              : { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    });

    it('aborts incomplete multipart uploads and expires non-current versions', () => {
      const rules = photoBucket().Properties.LifecycleConfiguration.Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
          expect.objectContaining({
            NoncurrentVersionExpiration: {
              NoncurrentDays: STAGE_CONFIGS[stage].photos.noncurrentVersionExpirationDays,
            },
            Status: 'Enabled',
          }),
        ]),
      );
    });

    it('expires the deleted renditions of a deleted photo as it expires its original: no rule is limited to a prefix', () => {
      // Deleting a photo deletes its original and its renditions (delete markers, the stream
      // processor); the versions they hide go with the non-current-version rule, whatever the key.
      const rules = photoBucket().Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
      const expiring = rules.filter((rule) => rule.NoncurrentVersionExpiration !== undefined);
      expect(expiring).toHaveLength(1);
      expect(expiring[0]).toMatchObject({ ExpiredObjectDeleteMarker: true, Status: 'Enabled' });
      for (const rule of rules) {
        expect(rule).not.toHaveProperty('Prefix');
        expect(rule).not.toHaveProperty('Filter');
      }
    });

    it('writes server access logs to the log bucket', () => {
      expect(photoBucket().Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: 'PhotoBucketAccessLogsCA2C7566' },
        LogFilePrefix: 'photo-bucket/',
      });
    });

    it('allows CORS uploads and downloads from the configured origins only', () => {
      expect(photoBucket().Properties.CorsConfiguration.CorsRules).toEqual([
        expect.objectContaining({
          AllowedOrigins: STAGE_CONFIGS[stage].api.allowedOrigins,
          AllowedMethods: ['PUT', 'GET'],
        }),
      ]);
    });

    it('denies any request that is not over TLS 1.2+, on every bucket', () => {
      const policies = Object.values(data(stage).findResources('AWS::S3::BucketPolicy'));
      expect(policies).toHaveLength(STAGE_CONFIGS[stage].disasterRecovery ? 3 : 2);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            expect.objectContaining({
              Effect: 'Deny',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        );
      }
    });

    it('sends object events to EventBridge', () => {
      data(stage).hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: 'PhotoBucketBCCC5A2D' },
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      });
    });

    it('offers one managed policy per intent, limited to photo and rendition keys', () => {
      // The other intent policies of the stack are pinned in 'intent policies' below.
      const policies = Object.fromEntries(
        Object.entries(data(stage).findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
          id.startsWith('PhotoBucket'),
        ),
      );
      const keys = (prefix: string) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': ['PhotoBucketBCCC5A2D', 'Arn'] }, `/${prefix}/*`]],
      });
      const statement = (actions: string | string[], resources: unknown) => ({
        Effect: 'Allow',
        Action: actions,
        Resource: resources,
      });
      const isKeyStatement = (statement: { Action: unknown }) =>
        ([] as unknown[]).concat(statement.Action).some((action) => String(action).startsWith('kms:'));
      const statementsOf = (keep: (statement: { Action: unknown }) => boolean) =>
        Object.fromEntries(
          Object.entries(policies).map(([id, p]) => [
            id.replace(/[0-9A-F]{8}$/, ''),
            (p.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>).filter(keep),
          ]),
        );
      expect(statementsOf((statement) => !isKeyStatement(statement))).toEqual({
        PhotoBucketPutPhotos: [statement('s3:PutObject', keys('photos'))],
        // Originals (for their owner) and renditions (for anyone) are signed by the API.
        PhotoBucketGetPhotos: [statement('s3:GetObject', [keys('photos'), keys('renditions')])],
        PhotoBucketDeletePhotos: [statement('s3:DeleteObject', [keys('photos'), keys('renditions')])],
        PhotoBucketVerifyUploads: [
          statement(
            ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion'],
            keys('photos'),
          ),
        ],
        // Processing reads originals and deletes rejected ones, and writes under renditions/ only:
        // it can neither replace an original nor write anywhere else.
        PhotoBucketProcessPhotos: [
          statement(['s3:DeleteObject', 's3:GetObject'], keys('photos')),
          statement('s3:PutObject', keys('renditions')),
        ],
      });
      // With a customer-managed photos key, an intent that writes or reads object data also gets
      // the key actions it needs, only through S3 and only for this bucket (test/infra/data-keys.test.ts).
      const onlyForThisBucket = (actions: string | string[]) => [
        expect.objectContaining({
          Effect: 'Allow',
          Action: actions,
          Condition: {
            StringEquals: expect.objectContaining({
              'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': ['PhotoBucketBCCC5A2D', 'Arn'] },
            }),
          },
        }),
      ];
      expect(statementsOf(isKeyStatement)).toEqual(
        STAGE_CONFIGS[stage].encryption.customerManagedKeys
          ? {
              PhotoBucketPutPhotos: onlyForThisBucket('kms:GenerateDataKey'),
              PhotoBucketGetPhotos: onlyForThisBucket('kms:Decrypt'),
              PhotoBucketDeletePhotos: [],
              PhotoBucketVerifyUploads: onlyForThisBucket('kms:Decrypt'),
              // Reads originals (Decrypt) and writes renditions (GenerateDataKey).
              PhotoBucketProcessPhotos: onlyForThisBucket(['kms:Decrypt', 'kms:GenerateDataKey']),
            }
          : {
              PhotoBucketPutPhotos: [],
              PhotoBucketGetPhotos: [],
              PhotoBucketDeletePhotos: [],
              PhotoBucketVerifyUploads: [],
              PhotoBucketProcessPhotos: [],
            },
      );
    });
  });

  describe.each(STAGE_NAMES)('intent policies (%s)', (stage) => {
    const statementsById = (): Record<string, Array<{ Action: unknown }>> =>
      Object.fromEntries(
        Object.entries(data(stage).findResources('AWS::IAM::ManagedPolicy')).map(([id, p]) => [
          id.replace(/[0-9A-F]{8}$/, ''),
          p.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>,
        ]),
      );
    const tableArn = { 'Fn::GetAtt': ['PhotoTable9F014336', 'Arn'] };
    const tableAndIndexes = [
      tableArn,
      { 'Fn::Join': ['', [tableArn, '/index/byOwner']] },
      { 'Fn::Join': ['', [tableArn, '/index/feed']] },
    ];
    const arnPrefix = (service: string) => [
      'arn:',
      partitionOf(STAGE_CONFIGS[stage]),
      `:${service}:`,
      regionOf(STAGE_CONFIGS[stage]),
      ':',
      { Ref: 'AWS::AccountId' },
    ];

    it('defines exactly the policies the functions attach, each with one statement (plus its key action) but for processing', () => {
      const statements = statementsById();
      expect(Object.keys(statements).sort()).toEqual([
        'PhotoBucketDeletePhotos',
        'PhotoBucketGetPhotos',
        'PhotoBucketProcessPhotos',
        'PhotoBucketPutPhotos',
        'PhotoBucketVerifyUploads',
        'PhotoTableKeepPendingChanges',
        'PhotoTableReadWritePhotos',
        'PhotoTableReconcilePendingChanges',
        'PhotoTableVerifyUploads',
        'ProfileCacheConnectAsAppUser',
        'ProfileDatabaseConnectAsAppUser',
      ]);
      for (const [id, list] of Object.entries(statements)) {
        const keyStatements = list.filter((statement) => String(statement.Action).startsWith('kms:'));
        expect(keyStatements.length).toBeLessThanOrEqual(
          STAGE_CONFIGS[stage].encryption.customerManagedKeys ? 1 : 0,
        );
        // Processing has one statement per key prefix (its actions differ there).
        expect([id, list.length - keyStatements.length]).toEqual([
          id,
          id === 'PhotoBucketProcessPhotos' ? 2 : 1,
        ]);
      }
    });

    it('confines the pending-change grants to the partition the runtime writes, on the table only', () => {
      const statements = statementsById();
      const pendingChanges = (actions: string | string[]) => [
        {
          Effect: 'Allow',
          Action: actions,
          Resource: tableArn,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PENDING_CHANGES_PK] } },
        },
      ];
      expect(statements.PhotoTableKeepPendingChanges).toEqual(pendingChanges('dynamodb:PutItem'));
      expect(statements.PhotoTableReconcilePendingChanges).toEqual(
        pendingChanges(['dynamodb:DeleteItem', 'dynamodb:Query']),
      );
    });

    it('lets the photo functions use items of the table and its two named indexes, no scans, no wildcard', () => {
      const statements = statementsById();
      expect(statements.PhotoTableReadWritePhotos).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'dynamodb:ConditionCheckItem',
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          Resource: tableAndIndexes,
        },
      ]);
      expect(statements.PhotoTableVerifyUploads).toEqual([
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: tableAndIndexes },
      ]);
    });

    it("lets a function sign in to the database as app_user through the proxy's resource id, read in this stack", () => {
      expect(statementsById().ProfileDatabaseConnectAsAppUser).toEqual([
        {
          Effect: 'Allow',
          Action: 'rds-db:connect',
          Resource: joined([
            ...arnPrefix('rds-db'),
            ':dbuser:',
            {
              'Fn::Select': [
                6,
                { 'Fn::Split': [':', { 'Fn::GetAtt': ['ProfileDatabaseProxy2500DDE4', 'DBProxyArn'] }] },
              ],
            },
            '/app_user',
          ]),
        },
      ]);
    });

    it('lets a function connect to this replication group as the app user only', () => {
      expect(statementsById().ProfileCacheConnectAsAppUser).toEqual([
        {
          Effect: 'Allow',
          Action: 'elasticache:Connect',
          Resource: [
            { 'Fn::GetAtt': ['ProfileCacheAppUserE508AB94', 'Arn'] },
            joined([
              ...arnPrefix('elasticache'),
              ':replicationgroup:',
              { Ref: 'ProfileCacheReplicationGroupD383C59A' },
            ]),
          ],
        },
      ]);
    });
  });

  describe.each(STAGE_NAMES)('photo table (%s)', (stage) => {
    const table = () => only(data(stage), 'AWS::DynamoDB::GlobalTable').resource.Properties;

    it('is on-demand with pk/sk keys', () => {
      expect(table().BillingMode).toBe('PAY_PER_REQUEST');
      expect(table().KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
    });

    it('streams new and old images', () => {
      expect(table().StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    });

    it('expires pending uploads through the expiresAt TTL attribute', () => {
      expect(table().TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    });

    it('has the byOwner and feed indexes', () => {
      expect(table().GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'feed',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]);
    });

    it('has point-in-time recovery, encryption, and the configured deletion protection', () => {
      expect(table().SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table().Replicas[0]).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: STAGE_CONFIGS[stage].photos.deletionProtection,
      });
    });
  });

  it('switches the table to provisioned capacity with auto scaling when configured', () => {
    const { templates } = synthStage(DEFAULT_STAGE, {
      nag: false,
      configure: (c) => ({
        ...c,
        photos: {
          ...c.photos,
          billing: {
            mode: 'provisioned',
            readCapacity: { min: 2, max: 20 },
            writeCapacity: { min: 1, max: 10 },
          },
        },
      }),
    });
    const table = only(templates.data, 'AWS::DynamoDB::GlobalTable').resource.Properties;
    expect(table.BillingMode).toBe('PROVISIONED');
    expect(table.WriteProvisionedThroughputSettings.WriteCapacityAutoScalingSettings).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 10,
    });
    expect(table.Replicas[0].ReadProvisionedThroughputSettings.ReadCapacityAutoScalingSettings).toMatchObject(
      {
        MinCapacity: 2,
        MaxCapacity: 20,
      },
    );
  });

  describe.each(STAGE_NAMES)('profile database (%s)', (stage) => {
    const cluster = () => only(data(stage), 'AWS::RDS::DBCluster').resource.Properties;
    const database = STAGE_CONFIGS[stage].database;

    it('is Aurora PostgreSQL Serverless v2 within the configured capacity', () => {
      expect(cluster()).toMatchObject({
        Engine: 'aurora-postgresql',
        EngineVersion: '17.9',
        ServerlessV2ScalingConfiguration: {
          MinCapacity: database.minCapacity,
          MaxCapacity: database.maxCapacity,
        },
        DatabaseName: 'photos',
        Port: 5438,
      });
    });

    it('encrypts storage, enables IAM auth and the Data API, exports logs', () => {
      expect(cluster()).toMatchObject({
        StorageEncrypted: true,
        EnableIAMDatabaseAuthentication: true,
        EnableHttpEndpoint: true,
        EnableCloudwatchLogsExports: ['postgresql'],
        CopyTagsToSnapshot: true,
      });
    });

    it('keeps backups for the configured days, with the configured deletion protection', () => {
      expect(cluster().BackupRetentionPeriod).toBe(database.backupRetentionDays);
      expect(cluster().DeletionProtection).toBe(database.deletionProtection);
    });

    it('requires TLS for every connection', () => {
      data(stage).hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
        Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
      });
    });

    it('runs a writer and the configured readers as failover targets, none publicly accessible', () => {
      const instances = Object.values(data(stage).findResources('AWS::RDS::DBInstance'));
      expect(instances).toHaveLength(1 + database.readers);
      for (const instance of instances) {
        expect(instance.Properties).toMatchObject({
          DBInstanceClass: 'db.serverless',
          PubliclyAccessible: false,
        });
      }
      // Readers that scale with the writer share promotion tier 1.
      const tiers = instances.map((i) => i.Properties.PromotionTier).sort();
      expect(tiers).toEqual([0, ...Array.from({ length: database.readers }, () => 1)]);
    });

    it('generates the admin credentials into Secrets Manager and rotates them', () => {
      expect(cluster().MasterUsername).toBe('photos_admin');
      expect(JSON.stringify(cluster().MasterUserPassword)).toContain('{{resolve:secretsmanager:');
      data(stage).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      data(stage).resourceCountIs('AWS::Serverless::Application', 1);
    });

    it('rotates through the standard regional Secrets Manager host name', () => {
      // The interface endpoint has private DNS on, so this name resolves to it inside the VPC.
      expect(
        only(data(stage), 'AWS::Serverless::Application').resource.Properties.Parameters.endpoint,
      ).toEqual(
        joined(['https://secretsmanager.', regionOf(STAGE_CONFIGS[stage]), '.', { Ref: 'AWS::URLSuffix' }]),
      );
    });

    it('runs the rotation function in the data subnets, read whole from a network stack output', () => {
      const { stacks } = synthesized[stage]!;
      const byName = templatesByStackName(synthesized[stage]!);
      const subnetIds = only(data(stage), 'AWS::Serverless::Application').resource.Properties.Parameters
        .vpcSubnetIds;
      const followed = followStackOutput(byName, subnetIds);
      expect(followed?.stackName).toBe(stacks.network.stackName);
      const dataSubnets = Object.entries(
        synthesized[stage]!.templates.network.findResources('AWS::EC2::Subnet'),
      )
        .filter(([, subnet]) =>
          (subnet.Properties.Tags as Array<{ Key: string; Value: string }>).some(
            (t) => t.Key === 'aws-cdk:subnet-name' && t.Value === 'Data',
          ),
        )
        .map(([id]) => ({ Ref: id }));
      expect(dataSubnets).toHaveLength(2);
      expect(followed?.value).toEqual({ 'Fn::Join': ['', [dataSubnets[0], ',', dataSubnets[1]]] });
    });

    it('creates the rotation schedule (and so the first rotation) only after the schema migrations ran', () => {
      const schedule = only(data(stage), 'AWS::SecretsManager::RotationSchedule');
      const migrations = only(data(stage), 'Custom::SchemaMigrations');
      expect([schedule.resource.DependsOn ?? []].flat()).toContain(migrations.id);
      const migrationsWaitFor = dependenciesOf(data(stage).toJSON() as TemplateJson, migrations.id);
      expect(migrationsWaitFor).not.toContain(schedule.id);
      expect(migrationsWaitFor).not.toContain(only(data(stage), 'AWS::Serverless::Application').id);
    });

    it('puts RDS Proxy in front with TLS and end-to-end IAM auth', () => {
      data(stage).hasResourceProperties('AWS::RDS::DBProxy', {
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
        DefaultAuthScheme: 'IAM_AUTH',
        DebugLogging: false,
      });
      data(stage).hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
        DBClusterIdentifiers: [{ Ref: 'ProfileDatabaseCluster1C448F76' }],
        ConnectionPoolConfigurationInfo: Match.objectLike({
          MaxConnectionsPercent: 90,
          ConnectionBorrowTimeout: 10,
        }),
      });
    });

    it("leaves the proxy target group untagged (some regions' schemas have no Tags for it) and tags the proxy", () => {
      expect(only(data(stage), 'AWS::RDS::DBProxyTargetGroup').resource.Properties).not.toHaveProperty(
        'Tags',
      );
      expect(only(data(stage), 'AWS::RDS::DBProxy').resource.Properties.Tags).toEqual([
        { Key: 'project', Value: 'photo-sharing-reference' },
        { Key: 'stage', Value: stage },
      ]);
    });

    it('lets the proxy sign in as app_user only', () => {
      data(stage).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ProfileDatabaseProxyRole') }],
        PolicyDocument: {
          Statement: [
            {
              Action: 'rds-db:connect',
              Effect: 'Allow',
              Resource: {
                'Fn::Join': [
                  '',
                  Match.arrayWith([
                    { 'Fn::GetAtt': ['ProfileDatabaseCluster1C448F76', 'DBClusterResourceId'] },
                    '/app_user',
                  ]),
                ],
              },
            },
          ],
        },
      });
    });

    it('lets in only the proxy and the rotation function', () => {
      const ingress = Object.values(data(stage).findResources('AWS::EC2::SecurityGroupIngress')).filter((r) =>
        JSON.stringify(r.Properties.GroupId).includes('ProfileDatabaseDatabaseSecurityGroup'),
      );
      const sources = ingress.map((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort();
      expect(sources).toEqual([
        'ProfileDatabaseClusterRotationSingleUserSecurityGroup1E7B60CC',
        'ProfileDatabaseProxySecurityGroup4BB0943A',
      ]);
    });

    it('lets the in-VPC functions reach the proxy on 5432 only', () => {
      data(stage).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': ['ProfileDatabaseProxySecurityGroup4BB0943A', 'GroupId'] },
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() }),
      });
    });

    it('applies the schema migrations through the Data API after the cluster is up', () => {
      const migrations = only(data(stage), 'Custom::SchemaMigrations').resource;
      expect(migrations.Properties.MigrationsHash).toMatch(/^[0-9a-f]{16}$/);
      // The cluster, its running writer and the attached secret; not the whole construct (it holds the rotation).
      expect(migrations.DependsOn).toEqual([
        'ProfileDatabaseCluster1C448F76',
        'ProfileDatabaseClusterSecretAttachment21788299',
        'ProfileDatabaseClusterWriter2F9566BA',
      ]);
      data(stage).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['rds-data:ExecuteStatement']) }),
          ]),
        },
        Roles: [{ Ref: Match.stringLikeRegexp('^SchemaMigrationsRunnerRole') }],
      });
      data(stage).hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            DB_CLUSTER_ARN: Match.anyValue(),
            DB_SECRET_ARN: Match.anyValue(),
            DB_NAME: 'photos',
          }),
        },
      });
    });
  });

  describe.each(STAGE_NAMES)('profile cache (%s)', (stage) => {
    const cache = () => only(data(stage), 'AWS::ElastiCache::ReplicationGroup').resource.Properties;

    it("runs Valkey 9.1 with the default parameter group of the version's family", () => {
      expect(cache()).toMatchObject({
        Engine: 'valkey',
        EngineVersion: '9.1',
        CacheParameterGroupName: 'default.valkey9',
      });
      // A major upgrade must move the group along: ElastiCache refuses a group of another family.
      const major = String(cache().EngineVersion).split('.')[0];
      expect(cache().CacheParameterGroupName).toBe(`default.${cache().Engine}${major}`);
    });

    it('encrypts in transit (required) and at rest, and admits only its user group', () => {
      expect(cache()).toMatchObject({
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
        UserGroupIds: [{ Ref: 'ProfileCacheUserGroup5A66C4A8' }],
      });
      expect(cache().AuthToken).toBeUndefined();
    });

    // The users and the group keep engine redis: a Valkey group accepts redis user groups, and a
    // valkey user group would refuse the password-less default user.
    it('signs the functions in with IAM, limited to GET/SET/DEL on profile keys; default user off', () => {
      const users = Object.values(data(stage).findResources('AWS::ElastiCache::User')).map(
        (r) => r.Properties,
      );
      const tags = {
        Tags: [
          { Key: 'project', Value: 'photo-sharing-reference' },
          { Key: 'stage', Value: stage },
        ],
      };
      expect(users).toHaveLength(2);
      expect(users).toContainEqual({
        ...tags,
        Engine: 'redis',
        UserId: `photoapp-${stage}-app`,
        UserName: `photoapp-${stage}-app`,
        AccessString: 'on ~profile:* -@all +get +set +del',
        AuthenticationMode: { Type: 'iam' },
      });
      expect(users).toContainEqual({
        ...tags,
        Engine: 'redis',
        UserId: `photoapp-${stage}-default`,
        UserName: 'default',
        AccessString: 'off -@all',
        NoPasswordRequired: true,
      });
      const group = only(data(stage), 'AWS::ElastiCache::UserGroup').resource;
      expect(group.Properties).toMatchObject({
        Engine: 'redis',
        UserGroupId: `photoapp-${stage}-profile-cache`,
        UserIds: [`photoapp-${stage}-default`, `photoapp-${stage}-app`],
      });
      expect(group.DependsOn).toEqual(['ProfileCacheAppUserE508AB94', 'ProfileCacheDefaultUser38319FFD']);
    });

    it('listens on a non-default port, reachable from the in-VPC functions only', () => {
      expect(cache().Port).toBe(6380);
      const ingress = Object.values(data(stage).findResources('AWS::EC2::SecurityGroupIngress')).filter((r) =>
        JSON.stringify(r.Properties.GroupId).includes('ProfileCacheSecurityGroup'),
      );
      expect(ingress).toHaveLength(1);
      expect(ingress[0].Properties).toMatchObject({ FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' });
      expect(JSON.stringify(ingress[0].Properties.SourceSecurityGroupId)).toContain(
        'NetworkFunctionSecurityGroup',
      );
    });

    it('has the configured nodes, Multi-AZ failover and snapshots', () => {
      const configured = STAGE_CONFIGS[stage].cache;
      expect(cache()).toMatchObject({
        NumCacheClusters: 1 + configured.replicas,
        MultiAZEnabled: configured.multiAz,
        AutomaticFailoverEnabled: configured.multiAz,
        SnapshotRetentionLimit: configured.snapshotRetentionDays,
      });
    });
  });

  describe.each(STAGE_NAMES)('user directory (%s)', (stage) => {
    it('signs users in by e-mail with a strong password policy and optional TOTP MFA', () => {
      data(stage).hasResourceProperties('AWS::Cognito::UserPool', {
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        DeletionProtection: STAGE_CONFIGS[stage].dataRemoval === 'retain' ? 'ACTIVE' : 'INACTIVE',
      });
    });

    it('has a public app client for SRP sign-in without OAuth redirects', () => {
      data(stage).hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        ExplicitAuthFlows: [
          'ALLOW_ADMIN_USER_PASSWORD_AUTH',
          'ALLOW_USER_SRP_AUTH',
          'ALLOW_REFRESH_TOKEN_AUTH',
        ],
        PreventUserExistenceErrors: 'ENABLED',
        AllowedOAuthFlowsUserPoolClient: false,
      });
    });
  });
});

// Only a disposable stage may go without the proxy (a production stage must run one).
describe('a disposable stage without RDS Proxy (the cheaper variant)', () => {
  const disposable = stageWith('disposable');
  const withoutProxy = synthStage(disposable.stage, {
    configure: (c) => ({ ...c, database: { ...c.database, proxy: false, minCapacity: 0 } }),
  });
  const { templates } = withoutProxy;

  it('has no proxy and lets the cluster pause at 0 ACU', () => {
    templates.data.resourceCountIs('AWS::RDS::DBProxy', 0);
    templates.data.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: {
        MinCapacity: 0,
        MaxCapacity: disposable.database.maxCapacity,
        SecondsUntilAutoPause: 600,
      },
    });
  });

  it('points the handlers at the writer endpoint on the cluster port, with IAM auth to the cluster', () => {
    const profiles = Object.values(templates.api.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === FUNCTIONS.profilesApi.name,
    )!;
    expect(profiles.Properties.Environment.Variables.DB_PORT).toBe('5438');
    expect(profiles.Properties.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
    expect(JSON.stringify(profiles.Properties.Environment.Variables.DB_HOST)).toContain(
      'ProfileDatabaseCluster1C448F76EndpointAddress',
    );
    const [profilesId] = Object.entries(templates.api.findResources('AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === FUNCTIONS.profilesApi.name,
    )!;
    const connect = statementsForFunction(
      templatesByStackName(withoutProxy),
      withoutProxy.stacks.api.stackName,
      profilesId,
    ).filter((s) => [s.statement.Action].flat().includes('rds-db:connect'));
    expect(connect).toEqual([
      {
        stackName: withoutProxy.stacks.data.stackName,
        policyId: expect.stringMatching(/^ProfileDatabaseConnectAsAppUser[0-9A-F]{8}$/),
        kind: 'managed',
        statement: {
          Effect: 'Allow',
          Action: 'rds-db:connect',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':rds-db:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':dbuser:',
                { 'Fn::GetAtt': ['ProfileDatabaseCluster1C448F76', 'DBClusterResourceId'] },
                '/app_user',
              ],
            ],
          },
        },
      },
    ]);
  });

  it('opens the cluster port to the in-VPC functions', () => {
    templates.data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': ['ProfileDatabaseDatabaseSecurityGroup18C8DBF1', 'GroupId'] },
      FromPort: 5438,
      ToPort: 5438,
      SourceSecurityGroupId: Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() }),
    });
  });

  it('keeps alarms on everything that exists', () => {
    const alarms = JSON.stringify(templates.monitoring.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).not.toContain('DatabaseConnectionsBorrowLatency');
    expect(alarms).toContain('ACUUtilization');
  });
});
