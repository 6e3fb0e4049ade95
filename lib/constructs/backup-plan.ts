import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkRetentionsInLock, StageBackupVault, type VaultLockWindow } from './backup-vault';

/** One rule of the plan: when it runs and how long its recovery points (and their copies) are kept. */
export interface BackupRuleSpec {
  readonly name: 'Daily' | 'Weekly';
  readonly schedule: events.Schedule;
  readonly retentionDays: number;
}

/**
 * The rules, in UTC. Both start after the cluster's own automated backup window (03:00-04:00)
 * and after its Sunday maintenance window (04:30-05:30), so the Aurora snapshot never competes
 * with either (lib/constructs/profile-database.ts), and an hour apart, so that on Sundays the
 * daily job has started (its start window is an hour) before the weekly one is due.
 */
export function backupRules(dailyRetentionDays: number, weeklyRetentionDays: number): BackupRuleSpec[] {
  return [
    {
      name: 'Daily',
      schedule: events.Schedule.cron({ hour: '5', minute: '30' }),
      retentionDays: dailyRetentionDays,
    },
    {
      name: 'Weekly',
      schedule: events.Schedule.cron({ weekDay: 'SUN', hour: '6', minute: '30' }),
      retentionDays: weeklyRetentionDays,
    },
  ];
}

/** A job may start up to this long after its scheduled time (the minimum AWS Backup allows). */
export const BACKUP_START_WINDOW = Duration.hours(1);
/** A job not done after this long is cancelled (and counts as failed in the alarm). */
export const BACKUP_COMPLETION_WINDOW = Duration.hours(8);

/**
 * The backup role's AWS managed policies: what scheduled backup and copy jobs need, and no restore
 * permissions (the S3 restore policy alone may write and delete in every bucket of the account).
 * S3's live without the `service-role/` path
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html); CDK's default
 * selection role carries only the first one, so S3 jobs would fail with it.
 */
export const BACKUP_ROLE_POLICIES = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'AWSBackupServiceRolePolicyForS3Backup',
] as const;

/** What the restore test needs: documented for restores of Aurora and DynamoDB recovery points. */
export const RESTORE_TEST_ROLE_POLICIES = ['service-role/AWSBackupServiceRolePolicyForRestores'] as const;

/** Restore tests pick the newest recovery point of this many days. */
export const RESTORE_TEST_SELECTION_WINDOW_DAYS = 7;
/** Restored resources stay this long before AWS Backup deletes them (room to inspect them by hand). */
export const RESTORE_TEST_VALIDATION_WINDOW_HOURS = 2;

export interface BackupPlanProps {
  /** Prefix of the vault and plan names, e.g. `photoapp-prod`. */
  readonly namePrefix: string;
  /** The stage's name in letters and digits only (restore testing names allow `[A-Za-z0-9_]`). */
  readonly stageToken: string;
  readonly dailyRetentionDays: number;
  readonly weeklyRetentionDays: number;
  readonly customerManagedKey: boolean;
  /** @default - not locked */
  readonly lock?: VaultLockWindow;
  /** ARN of the vault in another Region that receives a copy of every recovery point. @default - no copies */
  readonly copyVaultArn?: string;
  /** A weekly restore test of the cluster and the table. */
  readonly restoreTesting: boolean;
  readonly cluster: rds.DatabaseCluster;
  readonly table: dynamodb.ITableV2;
  /** Versioned (AWS Backup requires S3 Versioning). */
  readonly bucket: s3.IBucket;
}

/**
 * AWS Backup for the stage's data: a vault, a plan with a daily and a weekly rule over the Aurora
 * cluster, the DynamoDB table and the photo bucket (named by their ARNs, never by tags), optional
 * copies of every recovery point to a vault in another Region, and optionally a weekly restore test.
 */
export class BackupPlan extends Construct {
  /**
   * The vault's name: the prefix and the first group of the stack's own id (a UUID CloudFormation
   * draws when it creates the stack), so each creation of the stack names a new vault. A vault
   * outlives its stack (the vault's removal policy below), and a fixed name would make the next creation fail
   * with "already exists" while the old vault still holds recovery points.
   */
  static vaultName(scope: Construct, namePrefix: string): string {
    const stackUuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
    return `${namePrefix}-backups-${Fn.select(0, Fn.split('-', stackUuid))}`;
  }

  public readonly vault: StageBackupVault;
  public readonly plan: backup.BackupPlan;
  public readonly role: iam.Role;
  public readonly selection: backup.BackupSelection;
  public readonly restoreTestingPlan?: backup.CfnRestoreTestingPlan;

  constructor(scope: Construct, id: string, props: BackupPlanProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9]+$/.test(props.stageToken)) {
      throw new Error(`BackupPlan: stageToken must be letters and digits (got ${props.stageToken})`);
    }
    const rules = backupRules(props.dailyRetentionDays, props.weeklyRetentionDays);
    if (props.lock) {
      // Copies keep the rule's retention, so one check per rule covers its copy (same lock there).
      checkRetentionsInLock(
        props.lock,
        rules.map((r) => ({ what: `the ${r.name.toLowerCase()} rule`, days: r.retentionDays })),
      );
    }

    this.vault = new StageBackupVault(this, 'Vault', {
      vaultName: BackupPlan.vaultName(this, props.namePrefix),
      customerManagedKey: props.customerManagedKey,
      lock: props.lock,
      // Retained in every stage, also one whose data is destroyed with it: AWS Backup refuses to
      // delete a vault that holds recovery points
      // (https://docs.aws.amazon.com/aws-backup/latest/devguide/delete-a-vault.html), so a Delete
      // policy would fail the stack's deletion after the first nightly job. The points expire
      // with their rules' retention; the vault is then empty and can be deleted by hand.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vault = this.vault.vault;
    const copyVault = props.copyVaultArn
      ? backup.BackupVault.fromBackupVaultArn(this, 'CopyVault', props.copyVaultArn)
      : undefined;

    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: `${props.namePrefix}-daily-weekly`,
      backupVault: vault,
    });
    for (const rule of rules) {
      const deleteAfter = Duration.days(rule.retentionDays);
      this.plan.addRule(
        new backup.BackupPlanRule({
          ruleName: rule.name,
          scheduleExpression: rule.schedule,
          startWindow: BACKUP_START_WINDOW,
          completionWindow: BACKUP_COMPLETION_WINDOW,
          deleteAfter,
          copyActions: copyVault ? [{ destinationBackupVault: copyVault, deleteAfter }] : undefined,
        }),
      );
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: backs up and copies the cluster, the table and the photo bucket',
      managedPolicies: BACKUP_ROLE_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    acknowledgeManagedPolicies(this.role, BACKUP_ROLE_POLICIES);
    this.selection = this.plan.addSelection('Selection', {
      backupSelectionName: `${props.namePrefix}-data`,
      role: this.role,
      resources: [
        backup.BackupResource.fromRdsDatabaseCluster(props.cluster),
        backup.BackupResource.fromDynamoDbTable(props.table),
        backup.BackupResource.fromArn(props.bucket.bucketArn),
      ],
    });

    if (props.restoreTesting) {
      this.restoreTestingPlan = this.addRestoreTesting(props);
    }
  }

  /**
   * A weekly restore of the newest recovery point of the cluster and of the table. AWS Backup
   * deletes what it restored once the validation window ends
   * (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html), so a restore
   * is exercised every week at the cost of a few hours of a restored cluster and table.
   */
  private addRestoreTesting(props: BackupPlanProps): backup.CfnRestoreTestingPlan {
    const planName = `photoapp_${props.stageToken}_weekly`;
    const plan = new backup.CfnRestoreTestingPlan(this, 'RestoreTestingPlan', {
      restoreTestingPlanName: planName,
      // Monday 08:00 UTC: after Sunday's weekly recovery point has been taken.
      scheduleExpression: 'cron(0 8 ? * MON *)',
      startWindowHours: 24,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [this.vault.vault.backupVaultArn],
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: RESTORE_TEST_SELECTION_WINDOW_DAYS,
      },
    });
    const role = new iam.Role(this, 'RestoreTestingRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup restore testing: restores the cluster and the table from recovery points',
      managedPolicies: RESTORE_TEST_ROLE_POLICIES.map((name) =>
        iam.ManagedPolicy.fromAwsManagedPolicyName(name),
      ),
    });
    acknowledgeManagedPolicies(role, RESTORE_TEST_ROLE_POLICIES);

    // Without overrides an Aurora restore goes to the default VPC, and fails where there is none
    // (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html):
    // restore into the cluster's own private subnets and behind its security group instead.
    const cfnCluster = props.cluster.node.defaultChild as rds.CfnDBCluster;
    const selections = [
      {
        id: 'AuroraRestoreTest',
        type: 'Aurora',
        arn: backup.BackupResource.fromRdsDatabaseCluster(props.cluster).resource!,
        overrides: {
          dbsubnetgroupname: cfnCluster.dbSubnetGroupName!,
          vpcsecuritygroupids: Stack.of(this).toJsonString(
            props.cluster.connections.securityGroups.map((sg) => sg.securityGroupId),
          ),
        },
      },
      { id: 'DynamoDbRestoreTest', type: 'DynamoDB', arn: props.table.tableArn, overrides: undefined },
    ];
    for (const s of selections) {
      const selection = new backup.CfnRestoreTestingSelection(this, s.id, {
        restoreTestingPlanName: planName,
        restoreTestingSelectionName: `${s.type.toLowerCase()}_${props.stageToken}`,
        protectedResourceType: s.type,
        protectedResourceArns: [s.arn],
        iamRoleArn: role.roleArn,
        restoreMetadataOverrides: s.overrides,
        validationWindowHours: RESTORE_TEST_VALIDATION_WINDOW_HOURS,
      });
      // The plan name is a literal here, so CloudFormation would not see the dependency.
      selection.addResourceDependency(plan);
    }
    return plan;
  }
}

/** cdk-nag IAM4: AWS documents these managed policies as what AWS Backup's job roles need. */
function acknowledgeManagedPolicies(role: iam.Role, names: readonly string[]): void {
  for (const name of names) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
      reason: `AWS Backup documents ${name} as the permissions its jobs need; AWS keeps it current as services add backup APIs.`,
    });
  }
}
