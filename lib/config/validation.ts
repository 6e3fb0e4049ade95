/**
 * Validation of a stage config at synth time, so that a bad value fails
 * `cdk synth` with a message naming the setting, rather than failing half-way
 * through a deployment. The rules that protect data follow the stage's
 * `protection`, never its name.
 */
import { MAX_FEED_SHARDS } from '../../contract/environment';
import { ALARM_CATALOG, ALARM_KINDS } from '../alarm-catalog';
import { KNOWN_GOOD_REGIONS } from '../regions';
import { feedWriteLoad, minimumFeedShards } from './feed-capacity';
import type { StageConfig, StageProtection } from './schema';
import { STAGE_NAME_PATTERN } from './stage-name';

/** Log retention values that CloudWatch Logs accepts, in days. */
export const VALID_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const PROTECTIONS: readonly StageProtection[] = ['production', 'disposable'];

/** What a Region name looks like (`us-west-2`, `ap-southeast-5`). */
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Raised for any invalid stage configuration; the message names the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function check(condition: boolean, setting: string, message: string): void {
  if (!condition) {
    throw new ConfigError(`Invalid stage config: ${setting} ${message}`);
  }
}

function checkRange(value: number, setting: string, min: number, max: number): void {
  check(
    Number.isFinite(value) && value >= min && value <= max,
    setting,
    `must be between ${min} and ${max} (got ${value})`,
  );
}

/** Validates a stage config and returns it unchanged, or throws a ConfigError. */
export function validateStageConfig<Config extends StageConfig>(config: Config): Config {
  check(
    STAGE_NAME_PATTERN.test(config.stage),
    'stage',
    `must be lowercase letters and digits, starting with a letter, at most 16 characters (got ${JSON.stringify(config.stage)})`,
  );
  check(
    PROTECTIONS.includes(config.protection),
    'protection',
    `must be one of ${PROTECTIONS.join(', ')} (got ${JSON.stringify(config.protection)})`,
  );
  const production = config.protection === 'production';
  check(
    (VALID_LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays),
    'logRetentionDays',
    `must be one of ${VALID_LOG_RETENTION_DAYS.join(', ')} (got ${config.logRetentionDays})`,
  );

  const { api } = config;
  checkRange(api.throttleRateLimit, 'api.throttleRateLimit', 1, 10_000);
  checkRange(api.throttleBurstLimit, 'api.throttleBurstLimit', 1, 5_000);
  if (api.databaseFunctionConcurrency !== undefined) {
    checkRange(api.databaseFunctionConcurrency, 'api.databaseFunctionConcurrency', 1, 1000);
  }
  check(api.allowedOrigins.length > 0, 'api.allowedOrigins', 'must name at least one origin');
  for (const origin of api.allowedOrigins) {
    check(origin !== '*', 'api.allowedOrigins', 'must list origins explicitly, not "*"');
    const local = /^http:\/\/localhost(:\d+)?$/.test(origin);
    check(
      /^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(origin) || (local && !production),
      'api.allowedOrigins',
      `must be https:// origins${production ? ' in a production stage' : ' or http://localhost'} (got ${origin})`,
    );
  }

  const { photos } = config;
  if (photos.billing.mode === 'provisioned') {
    const { readCapacity, writeCapacity } = photos.billing;
    checkRange(readCapacity.min, 'photos.billing.readCapacity.min', 1, 40_000);
    checkRange(writeCapacity.min, 'photos.billing.writeCapacity.min', 1, 40_000);
    check(
      readCapacity.min <= readCapacity.max,
      'photos.billing.readCapacity.min',
      `must not exceed readCapacity.max (${readCapacity.min} > ${readCapacity.max})`,
    );
    check(
      writeCapacity.min <= writeCapacity.max,
      'photos.billing.writeCapacity.min',
      `must not exceed writeCapacity.max (${writeCapacity.min} > ${writeCapacity.max})`,
    );
  }
  checkRange(photos.pendingUploadTtlMinutes, 'photos.pendingUploadTtlMinutes', 5, 24 * 60);
  checkRange(photos.uploadUrlExpirySeconds, 'photos.uploadUrlExpirySeconds', 60, 3600);
  check(
    photos.uploadUrlExpirySeconds <= photos.pendingUploadTtlMinutes * 60,
    'photos.uploadUrlExpirySeconds',
    'must not outlive photos.pendingUploadTtlMinutes, or a valid URL could upload into an expired photo',
  );
  checkRange(photos.downloadUrlExpirySeconds, 'photos.downloadUrlExpirySeconds', 60, 3600);
  checkRange(photos.noncurrentVersionExpirationDays, 'photos.noncurrentVersionExpirationDays', 1, 3650);
  checkRange(photos.maxPendingUploadsPerUser, 'photos.maxPendingUploadsPerUser', 1, 1000);
  checkRange(photos.feedShards, 'photos.feedShards', 1, MAX_FEED_SHARDS);
  check(
    Number.isInteger(photos.feedShards),
    'photos.feedShards',
    `must be a whole number (got ${photos.feedShards})`,
  );
  const feedShardsNeeded = minimumFeedShards(api);
  const feedLoad = feedWriteLoad(api);
  check(
    photos.feedShards >= feedShardsNeeded,
    'photos.feedShards',
    `must be at least ${feedShardsNeeded} for the API throttle (got ${photos.feedShards}): ` +
      `${feedLoad.sustainedUnitsPerSecond} feed write units a second sustained and ${feedLoad.worstSecondUnits} ` +
      'in the worst second must fit the shards (lib/config/feed-capacity.ts)',
  );

  const db = config.database;
  checkRange(db.minCapacity, 'database.minCapacity', db.proxy ? 0.5 : 0, 256);
  if (db.proxy) {
    check(
      db.minCapacity >= 0.5,
      'database.minCapacity',
      'must be at least 0.5 with database.proxy: RDS Proxy cannot front a paused cluster',
    );
  }
  checkRange(db.maxCapacity, 'database.maxCapacity', 1, 256);
  check(
    db.minCapacity <= db.maxCapacity,
    'database.minCapacity',
    `must not exceed database.maxCapacity (${db.minCapacity} > ${db.maxCapacity})`,
  );
  check(
    Number.isInteger(db.minCapacity * 2) && Number.isInteger(db.maxCapacity * 2),
    'database.minCapacity/maxCapacity',
    'must be multiples of 0.5 ACU',
  );
  checkRange(db.readers, 'database.readers', 0, 15);
  checkRange(db.backupRetentionDays, 'database.backupRetentionDays', 1, 35);
  checkRange(db.secretRotationDays, 'database.secretRotationDays', 1, 365);

  const cache = config.cache;
  check(
    /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cache.nodeType),
    'cache.nodeType',
    `is not a node type (got ${cache.nodeType})`,
  );
  checkRange(cache.replicas, 'cache.replicas', 0, 5);
  check(!cache.multiAz || cache.replicas >= 1, 'cache.multiAz', 'needs cache.replicas >= 1');
  checkRange(cache.snapshotRetentionDays, 'cache.snapshotRetentionDays', 0, 35);
  checkRange(cache.port, 'cache.port', 1024, 65535);
  checkRange(cache.profileTtlSeconds, 'cache.profileTtlSeconds', 10, 86_400);
  check(cache.port !== 6379, 'cache.port', 'must not be the default Redis port 6379');

  const email = config.monitoring.alarmEmail;
  check(
    email === undefined || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email),
    'monitoring.alarmEmail',
    `is not an e-mail address (got ${email})`,
  );

  for (const kind of ALARM_KINDS) {
    const setting = config.monitoring.alarms[kind];
    const name = `monitoring.alarms.${kind}`;
    check(setting !== undefined, name, 'is missing');
    check(setting.threshold > 0, `${name}.threshold`, `must be positive (got ${setting.threshold})`);
    if (ALARM_CATALOG[kind].unit.startsWith('percent')) {
      checkRange(setting.threshold, `${name}.threshold`, 0.1, 100);
    }
    check(
      Number.isInteger(setting.periodMinutes) && setting.periodMinutes >= 1 && setting.periodMinutes <= 60,
      `${name}.periodMinutes`,
      `must be a whole number of minutes from 1 to 60 (got ${setting.periodMinutes})`,
    );
    check(
      Number.isInteger(setting.evaluationPeriods) && setting.evaluationPeriods >= 1,
      `${name}.evaluationPeriods`,
      'must be a positive whole number',
    );
    check(
      setting.evaluationPeriods * setting.periodMinutes <= 24 * 60,
      `${name}.evaluationPeriods`,
      'times periodMinutes must not exceed one day',
    );
    check(
      Number.isInteger(setting.datapointsToAlarm) &&
        setting.datapointsToAlarm >= 1 &&
        setting.datapointsToAlarm <= setting.evaluationPeriods,
      `${name}.datapointsToAlarm`,
      `must be between 1 and evaluationPeriods (got ${setting.datapointsToAlarm} of ${setting.evaluationPeriods})`,
    );
  }

  const { backup } = config;
  checkRange(backup.dailyRetentionDays, 'backup.dailyRetentionDays', 1, 35);
  checkRange(backup.weeklyRetentionDays, 'backup.weeklyRetentionDays', 7, 36_500);
  check(
    backup.weeklyRetentionDays >= backup.dailyRetentionDays,
    'backup.weeklyRetentionDays',
    `must not be shorter than backup.dailyRetentionDays (${backup.weeklyRetentionDays} < ${backup.dailyRetentionDays})`,
  );
  if (backup.vaultLock?.mode === 'compliance') {
    // AWS::Backup::BackupVault LockConfiguration: ChangeableForDays must be 3 or greater.
    checkRange(backup.vaultLock.changeableForDays, 'backup.vaultLock.changeableForDays', 3, 36_500);
  }
  if (backup.copyRegion !== undefined) {
    check(
      REGION_PATTERN.test(backup.copyRegion),
      'backup.copyRegion',
      `must be a Region name such as us-west-2 (got ${backup.copyRegion})`,
    );
  }
  if (config.region !== undefined) {
    check(
      REGION_PATTERN.test(config.region),
      'region',
      `must be a Region name such as us-east-1 (got ${config.region})`,
    );
  }
  const dr = config.disasterRecovery;
  if (dr !== undefined) {
    check(
      config.region !== undefined,
      'disasterRecovery',
      "needs region (the Region the stage deploys to): DynamoDB replicas need a primary stack pinned to a Region, and the second Region's stacks name the primary's",
    );
    check(
      REGION_PATTERN.test(dr.region),
      'disasterRecovery.region',
      `must be a Region name such as us-west-2 (got ${dr.region})`,
    );
    check(
      dr.region !== config.region,
      'disasterRecovery.region',
      `must be another Region than region (both are ${dr.region}): a copy in the same Region does not survive its loss`,
    );
    check(
      KNOWN_GOOD_REGIONS.includes(dr.region),
      'disasterRecovery.region',
      `must be a Region that lib/regions.ts lists as offering every service the app uses (got ${dr.region}; known: ${KNOWN_GOOD_REGIONS.join(', ')})`,
    );
    check(
      dr.activeRegion === undefined || dr.activeRegion === config.region || dr.activeRegion === dr.region,
      'disasterRecovery.activeRegion',
      `must be region (${config.region}) or disasterRecovery.region (${dr.region}) (got ${dr.activeRegion})`,
    );
    check(
      Number.isInteger(dr.secondaryInstances) && dr.secondaryInstances >= 1 && dr.secondaryInstances <= 15,
      'disasterRecovery.secondaryInstances',
      `must be a whole number from 1 to 15: the secondary cluster needs an instance to take over (got ${dr.secondaryInstances})`,
    );
  }
  const diagnostics = config.diagnostics;
  check(
    [0, 1, 5, 10, 15, 30, 60].includes(diagnostics.enhancedMonitoringIntervalSeconds),
    'diagnostics.enhancedMonitoringIntervalSeconds',
    'must be 0, 1, 5, 10, 15, 30 or 60',
  );

  if (production) {
    const required = (condition: boolean, setting: string, rule: string, why?: string) =>
      check(condition, setting, `${rule} in a production stage${why ? `: ${why}` : ''}`);
    required(
      config.dataRemoval === 'retain',
      'dataRemoval',
      'must be "retain"',
      'removing the stack would destroy data',
    );
    required(photos.deletionProtection, 'photos.deletionProtection', 'must be true');
    required(db.deletionProtection, 'database.deletionProtection', 'must be true');
    required(db.backupRetentionDays >= 7, 'database.backupRetentionDays', 'must be at least 7');
    required(db.readers >= 1, 'database.readers', 'must be at least 1', 'the failover target');
    required(
      db.proxy,
      'database.proxy',
      'must be true',
      'handlers need pooled connections and fast failover',
    );
    required(cache.multiAz, 'cache.multiAz', 'must be true');
    required(cache.snapshotRetentionDays >= 1, 'cache.snapshotRetentionDays', 'must be at least 1');
    required(backup.dailyRetentionDays >= 7, 'backup.dailyRetentionDays', 'must be at least 7');
    required(
      backup.vaultLock !== undefined,
      'backup.vaultLock',
      'must be set',
      'recovery points must outlive a compromised account',
    );
    required(
      backup.copyRegion !== undefined,
      'backup.copyRegion',
      'must be set',
      'recovery points must outlive the Region',
    );
    required(
      backup.restoreTesting,
      'backup.restoreTesting',
      'must be true',
      'a restore must be exercised, not assumed',
    );
    required(config.encryption.customerManagedKeys, 'encryption.customerManagedKeys', 'must be true');
    if (dr !== undefined) {
      // After a failover the secondary cluster is the stage's only writer: like the primary, it
      // needs a reader to fail over to within its Region (one writer and one reader).
      required(
        dr.secondaryInstances >= 2,
        'disasterRecovery.secondaryInstances',
        'must be at least 2',
        'once promoted, the secondary cluster needs a reader to fail over to, as the primary does',
      );
    }
  }
  return config;
}
