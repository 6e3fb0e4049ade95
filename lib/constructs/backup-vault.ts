import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { VaultLock } from '../config';

/**
 * A Vault Lock with the retention window it enforces. AWS Backup fails every backup or copy job
 * whose retention is outside [minRetentionDays, maxRetentionDays], so the window is derived from
 * the plan's rules (see `lockWindow`) and each rule is checked against it (`checkRetentionsInLock`).
 */
export type VaultLockWindow = VaultLock & {
  readonly minRetentionDays: number;
  /** @default - no upper bound (the rules all keep recovery points equally long) */
  readonly maxRetentionDays?: number;
};

/** The narrowest lock window that admits every retention (days) the plan writes into a vault. */
export function lockWindow(lock: VaultLock, retentionDays: readonly number[]): VaultLockWindow {
  const min = Math.min(...retentionDays);
  const max = Math.max(...retentionDays);
  // CDK (and the API) require MaxRetentionDays > MinRetentionDays when both are set.
  return { ...lock, minRetentionDays: min, ...(max > min ? { maxRetentionDays: max } : {}) };
}

/** Throws at synth for a retention the lock would refuse at run time (the job would fail). */
export function checkRetentionsInLock(
  lock: VaultLockWindow,
  retentions: ReadonlyArray<{ readonly what: string; readonly days: number }>,
): void {
  for (const { what, days } of retentions) {
    if (
      days < lock.minRetentionDays ||
      (lock.maxRetentionDays !== undefined && days > lock.maxRetentionDays)
    ) {
      throw new Error(
        `BackupVault: ${what} keeps recovery points ${days} days, outside the Vault Lock window ` +
          `[${lock.minRetentionDays}, ${lock.maxRetentionDays ?? '∞'}] days; AWS Backup would fail its jobs`,
      );
    }
  }
}

export interface StageBackupVaultProps {
  /** Fixed, so that alarms and the other Region's copy action can name it without a cross-stack reference. */
  readonly vaultName: string;
  /** A customer-managed KMS key (rotation on) for the vault; else the AWS-managed `aws/backup` key. */
  readonly customerManagedKey: boolean;
  /** @default - not locked */
  readonly lock?: VaultLockWindow;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * An AWS Backup vault, encrypted with its own customer-managed key when the stage asks for one,
 * and locked when the stage asks for that. Used for the stage's vault and for its copy vault in
 * another Region (each Region needs its own key: KMS keys are regional).
 */
export class StageBackupVault extends Construct {
  public readonly vault: backup.BackupVault;
  /** The vault's customer-managed key. @default - none (AWS-managed key) */
  public readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: StageBackupVaultProps) {
    super(scope, id);
    if (props.customerManagedKey) {
      this.key = new kms.Key(this, 'Key', {
        description: `Encrypts the recovery points in the AWS Backup vault ${props.vaultName}`,
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
      // AWS Backup encrypts recovery points (S3, DynamoDB with advanced features) with the vault's
      // key, calling KMS as the role of the backup, copy or restore job
      // (https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html). This statement
      // names that path: through the Backup service of this Region, by principals of this account.
      // The job roles live in another stack (the copy vault's) or are created after the key, so it
      // names the account and the roles' own IAM policies complete the grant. CDK's default
      // statement also delegates the key to the account's IAM policies, so this statement adds no
      // restriction of its own: what a principal may do with the key is what IAM allows it.
      const stack = Stack.of(this);
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'UseThroughAwsBackupOnly',
          principals: [new iam.AccountRootPrincipal()],
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:DescribeKey',
            'kms:CreateGrant',
          ],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:ViaService': `backup.${stack.region}.amazonaws.com`,
              'kms:CallerAccount': stack.account,
            },
          },
        }),
      );
    }
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy,
      // No ChangeableForDays: governance mode, which a principal allowed
      // backup:DeleteBackupVaultLockConfiguration can lift. With it: compliance mode, immutable
      // after that many days, not even the root user or AWS can then remove the lock or delete a
      // recovery point before it expires, and the vault cannot be deleted while it holds one
      // (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html).
      lockConfiguration: props.lock && {
        minRetention: Duration.days(props.lock.minRetentionDays),
        maxRetention:
          props.lock.maxRetentionDays === undefined ? undefined : Duration.days(props.lock.maxRetentionDays),
        changeableFor:
          props.lock.mode === 'compliance' ? Duration.days(props.lock.changeableForDays) : undefined,
      },
    });
  }
}
