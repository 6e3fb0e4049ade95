import { Tags, type App } from 'aws-cdk-lib';
import { ConfigError, stageLabel, type StageConfig } from './config';
import { lockWindow } from './constructs/backup-vault';
import { ProfileDatabase } from './constructs/profile-database';
import { KNOWN_GOOD_REGIONS, missingServices, type RegionNeeds } from './regions';
import { ApiStack } from './stacks/api-stack';
import { BackupCopyStack } from './stacks/backup-copy-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';

/**
 * Types whose `Tags` property CDK renders but the CloudFormation resource
 * schemas of some regions do not carry (cfn-lint reports E3002 for them):
 * tags there would fail a deploy where the schema is older.
 */
export const UNTAGGED_RESOURCE_TYPES = [
  'AWS::RDS::DBProxyTargetGroup',
  'AWS::CloudWatch::Dashboard',
] as const;

export interface PhotoAppOptions {
  /**
   * The region the stacks are meant for, if known (the CLI passes the
   * profile's region). Only checked against what the app needs; the stacks
   * stay environment-agnostic either way. @default - not checked
   */
  readonly targetRegion?: string;
}

/** What the stage needs from its region. */
export function regionNeeds(config: StageConfig): RegionNeeds {
  return {
    // The schema migrations run through the Data API at deploy time.
    dataApi: true,
    rdsProxy: config.database.proxy,
    auroraPostgresVersion: ProfileDatabase.ENGINE_VERSION.auroraPostgresFullVersion,
    restoreTesting: config.backup.restoreTesting,
  };
}

/** Fails synth, naming what is missing, for a region documented to lack something the stage needs. */
export function checkTargetRegion(region: string, config: StageConfig): void {
  if (config.backup.copyRegion === region) {
    throw new ConfigError(
      `backup.copyRegion of the ${config.stage} stage is ${region}, the Region it deploys to; ` +
        'copies there would not survive the loss of that Region. Pick another Region.',
    );
  }
  const regions = [region, ...(config.disasterRecovery ? [config.disasterRecovery.region] : [])];
  for (const where of regions) {
    const missing = missingServices(where, regionNeeds(config));
    if (missing.length > 0) {
      throw new ConfigError(
        `Region ${where} does not offer ${missing.join(', ')}, which the ${config.stage} stage needs. ` +
          `Regions where the app is known to deploy: ${KNOWN_GOOD_REGIONS.join(', ')}.`,
      );
    }
  }
}

export interface PhotoAppStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly monitoring: MonitoringStack;
  /** The vault for copies of the recovery points in config.backup.copyRegion. @default - no copies */
  readonly backupCopy?: BackupCopyStack;
}

/**
 * Builds the stacks of one stage: `PhotoApp-<Stage>-Network|Data|Api|Monitoring`.
 * Stacks are account-agnostic, and Region-agnostic unless the stage pins `region`, so synth needs
 * no credentials and performs no lookups.
 */
export function buildPhotoApp(app: App, config: StageConfig, options: PhotoAppOptions = {}): PhotoAppStacks {
  // A pinned stage deploys to its own Region whatever the CLI's is.
  const targetRegion = config.region ?? options.targetRegion;
  if (targetRegion !== undefined) {
    checkTargetRegion(targetRegion, config);
  }
  const env = config.region !== undefined ? { region: config.region } : undefined;
  const prefix = `PhotoApp-${stageLabel(config.stage)}`;
  const description = (what: string) => `Photo-sharing reference architecture (${config.stage}): ${what}`;

  const network = new NetworkStack(app, `${prefix}-Network`, {
    config,
    env,
    description: description(
      config.encryption.customerManagedKeys
        ? 'VPC, endpoints, flow logs and customer-managed keys'
        : 'VPC, endpoints and flow logs',
    ),
  });
  const { backup } = config;
  const backupLock =
    backup.vaultLock && lockWindow(backup.vaultLock, [backup.dailyRetentionDays, backup.weeklyRetentionDays]);
  const backupCopyVault = backup.copyRegion
    ? { region: backup.copyRegion, vaultName: `photoapp-${config.stage}-backup-copies` }
    : undefined;
  const backupCopy =
    backupCopyVault &&
    new BackupCopyStack(app, `${prefix}-BackupCopy`, {
      config,
      copyRegion: backupCopyVault.region,
      vaultName: backupCopyVault.vaultName,
      lock: backupLock,
      description: description(`vault for copies of the recovery points in ${backupCopyVault.region}`),
    });
  const data = new DataStack(app, `${prefix}-Data`, {
    config,
    env,
    backupLock,
    backupCopyVault,
    disasterRecovery: config.disasterRecovery && { region: config.disasterRecovery.region },
    network: network.network,
    dataKeys: network.dataKeys,
    description: description('users, photos, metadata, profiles and cache'),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    env,
    network: network.network,
    users: data.users,
    photoBucket: data.photoBucket,
    photoTable: data.photoTable,
    profileDatabase: data.profileDatabase,
    profileCache: data.profileCache,
    dataKeys: network.dataKeys,
    description: description('HTTP API and event handlers'),
  });
  const migrations = data.schemaMigrations.runner;
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    config,
    env,
    api: api.api,
    functions: [
      ...api.monitoredFunctions,
      {
        name: migrations.serviceName,
        function: migrations.function,
        timeout: migrations.timeout,
        serviceName: migrations.serviceName,
      },
    ],
    deadLetterQueues: api.deadLetterQueues,
    photoTable: data.photoTable,
    profileDatabase: data.profileDatabase,
    profileCache: data.profileCache,
    users: data.users,
    backupVault: data.backupPlan.vault.vault,
    description: description('alarms and dashboard'),
  });

  // The copy actions name the copy vault, which must exist first: `cdk deploy --all` follows this.
  if (backupCopy)
    data.addStackDependency(backupCopy, 'the backup plan copies recovery points into its vault');

  for (const stack of [network, data, api, monitoring, ...(backupCopy ? [backupCopy] : [])]) {
    for (const [key, value] of Object.entries({ project: 'photo-sharing-reference', stage: config.stage })) {
      Tags.of(stack).add(key, value, { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] });
    }
  }
  return { network, data, api, monitoring, ...(backupCopy ? { backupCopy } : {}) };
}
