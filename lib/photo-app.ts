import { Tags, type App, type Stack } from 'aws-cdk-lib';
import { ConfigError, stageLabel, type StageConfig } from './config';
import { lockWindow } from './constructs/backup-vault';
import { ProfileDatabase } from './constructs/profile-database';
import { KNOWN_GOOD_REGIONS, missingServices, type RegionNeeds } from './regions';
import { ApiStack } from './stacks/api-stack';
import { disasterRecoveryPlan, servesWrites, type DisasterRecoveryPlan } from './disaster-recovery';
import { BackupCopyStack } from './stacks/backup-copy-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { SecondaryDataStack } from './stacks/secondary-data-stack';
import { SecondaryMonitoringStack } from './stacks/secondary-monitoring-stack';
import { SecondaryStorageStack } from './stacks/secondary-storage-stack';

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
  /** The second Region's network and keys (config.disasterRecovery). @default - no second Region */
  readonly secondaryNetwork?: NetworkStack;
  /** The photo bucket's replica in the second Region. @default - no second Region */
  readonly secondaryStorage?: SecondaryStorageStack;
  /** The second Region's Aurora secondary cluster, proxy and cache. @default - no second Region */
  readonly secondaryData?: SecondaryDataStack;
  /** The stateless stacks' copy in the second Region, a standby until promoted. @default - no second Region */
  readonly secondaryApi?: ApiStack;
  /** The second Region's alarms and dashboard. @default - no second Region */
  readonly secondaryMonitoring?: SecondaryMonitoringStack;
}

/** Every stack of a stage, in the order `buildPhotoApp` returns them. */
export function stacksOf(stacks: PhotoAppStacks): Stack[] {
  return (Object.values(stacks) as Array<Stack | undefined>).filter((s): s is Stack => s !== undefined);
}

/**
 * Builds the stacks of one stage: `PhotoApp-<Stage>-Network|Data|Api|Monitoring`, and with
 * `disasterRecovery` `PhotoApp-<Stage>-Secondary<Part>` in the second Region. Stacks are
 * account-agnostic, and Region-agnostic unless the stage pins `region`, so synth needs no
 * credentials and performs no lookups.
 */
export function buildPhotoApp(app: App, config: StageConfig, options: PhotoAppOptions = {}): PhotoAppStacks {
  // A pinned stage deploys to its own Region whatever the CLI's is.
  const targetRegion = config.region ?? options.targetRegion;
  if (targetRegion !== undefined) {
    checkTargetRegion(targetRegion, config);
  }
  const env = config.region !== undefined ? { region: config.region } : undefined;
  const plan = disasterRecoveryPlan(config);
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
  const secondaryStores = plan && buildSecondaryStores(app, config, plan, { prefix, description });
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
    disasterRecovery: plan && {
      region: plan.secondaryRegion,
      globalClusterIdentifier: plan.globalClusterIdentifier,
      replicaBucketName: plan.replicaBucketName,
      photoReplicationTimeControl: plan.config.photoReplicationTimeControl,
    },
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
    servesWrites: servesWrites(plan, plan?.primaryRegion ?? ''),
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
    replication: plan && {
      secondaryRegion: plan.secondaryRegion,
      photoBucket: data.photoBucket,
      replicaBucketName: plan.replicaBucketName,
      secondaryClusterIdentifier: plan.secondaryClusterIdentifier,
    },
    description: description('alarms and dashboard'),
  });

  // The copy actions name the copy vault, which must exist first: `cdk deploy --all` follows this.
  if (backupCopy)
    data.addStackDependency(backupCopy, 'the backup plan copies recovery points into its vault');

  const secondary =
    plan &&
    secondaryStores &&
    buildSecondaryRegion(app, config, plan, { prefix, description, data, stores: secondaryStores });

  const all = [network, data, api, monitoring, backupCopy, ...Object.values(secondary ?? {})];
  for (const stack of all.filter((s) => s !== undefined)) {
    for (const [key, value] of Object.entries({ project: 'photo-sharing-reference', stage: config.stage })) {
      Tags.of(stack).add(key, value, { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] });
    }
  }
  return { network, data, api, monitoring, ...(backupCopy ? { backupCopy } : {}), ...secondary };
}

interface Naming {
  readonly prefix: string;
  readonly description: (what: string) => string;
}

type SecondaryStores = Required<Pick<PhotoAppStacks, 'secondaryNetwork' | 'secondaryStorage'>>;

/**
 * What the primary Region's data stack needs to exist first in the second Region: its network and
 * keys, and the photo bucket's replica (the destination of the replication rule).
 */
function buildSecondaryStores(
  app: App,
  config: StageConfig,
  plan: DisasterRecoveryPlan,
  { prefix, description }: Naming,
): SecondaryStores {
  const env = { region: plan.secondaryRegion };
  const where = `in ${plan.secondaryRegion}, the second Region`;
  const secondaryNetwork = new NetworkStack(app, `${prefix}-SecondaryNetwork`, {
    config,
    env,
    // The admin secret's replica lives here, encrypted with this Region's secrets key (the data
    // stack names it by alias), so a promoted cluster can be administered with the primary Region
    // lost. Nothing rotates here (the primary's rotation updates the replica), hence no Secrets
    // Manager endpoint; the secondary cluster's storage gets a key.
    keyClasses: ['photos', 'logs', 'secrets', 'database'],
    secretsManagerEndpoint: false,
    description: description(`VPC, endpoints and keys ${where}`),
  });
  const secondaryStorage = new SecondaryStorageStack(app, `${prefix}-SecondaryStorage`, {
    config,
    plan,
    dataKeys: secondaryNetwork.dataKeys,
    description: description(`the photo bucket's replica ${where}`),
  });
  return { secondaryNetwork, secondaryStorage };
}

/**
 * The second Region's stacks that read the primary's, pinned there: `PhotoApp-<Stage>-Secondary<Part>`.
 * They name what they need of the primary Region by fixed names from the plan
 * (lib/disaster-recovery.ts) or through the one stack that copies its values into this Region
 * (SecondaryDataStack), and the stack dependencies give `cdk deploy --all` an order that works.
 */
function buildSecondaryRegion(
  app: App,
  config: StageConfig,
  plan: DisasterRecoveryPlan,
  {
    prefix,
    description,
    data,
    stores,
  }: Naming & { readonly data: DataStack; readonly stores: SecondaryStores },
): Required<Omit<PhotoAppStacks, 'network' | 'data' | 'api' | 'monitoring' | 'backupCopy'>> {
  const { secondaryNetwork, secondaryStorage } = stores;
  const where = `in ${plan.secondaryRegion}, the second Region`;
  // S3 refuses a replication rule whose destination bucket does not exist yet.
  data.addStackDependency(secondaryStorage, "its photo bucket replicates into the replica's bucket");
  const secondaryData = new SecondaryDataStack(app, `${prefix}-SecondaryData`, {
    config,
    plan,
    network: secondaryNetwork.network,
    dataKeys: secondaryNetwork.dataKeys,
    primary: data.forSecondRegion!,
    description: description(`Aurora secondary cluster, RDS Proxy, cache and the primary's names ${where}`),
  });
  // The secondary cluster joins the global database by its fixed identifier, so no reference
  // orders the two stacks: this does.
  secondaryData.addStackDependency(data, 'its cluster joins the global database of the data stack');
  const secondaryApi = new ApiStack(app, `${prefix}-SecondaryApi`, {
    config,
    env: { region: plan.secondaryRegion },
    network: secondaryNetwork.network,
    users: secondaryData.users,
    photoBucket: secondaryStorage.photoBucket,
    photoTable: secondaryData.photoTable,
    profileDatabase: secondaryData.profileDatabase,
    profileCache: secondaryData.profileCache,
    dataKeys: secondaryNetwork.dataKeys,
    servesWrites: servesWrites(plan, plan.secondaryRegion),
    description: description(`HTTP API and event handlers ${where} (a standby until promoted)`),
  });
  const secondaryMonitoring = new SecondaryMonitoringStack(app, `${prefix}-SecondaryMonitoring`, {
    config,
    plan,
    api: secondaryApi.api,
    functions: secondaryApi.monitoredFunctions,
    deadLetterQueues: secondaryApi.deadLetterQueues,
    photoTable: secondaryData.photoTable,
    profileDatabase: secondaryData.profileDatabase,
    profileCache: secondaryData.profileCache,
    description: description(`alarms and dashboard ${where}`),
  });
  return { secondaryNetwork, secondaryStorage, secondaryData, secondaryApi, secondaryMonitoring };
}
