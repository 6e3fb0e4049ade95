import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Stack } from 'aws-cdk-lib';
import { STAGE_CONFIGS, type StageName } from '../../lib/config';
import {
  BACKUP_ROLE_POLICIES,
  BackupPlan,
  RESTORE_TEST_ROLE_POLICIES,
} from '../../lib/constructs/backup-plan';
import { lockWindow } from '../../lib/constructs/backup-vault';
import { checkTargetRegion } from '../../lib/photo-app';
import { synthStage } from './helpers/app';
import { joined, partitionOf, regionOf } from './helpers/region';

const policyArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]],
});
const logicalIdOf = (template: Template, type: string): string => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
};

describe.each<StageName>(['dev', 'prod'])('AWS Backup in the %s stage', (stage) => {
  const config = STAGE_CONFIGS[stage];
  const { backup } = config;
  // cdk-nag runs in compliance.test.ts; here only the templates matter.
  const synthesized = synthStage(stage, { nag: false });
  const data = synthesized.templates.data;
  // The first group of the stack's UUID: a new name each time CloudFormation creates the stack.
  const vaultName = {
    'Fn::Join': [
      '',
      [
        `photoapp-${stage}-backups-`,
        {
          'Fn::Select': [
            0,
            { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
          ],
        },
      ],
    ],
  };

  it('has one vault, with a customer-managed key (rotation on) only where the stage asks for one', () => {
    const vaults = Object.values(data.findResources('AWS::Backup::BackupVault'));
    expect(vaults).toHaveLength(1);
    expect(vaults[0].Properties.BackupVaultName).toEqual(vaultName);
    if (config.encryption.customerManagedKeys) {
      expect(vaults[0].Properties.EncryptionKeyArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      const keyId = vaults[0].Properties.EncryptionKeyArn['Fn::GetAtt'][0];
      const key = data.toJSON().Resources[keyId];
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Sid: 'UseThroughAwsBackupOnly',
          Condition: {
            StringEquals: {
              'kms:ViaService': joined(['backup.', regionOf(config), '.amazonaws.com']),
              'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            },
          },
        }),
      );
    } else {
      expect(vaults[0].Properties.EncryptionKeyArn).toBeUndefined();
    }
  });

  it('keeps the vault and its key when the stack is deleted, in every stage (AWS Backup cannot delete a vault holding recovery points)', () => {
    const [[vaultId, vault]] = Object.entries(data.findResources('AWS::Backup::BackupVault'));
    expect([vaultId, vault.DeletionPolicy, vault.UpdateReplacePolicy]).toEqual([vaultId, 'Retain', 'Retain']);
    if (config.encryption.customerManagedKeys) {
      const keyId = vault.Properties.EncryptionKeyArn['Fn::GetAtt'][0] as string;
      const key = data.toJSON().Resources[keyId];
      expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
  });

  it('has a daily and a weekly rule with the stage retention, into that vault', () => {
    const plan = Object.values(data.findResources('AWS::Backup::BackupPlan'));
    expect(plan).toHaveLength(1);
    const rules: Array<Record<string, any>> = plan[0].Properties.BackupPlan.BackupPlanRule;
    const vaultId = logicalIdOf(data, 'AWS::Backup::BackupVault');
    expect(rules.map((r) => [r.RuleName, r.ScheduleExpression, r.Lifecycle.DeleteAfterDays])).toEqual([
      ['Daily', 'cron(30 5 * * ? *)', backup.dailyRetentionDays],
      ['Weekly', 'cron(30 6 ? * SUN *)', backup.weeklyRetentionDays],
    ]);
    for (const rule of rules) {
      expect(rule.TargetBackupVault).toEqual({ 'Fn::GetAtt': [vaultId, 'BackupVaultName'] });
      expect(rule.StartWindowMinutes).toBe(60);
      expect(rule.CompletionWindowMinutes).toBe(480);
      expect(rule.Lifecycle.MoveToColdStorageAfterDays).toBeUndefined();
    }
  });

  it('selects exactly the cluster, the table and the photo bucket by reference, with a role that can back up S3', () => {
    const selections = Object.values(data.findResources('AWS::Backup::BackupSelection'));
    expect(selections).toHaveLength(1);
    const selection = selections[0].Properties.BackupSelection;
    expect(selection.ListOfTags).toBeUndefined();
    expect(selection.Conditions).toBeUndefined();
    const clusterId = logicalIdOf(data, 'AWS::RDS::DBCluster');
    const tableId = logicalIdOf(data, 'AWS::DynamoDB::GlobalTable');
    const bucketId = synthesized.stacks.data.getLogicalId(
      synthesized.stacks.data.photoBucket.bucket.node.defaultChild as s3.CfnBucket,
    );
    expect(selection.Resources).toEqual([
      joined([
        'arn:',
        partitionOf(config),
        ':rds:',
        regionOf(config),
        ':',
        { Ref: 'AWS::AccountId' },
        ':cluster:',
        { Ref: clusterId },
      ]),
      { 'Fn::GetAtt': [tableId, 'Arn'] },
      { 'Fn::GetAtt': [bucketId, 'Arn'] },
    ]);
    const roleId = selection.IamRoleArn['Fn::GetAtt'][0];
    const role = data.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    // Backups and copies only: the restore policies stay on the restore testing role.
    expect(role.Properties.ManagedPolicyArns).toEqual(BACKUP_ROLE_POLICIES.map(policyArn));
    expect([...BACKUP_ROLE_POLICIES].sort()).toEqual([
      'AWSBackupServiceRolePolicyForS3Backup',
      'service-role/AWSBackupServiceRolePolicyForBackup',
    ]);
  });

  it('locks the vault (and the copy vault) as configured, or not at all', () => {
    const [vault] = Object.values(data.findResources('AWS::Backup::BackupVault'));
    const lock = vault.Properties.LockConfiguration;
    if (!backup.vaultLock) {
      expect(lock).toBeUndefined();
      return;
    }
    const retentions = [backup.dailyRetentionDays, backup.weeklyRetentionDays];
    expect(lock.MinRetentionDays).toBe(Math.min(...retentions));
    expect(lock.MaxRetentionDays).toBe(Math.max(...retentions));
    expect(lock.ChangeableForDays).toBe(
      backup.vaultLock.mode === 'compliance' ? backup.vaultLock.changeableForDays : undefined,
    );
    const copy = synthesized.templates.backupCopy;
    if (copy) {
      const [copyVault] = Object.values(copy.findResources('AWS::Backup::BackupVault'));
      expect(copyVault.Properties.LockConfiguration).toEqual(lock);
    }
  });

  it('copies every recovery point to the copy Region vault, kept as long, or has no copy stack', () => {
    const [plan] = Object.values(data.findResources('AWS::Backup::BackupPlan'));
    const rules = plan.Properties.BackupPlan.BackupPlanRule;
    const copy = synthesized.stacks.backupCopy;
    if (!backup.copyRegion) {
      expect(copy).toBeUndefined();
      for (const rule of rules) expect(rule.CopyActions).toBeUndefined();
      return;
    }
    expect(copy).toBeDefined();
    expect(copy!.region).toBe(backup.copyRegion);
    expect(copy!.stackName).toBe(`PhotoApp-${stage.charAt(0).toUpperCase()}${stage.slice(1)}-BackupCopy`);
    expect(synthesized.stacks.data.dependencies).toContain(copy);
    const copyVaultName = `photoapp-${stage}-backup-copies`;
    for (const rule of rules) {
      expect(rule.CopyActions).toEqual([
        {
          DestinationBackupVaultArn: joined([
            'arn:',
            partitionOf(config),
            `:backup:${backup.copyRegion}:`,
            { Ref: 'AWS::AccountId' },
            `:backup-vault:${copyVaultName}`,
          ]),
          Lifecycle: { DeleteAfterDays: rule.Lifecycle.DeleteAfterDays },
        },
      ]);
    }
    const copyTemplate = synthesized.templates.backupCopy!;
    copyTemplate.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: copyVaultName });
    const keys = Object.values(copyTemplate.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(config.encryption.customerManagedKeys ? 1 : 0);
    for (const key of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Sid: 'UseThroughAwsBackupOnly',
          Condition: {
            StringEquals: {
              'kms:ViaService': `backup.${backup.copyRegion}.amazonaws.com`,
              'kms:CallerAccount': { Ref: 'AWS::AccountId' },
            },
          },
        }),
      );
    }
    const [copyVault] = Object.values(copyTemplate.findResources('AWS::Backup::BackupVault'));
    expect([copyVault.DeletionPolicy, copyVault.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    // No export crosses Regions: the copy stack has no outputs and the data stack imports none.
    expect(copyTemplate.toJSON().Outputs ?? {}).toEqual({});
  });

  it('tests restores weekly into the app network where the stage asks for it, and not otherwise', () => {
    const plans = Object.values(data.findResources('AWS::Backup::RestoreTestingPlan'));
    const selections = data.findResources('AWS::Backup::RestoreTestingSelection');
    if (!backup.restoreTesting) {
      expect(plans).toHaveLength(0);
      expect(Object.keys(selections)).toHaveLength(0);
      return;
    }
    expect(plans).toHaveLength(1);
    const plan = plans[0].Properties;
    const planName = plan.RestoreTestingPlanName;
    expect(planName).toMatch(/^[A-Za-z0-9_]+$/);
    expect(plan.ScheduleExpression).toBe('cron(0 8 ? * MON *)');
    // A restore may start up to a day after its schedule.
    expect(plan.StartWindowHours).toBe(24);
    expect(plan.RecoveryPointSelection).toEqual({
      Algorithm: 'LATEST_WITHIN_WINDOW',
      IncludeVaults: [{ 'Fn::GetAtt': [logicalIdOf(data, 'AWS::Backup::BackupVault'), 'BackupVaultArn'] }],
      RecoveryPointTypes: ['SNAPSHOT'],
      SelectionWindowDays: 7,
    });
    const planId = logicalIdOf(data, 'AWS::Backup::RestoreTestingPlan');
    const byType = Object.fromEntries(
      Object.values(selections).map((s) => [s.Properties.ProtectedResourceType, s]),
    );
    expect(Object.keys(byType).sort()).toEqual(['Aurora', 'DynamoDB']);
    const clusterId = logicalIdOf(data, 'AWS::RDS::DBCluster');
    const cluster = data.toJSON().Resources[clusterId].Properties;
    const aurora = byType.Aurora.Properties;
    expect(aurora.ProtectedResourceArns[0]['Fn::Join'][1]).toContainEqual({ Ref: clusterId });
    expect(aurora.RestoreMetadataOverrides).toEqual({
      dbsubnetgroupname: cluster.DBSubnetGroupName,
      vpcsecuritygroupids: {
        'Fn::Join': ['', ['["', cluster.VpcSecurityGroupIds[0], '"]']],
      },
    });
    expect(byType.DynamoDB.Properties.ProtectedResourceArns).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(data, 'AWS::DynamoDB::GlobalTable'), 'Arn'] },
    ]);
    for (const s of Object.values(selections)) {
      expect(s.DependsOn).toContain(planId);
      expect(s.Properties.RestoreTestingPlanName).toBe(planName);
      expect(s.Properties.RestoreTestingSelectionName).toMatch(/^[A-Za-z0-9_]+$/);
      expect(s.Properties.ValidationWindowHours).toBe(2);
      const role = data.toJSON().Resources[s.Properties.IamRoleArn['Fn::GetAtt'][0]];
      expect(role.Properties.ManagedPolicyArns).toEqual(RESTORE_TEST_ROLE_POLICIES.map(policyArn));
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ]);
    }
  });

  it('alarms on failed backup jobs, and on failed copy and restore jobs where there are any', () => {
    const alarms = Object.values(
      synthesized.templates.monitoring.findResources('AWS::CloudWatch::Alarm'),
    ).filter((a) => a.Properties.Namespace === 'AWS/Backup');
    const expected = [
      'NumberOfBackupJobsFailed',
      ...(backup.copyRegion ? ['NumberOfCopyJobsFailed'] : []),
      ...(backup.restoreTesting ? ['NumberOfRestoreJobsFailed'] : []),
    ];
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(expected.sort());
    const settings = {
      NumberOfBackupJobsFailed: config.monitoring.alarms.backupJobsFailed,
      NumberOfCopyJobsFailed: config.monitoring.alarms.copyJobsFailed,
      NumberOfRestoreJobsFailed: config.monitoring.alarms.restoreJobsFailed,
    };
    for (const alarm of alarms) {
      const setting = settings[alarm.Properties.MetricName as keyof typeof settings];
      expect(alarm.Properties).toMatchObject({
        // The monitoring stack's local copy of the data stack's vault name (the alarm walk follows it).
        Dimensions: [{ Name: 'BackupVaultName', Value: { 'Fn::GetAtt': [expect.any(String), 'Value'] } }],
        Statistic: 'Sum',
        Threshold: setting.threshold,
        Period: setting.periodMinutes * 60,
        EvaluationPeriods: setting.evaluationPeriods,
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

describe('BackupPlan guards', () => {
  const build = (props: Partial<ConstructorParameters<typeof BackupPlan>[2]> = {}) => {
    const stack = new Stack(new App(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_9 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
    });
    const table = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const bucket = new s3.Bucket(stack, 'Bucket', { versioned: true });
    new BackupPlan(stack, 'Backup', {
      namePrefix: 'photoapp-test',
      stageToken: 'test',
      dailyRetentionDays: 7,
      weeklyRetentionDays: 28,
      customerManagedKey: false,
      restoreTesting: false,
      cluster,
      table,
      bucket,
      ...props,
    });
    return Template.fromStack(stack);
  };

  it('refuses a rule whose retention the Vault Lock would refuse', () => {
    expect(() => build({ lock: { mode: 'governance', minRetentionDays: 10, maxRetentionDays: 28 } })).toThrow(
      /daily rule keeps recovery points 7 days, outside the Vault Lock window \[10, 28\]/,
    );
    expect(() => build({ lock: { mode: 'governance', minRetentionDays: 7, maxRetentionDays: 14 } })).toThrow(
      /weekly rule keeps recovery points 28 days/,
    );
    expect(() => build({ lock: lockWindow({ mode: 'governance' }, [7, 28]) })).not.toThrow();
  });

  it('renders compliance mode with ChangeableForDays and governance mode without', () => {
    build({ lock: lockWindow({ mode: 'compliance', changeableForDays: 3 }, [7, 28]) }).hasResourceProperties(
      'AWS::Backup::BackupVault',
      { LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 28, ChangeableForDays: 3 } },
    );
    build({ lock: lockWindow({ mode: 'governance' }, [7, 28]) }).hasResourceProperties(
      'AWS::Backup::BackupVault',
      {
        LockConfiguration: { MinRetentionDays: 7, MaxRetentionDays: 28, ChangeableForDays: Match.absent() },
      },
    );
  });

  it('leaves out MaxRetentionDays when every rule keeps recovery points equally long', () => {
    expect(lockWindow({ mode: 'governance' }, [14, 14])).toEqual({
      mode: 'governance',
      minRetentionDays: 14,
    });
  });

  it('refuses restore testing names the service would reject', () => {
    expect(() => build({ stageToken: 'my-stage' })).toThrow(/stageToken must be letters and digits/);
  });

  it('refuses a copy Region that is the Region the stage deploys to', () => {
    const prod = STAGE_CONFIGS.prod;
    expect(() => checkTargetRegion(prod.backup.copyRegion!, prod)).toThrow(
      /backup.copyRegion .* the Region it deploys to/,
    );
    expect(() => checkTargetRegion('us-east-1', prod)).not.toThrow();
  });
});
