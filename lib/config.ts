/**
 * Typed stage configuration.
 *
 * Every knob that differs between a cheap, disposable `dev` stage and the
 * production-grade `prod` stage lives here, and nowhere else. The config is
 * validated at synth time so that a bad value fails `cdk synth` with a message
 * naming the setting, rather than failing half-way through a deployment.
 */

export const STAGE_NAMES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** What happens to stateful resources when their stack is deleted. */
export type DataRemoval = 'destroy' | 'retain';

/** Log retention values that CloudWatch Logs accepts, in days. */
export const VALID_LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type PhotoTableBilling =
  | { readonly mode: 'onDemand' }
  | {
      readonly mode: 'provisioned';
      /** Read capacity units, auto scaled between min and max. */
      readonly readCapacity: { readonly min: number; readonly max: number };
      /** Write capacity units, auto scaled between min and max. */
      readonly writeCapacity: { readonly min: number; readonly max: number };
    };

export interface ApiConfig {
  /** Steady-state requests per second for the whole stage. */
  readonly throttleRateLimit: number;
  /** Burst bucket size for the whole stage. */
  readonly throttleBurstLimit: number;
  /** Browser origins allowed by CORS on the API and the photo bucket. */
  readonly allowedOrigins: readonly string[];
  /**
   * Reserved concurrency of the functions that talk to Aurora, which caps the
   * connections they can open through RDS Proxy. Unset in dev: sandbox
   * accounts often have too little concurrency to reserve any.
   */
  readonly databaseFunctionConcurrency?: number;
}

export interface PhotoStoreConfig {
  readonly billing: PhotoTableBilling;
  /** Refuse `DeleteTable` while set. */
  readonly deletionProtection: boolean;
  /** How long a pending upload may wait for its bytes before TTL removes it. */
  readonly pendingUploadTtlMinutes: number;
  /** How long a presigned upload URL stays valid. */
  readonly uploadUrlExpirySeconds: number;
  /** How long a presigned download URL stays valid. */
  readonly downloadUrlExpirySeconds: number;
  /** How long a non-current version of a photo object is kept. */
  readonly noncurrentVersionExpirationDays: number;
  /** Uploads one user may have pending at once (beyond it POST /photos answers 429). */
  readonly maxPendingUploadsPerUser: number;
}

export interface DatabaseConfig {
  /**
   * RDS Proxy in front of Aurora (connection pooling, fast failover). It bills
   * at least 8 ACUs every hour whatever the load, so a disposable stage may
   * turn it off; handlers then connect to the writer directly (still IAM auth
   * over TLS) and the cluster may pause at 0 ACU. Required in prod.
   */
  readonly proxy: boolean;
  /** Aurora Serverless v2 minimum ACUs; at least 0.5 with a proxy (it cannot front a paused cluster), 0 lets the cluster auto-pause. */
  readonly minCapacity: number;
  /** Aurora Serverless v2 maximum ACUs. */
  readonly maxCapacity: number;
  /** Number of Serverless v2 readers beside the writer (failover targets). */
  readonly readers: number;
  /** Automated backup retention, 1-35 days. */
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  /** Days between automatic rotations of the admin credentials. */
  readonly secretRotationDays: number;
}

export interface CacheConfig {
  /** ElastiCache node type. */
  readonly nodeType: string;
  /** Replicas beside the primary; at least 1 for Multi-AZ failover. */
  readonly replicas: number;
  /** Multi-AZ with automatic failover (needs a replica). */
  readonly multiAz: boolean;
  /** Daily snapshots kept; 0 disables snapshots. */
  readonly snapshotRetentionDays: number;
  /** A non-default port makes blind scans for 6379 miss. */
  readonly port: number;
  /** Time to live of a cached profile; the handlers add jitter. */
  readonly profileTtlSeconds: number;
}

/**
 * Every alarm kind the app raises. Units are fixed per kind (see
 * `ALARM_UNITS`); the alarm catalog in lib/constructs/alarm-catalog.ts says
 * which metric each one watches.
 */
export const ALARM_KINDS = [
  'api5xxRate',
  'apiLatencyP90',
  'lambdaErrors',
  'lambdaThrottles',
  'lambdaDurationP90',
  'streamIteratorAge',
  'deadLetterMessages',
  'tableThrottles',
  'tableSystemErrors',
  'auroraCpu',
  'auroraAcuUtilization',
  'auroraConnections',
  'proxyBorrowLatency',
  'cacheEngineCpu',
  'cacheMemory',
  'cacheEvictions',
  'cacheReplicationLag',
  'rotationErrors',
  'topicDeliveryFailures',
  'userPoolThrottles',
  'failedStreamRecords',
  'cacheErrors',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export const ALARM_UNITS: Readonly<Record<AlarmKind, 'percent' | 'milliseconds' | 'count' | 'seconds'>> = {
  api5xxRate: 'percent',
  apiLatencyP90: 'milliseconds',
  lambdaErrors: 'count',
  lambdaThrottles: 'count',
  lambdaDurationP90: 'percent',
  streamIteratorAge: 'milliseconds',
  deadLetterMessages: 'count',
  tableThrottles: 'count',
  tableSystemErrors: 'count',
  auroraCpu: 'percent',
  auroraAcuUtilization: 'percent',
  auroraConnections: 'count',
  proxyBorrowLatency: 'milliseconds',
  cacheEngineCpu: 'percent',
  cacheMemory: 'percent',
  cacheEvictions: 'count',
  cacheReplicationLag: 'seconds',
  rotationErrors: 'count',
  topicDeliveryFailures: 'count',
  userPoolThrottles: 'count',
  failedStreamRecords: 'count',
  cacheErrors: 'count',
};

/** When one alarm fires: value >= threshold in `datapointsToAlarm` of `evaluationPeriods` periods. */
export interface AlarmSetting {
  /** In the kind's unit (`ALARM_UNITS`). */
  readonly threshold: number;
  /** Length of one period, in minutes. */
  readonly periodMinutes: number;
  /** Periods looked at. */
  readonly evaluationPeriods: number;
  /** Breaching periods among them that fire the alarm. */
  readonly datapointsToAlarm: number;
}

export interface MonitoringConfig {
  /** Optional address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Threshold and evaluation window of every alarm kind. */
  readonly alarms: Readonly<Record<AlarmKind, AlarmSetting>>;
}

const alarm = (
  threshold: number,
  periodMinutes: number,
  evaluationPeriods: number,
  datapointsToAlarm = evaluationPeriods,
): AlarmSetting => ({ threshold, periodMinutes, evaluationPeriods, datapointsToAlarm });

/** Dev: loose enough that a developer's experiments do not page anyone. */
const DEV_ALARMS: Record<AlarmKind, AlarmSetting> = {
  api5xxRate: alarm(5, 5, 3),
  apiLatencyP90: alarm(2000, 5, 3),
  lambdaErrors: alarm(5, 5, 3),
  lambdaThrottles: alarm(5, 5, 3),
  lambdaDurationP90: alarm(90, 5, 3),
  streamIteratorAge: alarm(300_000, 5, 3),
  deadLetterMessages: alarm(1, 5, 1),
  tableThrottles: alarm(10, 5, 3),
  tableSystemErrors: alarm(5, 5, 3),
  auroraCpu: alarm(90, 5, 3),
  auroraAcuUtilization: alarm(95, 5, 3),
  auroraConnections: alarm(200, 5, 3),
  proxyBorrowLatency: alarm(500, 5, 3),
  cacheEngineCpu: alarm(90, 5, 3),
  cacheMemory: alarm(90, 5, 3),
  cacheEvictions: alarm(100, 5, 3),
  cacheReplicationLag: alarm(5, 1, 5, 3),
  // A failed rotation or an undelivered alarm needs a person whatever the stage.
  rotationErrors: alarm(1, 5, 1),
  topicDeliveryFailures: alarm(1, 5, 1),
  userPoolThrottles: alarm(10, 5, 3),
  failedStreamRecords: alarm(10, 5, 3),
  cacheErrors: alarm(50, 5, 3),
};

/** Prod: tighter thresholds and shorter windows, so people hear of trouble before users do. */
const PROD_ALARMS: Record<AlarmKind, AlarmSetting> = {
  api5xxRate: alarm(1, 1, 5, 3),
  apiLatencyP90: alarm(1000, 1, 5, 3),
  lambdaErrors: alarm(1, 1, 5, 3),
  lambdaThrottles: alarm(1, 1, 5, 3),
  lambdaDurationP90: alarm(80, 1, 5, 3),
  streamIteratorAge: alarm(60_000, 1, 5, 3),
  deadLetterMessages: alarm(1, 1, 1),
  tableThrottles: alarm(1, 1, 5, 3),
  tableSystemErrors: alarm(1, 1, 5, 3),
  auroraCpu: alarm(80, 5, 3),
  auroraAcuUtilization: alarm(90, 5, 3),
  auroraConnections: alarm(800, 5, 3),
  proxyBorrowLatency: alarm(100, 1, 5, 3),
  cacheEngineCpu: alarm(80, 5, 3),
  cacheMemory: alarm(80, 5, 3),
  cacheEvictions: alarm(1, 5, 3),
  cacheReplicationLag: alarm(1, 1, 5, 3),
  rotationErrors: alarm(1, 5, 1),
  topicDeliveryFailures: alarm(1, 5, 1),
  userPoolThrottles: alarm(1, 5, 3),
  // Retries and bisection make one failure a blip; failures in three periods in a row are not.
  failedStreamRecords: alarm(1, 5, 3),
  // Handlers carry on without the cache, so only sustained errors call for a person.
  cacheErrors: alarm(10, 5, 3),
};

export interface StageConfig {
  readonly stage: StageName;
  /** Stateful resources: destroyed with the stack (dev) or kept (prod). */
  readonly dataRemoval: DataRemoval;
  /** Retention of every log group the app creates, in days. */
  readonly logRetentionDays: number;
  readonly api: ApiConfig;
  readonly photos: PhotoStoreConfig;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly monitoring: MonitoringConfig;
}

export const STAGE_CONFIGS: Readonly<Record<StageName, StageConfig>> = {
  dev: {
    stage: 'dev',
    dataRemoval: 'destroy',
    logRetentionDays: 14,
    api: {
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      allowedOrigins: ['http://localhost:5173'],
    },
    photos: {
      billing: { mode: 'onDemand' },
      deletionProtection: false,
      pendingUploadTtlMinutes: 60,
      uploadUrlExpirySeconds: 300,
      downloadUrlExpirySeconds: 300,
      noncurrentVersionExpirationDays: 7,
      maxPendingUploadsPerUser: 20,
    },
    database: {
      proxy: true,
      minCapacity: 0.5,
      maxCapacity: 2,
      readers: 0,
      backupRetentionDays: 1,
      deletionProtection: false,
      secretRotationDays: 30,
    },
    cache: {
      nodeType: 'cache.t4g.micro',
      replicas: 0,
      multiAz: false,
      snapshotRetentionDays: 0,
      port: 6380,
      profileTtlSeconds: 300,
    },
    monitoring: { alarms: DEV_ALARMS },
  },
  prod: {
    stage: 'prod',
    dataRemoval: 'retain',
    logRetentionDays: 365,
    api: {
      throttleRateLimit: 500,
      throttleBurstLimit: 1000,
      allowedOrigins: ['https://photos.example.com'],
      databaseFunctionConcurrency: 100,
    },
    photos: {
      billing: { mode: 'onDemand' },
      deletionProtection: true,
      pendingUploadTtlMinutes: 60,
      uploadUrlExpirySeconds: 300,
      downloadUrlExpirySeconds: 300,
      noncurrentVersionExpirationDays: 30,
      maxPendingUploadsPerUser: 20,
    },
    database: {
      proxy: true,
      minCapacity: 0.5,
      maxCapacity: 16,
      readers: 1,
      backupRetentionDays: 14,
      deletionProtection: true,
      secretRotationDays: 30,
    },
    cache: {
      nodeType: 'cache.t4g.small',
      replicas: 1,
      multiAz: true,
      snapshotRetentionDays: 7,
      port: 6380,
      profileTtlSeconds: 300,
    },
    monitoring: { alarms: PROD_ALARMS },
  },
};

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
export function validateStageConfig(config: StageConfig): StageConfig {
  const s = config.stage;
  check((STAGE_NAMES as readonly string[]).includes(s), 'stage', `must be one of ${STAGE_NAMES.join(', ')}`);
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
      /^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(origin) || (local && s !== 'prod'),
      'api.allowedOrigins',
      `must be https:// origins${s === 'prod' ? '' : ' or http://localhost'} (got ${origin})`,
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
    if (ALARM_UNITS[kind] === 'percent') {
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

  if (s === 'prod') {
    check(
      config.dataRemoval === 'retain',
      'dataRemoval',
      'must be "retain" in prod: removing the stack would destroy data',
    );
    check(photos.deletionProtection, 'photos.deletionProtection', 'must be true in prod');
    check(db.deletionProtection, 'database.deletionProtection', 'must be true in prod');
    check(db.backupRetentionDays >= 7, 'database.backupRetentionDays', 'must be at least 7 in prod');
    check(db.readers >= 1, 'database.readers', 'must be at least 1 in prod, for failover');
    check(
      db.proxy,
      'database.proxy',
      'must be true in prod: handlers need pooled connections and fast failover',
    );
    check(cache.multiAz, 'cache.multiAz', 'must be true in prod');
    check(cache.snapshotRetentionDays >= 1, 'cache.snapshotRetentionDays', 'must be at least 1 in prod');
  }
  return config;
}

/** Resolves the `stage` context value (default `dev`) to a validated config. */
export function loadStageConfig(stage: unknown): StageConfig {
  const name = stage === undefined || stage === null || stage === '' ? 'dev' : stage;
  if (typeof name !== 'string' || !(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(
      `Invalid stage config: stage must be one of ${STAGE_NAMES.join(', ')} (got ${JSON.stringify(name)}); pass -c stage=dev or -c stage=prod`,
    );
  }
  return validateStageConfig(STAGE_CONFIGS[name as StageName]);
}

/** `dev` -> `Dev`, used in stack ids such as `PhotoApp-Dev-Data`. */
export function stageLabel(stage: StageName): string {
  return stage.charAt(0).toUpperCase() + stage.slice(1);
}
