import { minimumBootstrapVersion, needsFromTemplates } from '../../scripts/preflight/stage-needs';

describe('reading needs from handmade templates', () => {
  const rule = (refused: string[]) => ({
    CheckBootstrapVersion: {
      Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Contains': [refused, { Ref: 'BootstrapVersion' }] }] } }],
    },
  });

  it('takes the minimum bootstrap version as one above the highest refused version', () => {
    expect(minimumBootstrapVersion({ Rules: rule(['1', '2', '3', '4', '5']) })).toBe(6);
    expect(minimumBootstrapVersion({})).toBeUndefined();
  });

  it('keeps the highest minimum across stacks and ignores container-image functions', () => {
    const needs = needsFromTemplates('dev', [
      { stackName: 'A', template: { Rules: rule(['1', '2']) } },
      {
        stackName: 'B',
        template: {
          Rules: rule(['1', '2', '3', '4', '5', '6']),
          Resources: {
            Zip: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
            Image: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image' } },
          },
        },
      },
    ]);
    expect(needs.bootstrap.minVersion).toBe(7);
    expect(needs.lambdaRuntimes).toEqual([{ runtime: 'nodejs22.x', architecture: 'x86_64' }]);
    expect(needs.aurora).toEqual([]);
    expect(needs.availabilityZones).toBe(0);
    expect(needs.cacheUsers).toEqual([]);
  });

  it('skips an ElastiCache user whose UserId is not a literal', () => {
    const needs = needsFromTemplates('dev', [
      {
        stackName: 'Data',
        template: {
          Resources: {
            Fixed: { Type: 'AWS::ElastiCache::User', Properties: { UserId: 'x-app' } },
            Token: { Type: 'AWS::ElastiCache::User', Properties: { UserId: { Ref: 'Name' } } },
          },
        },
      },
    ]);
    expect(needs.cacheUsers).toEqual([{ stackName: 'Data', logicalId: 'Fixed', userId: 'x-app' }]);
  });

  it('does not call a provisioned-instance cluster Serverless v2', () => {
    const needs = needsFromTemplates('dev', [
      {
        stackName: 'Data',
        template: {
          Resources: {
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              Properties: { Engine: 'aurora-postgresql', EngineVersion: '16.4' },
            },
            Writer: {
              Type: 'AWS::RDS::DBInstance',
              Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.r6g.large' },
            },
          },
        },
      },
    ]);
    expect(needs.aurora).toEqual([
      { engine: 'aurora-postgresql', engineVersion: '16.4', serverlessV2: false, dataApi: false },
    ]);
  });
});

describe('reading what AWS Backup needs from handmade templates', () => {
  const clusterArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':rds:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':cluster:',
        { Ref: 'Cluster' },
      ],
    ],
  };
  const copyVaultArn = (region: unknown) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':backup:',
        region,
        ':',
        { Ref: 'AWS::AccountId' },
        ':backup-vault:copies',
      ],
    ],
  });
  const dataStack = (selected: unknown[], rules: unknown[] = [{ RuleName: 'Daily' }]) => ({
    stackName: 'Data',
    template: {
      Resources: {
        Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql' } },
        Table: { Type: 'AWS::DynamoDB::GlobalTable' },
        Bucket: { Type: 'AWS::S3::Bucket' },
        Plan: { Type: 'AWS::Backup::BackupPlan', Properties: { BackupPlan: { BackupPlanRule: rules } } },
        Selection: {
          Type: 'AWS::Backup::BackupSelection',
          Properties: { BackupSelection: { SelectionName: 'data', Resources: selected } },
        },
      },
    },
  });

  it('takes the resource types from joined ARNs and from the resources whose Arn is selected', () => {
    const needs = needsFromTemplates('prod', [
      dataStack([{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, clusterArn, { 'Fn::GetAtt': ['Table', 'Arn'] }]),
    ]);
    expect(needs.backup).toEqual({
      resourceTypes: ['Aurora', 'DynamoDB', 'S3'],
      copies: false,
      copyRegions: [],
    });
  });

  it('reads literal ARNs, and leaves out types it does not check', () => {
    const literal = needsFromTemplates('prod', [
      dataStack(['arn:aws:dynamodb:eu-west-1:123456789012:table/other', 'arn:aws:s3:::photos']),
    ]);
    expect(literal.backup?.resourceTypes).toEqual(['DynamoDB', 'S3']);
    const unchecked = needsFromTemplates('prod', [
      dataStack([
        'arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1',
        { 'Fn::GetAtt': ['Plan', 'Arn'] },
      ]),
    ]);
    expect(unchecked.backup?.resourceTypes).toEqual([]);
  });

  it('reads the copy Region from the copy vault ARN, and copies even when the Region is a token', () => {
    const rules = [
      { RuleName: 'Daily', CopyActions: [{ DestinationBackupVaultArn: copyVaultArn('us-west-2') }] },
      {
        RuleName: 'Weekly',
        CopyActions: [{ DestinationBackupVaultArn: copyVaultArn({ Ref: 'AWS::Region' }) }],
      },
    ];
    const needs = needsFromTemplates('prod', [dataStack([{ 'Fn::GetAtt': ['Table', 'Arn'] }], rules)]);
    expect(needs.backup).toEqual({ resourceTypes: ['DynamoDB'], copies: true, copyRegions: ['us-west-2'] });
    const tokenOnly = needsFromTemplates('prod', [
      dataStack([{ 'Fn::GetAtt': ['Table', 'Arn'] }], rules.slice(1)),
    ]);
    expect(tokenOnly.backup).toMatchObject({ copies: true, copyRegions: [] });
  });

  it('needs nothing of AWS Backup without a backup selection', () => {
    const needs = needsFromTemplates('dev', [
      { stackName: 'Data', template: { Resources: { Table: { Type: 'AWS::DynamoDB::GlobalTable' } } } },
    ]);
    expect(needs.backup).toBeUndefined();
  });
});
