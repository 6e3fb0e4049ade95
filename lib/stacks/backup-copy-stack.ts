import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StageBackupVault, type VaultLockWindow } from '../constructs/backup-vault';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

export interface BackupCopyStackProps extends StageStackProps {
  /** The Region of the copies (config.backup.copyRegion); this stack's env. */
  readonly copyRegion: string;
  /** Fixed, so the stage's plan can name the vault by ARN without a cross-Region reference. */
  readonly vaultName: string;
  /** @default - not locked */
  readonly lock?: VaultLockWindow;
}

/**
 * The vault that receives a copy of every recovery point, in another Region than the stage, so
 * that the copies survive the loss of the stage's Region. It deploys before the stage's data
 * stack, whose copy actions need it to exist.
 */
export class BackupCopyStack extends Stack {
  public readonly vault: StageBackupVault;

  /**
   * The vault's ARN as another stack of the same account writes it: a fixed name in a known
   * Region, so no export crosses Regions (CloudFormation exports cannot).
   */
  static vaultArn(scope: Stack, copyRegion: string, vaultName: string): string {
    return scope.formatArn({
      service: 'backup',
      region: copyRegion,
      account: Aws.ACCOUNT_ID,
      resource: 'backup-vault',
      resourceName: vaultName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  constructor(scope: Construct, id: string, props: BackupCopyStackProps) {
    const removalPolicy = dataRemovalPolicy(props.config);
    super(scope, id, {
      ...props,
      // Region-specific, account-agnostic: the account is the one the CLI deploys the stage with.
      env: { region: props.copyRegion },
      terminationProtection: props.config.dataRemoval === 'retain',
    });
    this.vault = new StageBackupVault(this, 'CopyVault', {
      vaultName: props.vaultName,
      customerManagedKey: props.config.encryption.customerManagedKeys,
      lock: props.lock,
      removalPolicy,
    });
  }
}
