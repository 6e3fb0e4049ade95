import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { STAGE_CONFIGS, STAGE_NAMES, type StageName } from '../../lib/config';
import { DATA_CLASSES, DataKeys, type DataClass } from '../../lib/constructs/data-keys';
import { deletionPolicyOf, synthStage, type SynthesizedApp } from './helpers/app';
import { joined, partitionOf, regionOf } from './helpers/region';
import { statementsForFunction } from './helpers/role-statements';
import { followStackOutput, templatesByStackName, type StackTemplates } from './helpers/stack-outputs';

const synthesized: Partial<Record<StageName, SynthesizedApp>> = {};
beforeAll(() => {
  for (const stage of STAGE_NAMES) synthesized[stage] = synthStage(stage, { nag: false });
});

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The logical id of the KMS key whose ARN `value` is, read in `stackName`: a local GetAtt, or a whole stack output of one. */
function keyIdOf(templates: StackTemplates, stackName: string, value: unknown): string | undefined {
  const followed = followStackOutput(templates, value);
  const arn = (followed ? followed.value : value) as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const [id, attribute] = arn?.['Fn::GetAtt'] ?? [];
  const producer = templates[followed?.stackName ?? stackName];
  return attribute === 'Arn' && producer?.Resources[id!]?.Type === 'AWS::KMS::Key' ? id : undefined;
}

describe.each(STAGE_NAMES)('customer-managed keys (%s)', (stage) => {
  const config = STAGE_CONFIGS[stage];
  const app = () => synthesized[stage]!;
  const templates = () => templatesByStackName(app());
  const stackNames = () => ({
    network: app().stacks.network.stackName,
    data: app().stacks.data.stackName,
    api: app().stacks.api.stackName,
  });
  const resourcesOf = (stackName: string, type: string) =>
    Object.entries(templates()[stackName].Resources).filter(([, r]) => r.Type === type);
  /** The logical id of the key of `dataClass`, found by its alias. */
  const keyId = (dataClass: DataClass): string => {
    const [alias] = resourcesOf(stackNames().network, 'AWS::KMS::Alias').filter(
      ([, r]) => r.Properties!.AliasName === `alias/photoapp-${stage}-${dataClass}`,
    );
    expect(alias).toBeDefined();
    return alias[1].Properties!.TargetKeyId['Fn::GetAtt'][0] as string;
  };
  const logGroups = () =>
    Object.values(stackNames()).flatMap((name) =>
      resourcesOf(name, 'AWS::Logs::LogGroup').map(([id, r]) => ({ stackName: name, id, resource: r })),
    );

  if (!config.encryption.customerManagedKeys) {
    it('keeps AWS-managed keys: no key, no alias, nothing names a customer-managed key', () => {
      expect(resourcesOf(stackNames().network, 'AWS::KMS::Key')).toEqual([]);
      for (const name of Object.values(stackNames())) {
        expect(resourcesOf(name, 'AWS::KMS::Alias')).toEqual([]);
      }
      for (const group of logGroups()) expect(group.resource.Properties!.KmsKeyId).toBeUndefined();
      const [[, secret]] = resourcesOf(stackNames().data, 'AWS::SecretsManager::Secret');
      expect(secret.Properties!.KmsKeyId).toBeUndefined();
      const bucket = templates()[stackNames().data].Resources.PhotoBucketBCCC5A2D;
      expect(bucket.Properties!.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    });
    return;
  }

  it('has one key per data class, rotated yearly, with a 30-day deletion window and the stage removal policy', () => {
    const keys = resourcesOf(stackNames().network, 'AWS::KMS::Key');
    expect(keys).toHaveLength(DATA_CLASSES.length);
    for (const dataClass of DATA_CLASSES) {
      const key = templates()[stackNames().network].Resources[keyId(dataClass)];
      expect(key.Properties).toMatchObject({
        EnableKeyRotation: true,
        RotationPeriodInDays: 365,
        PendingWindowInDays: 30,
        Description: expect.stringContaining(`photoapp ${stage}:`),
      });
      expect(key.DeletionPolicy).toBe(deletionPolicyOf(config));
      expect(key.UpdateReplacePolicy).toBe(deletionPolicyOf(config));
    }
  });

  it('lets CloudWatch Logs of this Region use the logs key for this account’s log groups only', () => {
    const policy = templates()[stackNames().network].Resources[keyId('logs')].Properties!.KeyPolicy;
    const logs = (policy.Statement as any[]).filter((s) => s.Principal?.Service !== undefined);
    expect(logs).toEqual([
      {
        Sid: 'CloudWatchLogsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: joined(['logs.', regionOf(config), '.amazonaws.com']) },
        Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: '*',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': joined([
              'arn:',
              partitionOf(config),
              ':logs:',
              regionOf(config),
              ':',
              { Ref: 'AWS::AccountId' },
              ':log-group:*',
            ]),
          },
        },
      },
    ]);
    // The photos and secrets keys name no service: S3 and Secrets Manager use them as the caller.
    for (const dataClass of ['photos', 'secrets'] as const) {
      const statements =
        templates()[stackNames().network].Resources[keyId(dataClass)].Properties!.KeyPolicy.Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0].Principal.AWS['Fn::Join'][1]).toContain(':root');
    }
  });

  it('encrypts every log group of the network, data and API stacks with the logs key', () => {
    const groups = logGroups();
    expect(groups.length).toBeGreaterThanOrEqual(10);
    for (const group of groups) {
      expect([group.id, keyIdOf(templates(), group.stackName, group.resource.Properties!.KmsKeyId)]).toEqual([
        group.id,
        keyId('logs'),
      ]);
    }
  });

  it('encrypts the photo bucket with the photos key and an S3 Bucket Key', () => {
    const bucket = templates()[stackNames().data].Resources.PhotoBucketBCCC5A2D;
    const [rule] = bucket.Properties!.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rule.BucketKeyEnabled).toBe(true);
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(keyIdOf(templates(), stackNames().data, rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toBe(
      keyId('photos'),
    );
  });

  it('refuses uploads that name another encryption or another key', () => {
    const [[, policy]] = resourcesOf(stackNames().data, 'AWS::S3::BucketPolicy').filter(
      ([, r]) => r.Properties!.Bucket.Ref === 'PhotoBucketBCCC5A2D',
    );
    const denies = (policy.Properties!.PolicyDocument.Statement as any[]).filter(
      (s) => s.Action === 's3:PutObject',
    );
    expect(denies).toHaveLength(2);
    for (const deny of denies) {
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    }
    const conditions = denies.map((d) => d.Condition.StringNotEqualsIfExists);
    expect(conditions[0]).toEqual({ 's3:x-amz-server-side-encryption': 'aws:kms' });
    expect(
      keyIdOf(
        templates(),
        stackNames().data,
        conditions[1]['s3:x-amz-server-side-encryption-aws-kms-key-id'],
      ),
    ).toBe(keyId('photos'));
  });

  /** The KMS statements that apply to a function of the API stack. */
  const kmsStatementsOf = (functionId: string) =>
    statementsForFunction(templates(), stackNames().api, functionId)
      .map((applied) => applied.statement)
      .filter((s) => listOf(s.Action).some((a) => String(a).startsWith('kms:')));
  const functionIdOf = (construct: string) =>
    resourcesOf(stackNames().api, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith(`${construct}Function`),
    )![0];

  it.each([
    ['Photos', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ['UploadComplete', ['kms:Decrypt']],
    ['StreamProcessor', []],
    ['Reconciler', []],
    ['Profiles', []],
    ['Health', []],
  ])(
    'gives the %s function exactly %j on the photos key, through S3 for the photo bucket',
    (name, actions) => {
      const statements = kmsStatementsOf(functionIdOf(name));
      expect(statements.flatMap((s) => listOf(s.Action)).sort()).toEqual(actions);
      for (const statement of statements) {
        expect(keyIdOf(templates(), stackNames().data, statement.Resource)).toBe(keyId('photos'));
        expect(statement.Condition).toEqual({
          StringEquals: {
            'kms:ViaService': joined(['s3.', regionOf(config), '.', { Ref: 'AWS::URLSuffix' }]),
            'kms:EncryptionContext:aws:s3:arn': { 'Fn::GetAtt': ['PhotoBucketBCCC5A2D', 'Arn'] },
          },
        });
      }
    },
  );

  it('encrypts the admin secret with the secrets key, and its rotation function is told the key', () => {
    const [[, secret]] = resourcesOf(stackNames().data, 'AWS::SecretsManager::Secret');
    expect(keyIdOf(templates(), stackNames().data, secret.Properties!.KmsKeyId)).toBe(keyId('secrets'));
    const [[, rotation]] = resourcesOf(stackNames().data, 'AWS::Serverless::Application');
    expect(keyIdOf(templates(), stackNames().data, rotation.Properties!.Parameters.kmsKeyArn)).toBe(
      keyId('secrets'),
    );
  });

  it('lets the migrations (Data API) decrypt the secret through Secrets Manager only; nothing else uses the key', () => {
    const data = stackNames().data;
    const usesOfSecretsKey = [
      ...resourcesOf(data, 'AWS::IAM::Policy'),
      ...resourcesOf(data, 'AWS::IAM::ManagedPolicy'),
    ].flatMap(([, policy]) =>
      (policy.Properties!.PolicyDocument.Statement as any[])
        .filter((statement) => keyIdOf(templates(), data, statement.Resource) === keyId('secrets'))
        .map((statement) => ({ roles: policy.Properties!.Roles, statement })),
    );
    expect(usesOfSecretsKey).toHaveLength(1);
    expect(usesOfSecretsKey[0].roles).toEqual([
      { Ref: expect.stringMatching(/^SchemaMigrationsRunnerRole/) },
    ]);
    expect(usesOfSecretsKey[0].statement).toEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: expect.anything(),
      Condition: {
        StringEquals: {
          'kms:ViaService': joined(['secretsmanager.', regionOf(config), '.amazonaws.com']),
        },
      },
    });
    // RDS Proxy signs in with IAM end to end and never reads the secret.
    const proxies = resourcesOf(data, 'AWS::RDS::DBProxy');
    expect(proxies).toHaveLength(config.database.proxy ? 1 : 0);
    for (const [, proxy] of proxies) expect(proxy.Properties!.Auth).toBeUndefined();
  });
});

describe('DataKeys', () => {
  it('refuses a deletion window KMS does not allow', () => {
    const stack = new Stack(new App());
    expect(
      () =>
        new DataKeys(stack, 'Keys', {
          stage: 'x',
          removalPolicy: RemovalPolicy.DESTROY,
          pendingWindowDays: 6,
        }),
    ).toThrow(/pendingWindowDays/);
  });

  it('is seen from another stack as keys imported by ARN, so grants there never edit the key policy', () => {
    const app = new App();
    const owner = new Stack(app, 'Owner');
    const keys = new DataKeys(owner, 'Keys', { stage: 'x', removalPolicy: RemovalPolicy.DESTROY });
    const consumer = new Stack(app, 'Consumer');
    const seen = keys.referencedFrom(consumer);
    expect(keys.referencedFrom(owner).logs).toBe(keys.logs);
    expect(Stack.of(seen.logs)).toBe(consumer);
    expect(keys.referencedFrom(consumer).logs).toBe(seen.logs);
    seen.photos.grantDecrypt(new iam.Role(consumer, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const photosKey = Template.fromStack(owner).findResources('AWS::KMS::Key', {
      Properties: { Description: Match.stringLikeRegexp('Photo objects') },
    });
    expect(Object.values(photosKey).map((key) => key.Properties.KeyPolicy.Statement.length)).toEqual([1]);
    Template.fromStack(consumer).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'kms:Decrypt' })] },
    });
  });
});
