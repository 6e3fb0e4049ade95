import {
  ConfigError,
  type AlarmKind,
  type AlarmSetting,
  loadStageConfig,
  STAGE_CONFIGS,
  stageLabel,
  validateStageConfig,
  type StageConfig,
} from '../../lib/config';
import { synthStage } from './helpers/app';

/** A copy of a stage config with one part changed. */
function withChange(stage: 'dev' | 'prod', change: (c: StageConfig) => object): StageConfig {
  const base = structuredClone<StageConfig>(STAGE_CONFIGS[stage]);
  return { ...base, ...change(base) };
}

/** A change that replaces one alarm setting. */
function withAlarm(kind: AlarmKind, setting: AlarmSetting): (c: StageConfig) => object {
  return (c) => ({ monitoring: { ...c.monitoring, alarms: { ...c.monitoring.alarms, [kind]: setting } } });
}

describe('loadStageConfig', () => {
  it('defaults to dev when no stage is given', () => {
    expect(loadStageConfig(undefined).stage).toBe('dev');
    expect(loadStageConfig('').stage).toBe('dev');
  });

  it('returns the prod config for -c stage=prod', () => {
    expect(loadStageConfig('prod')).toBe(STAGE_CONFIGS.prod);
  });

  it('rejects an unknown stage, naming the setting and the allowed values', () => {
    expect(() => loadStageConfig('staging')).toThrow(ConfigError);
    expect(() => loadStageConfig('staging')).toThrow(/stage must be one of dev, prod \(got "staging"\)/);
  });

  it('labels stages for stack ids', () => {
    expect(stageLabel('dev')).toBe('Dev');
    expect(stageLabel('prod')).toBe('Prod');
  });
});

describe('validateStageConfig', () => {
  it.each(['dev', 'prod'] as const)('accepts the shipped %s config', (stage) => {
    expect(validateStageConfig(STAGE_CONFIGS[stage])).toBe(STAGE_CONFIGS[stage]);
  });

  const cases: Array<[string, 'dev' | 'prod', (c: StageConfig) => object, RegExp]> = [
    [
      'database min capacity above max',
      'dev',
      (c) => ({ database: { ...c.database, minCapacity: 4, maxCapacity: 2 } }),
      /database\.minCapacity must not exceed database\.maxCapacity \(4 > 2\)/,
    ],
    [
      'database min capacity below what RDS Proxy allows',
      'dev',
      (c) => ({ database: { ...c.database, minCapacity: 0 } }),
      /database\.minCapacity must be between 0\.5 and 256/,
    ],
    [
      'capacity that is not a multiple of 0.5 ACU',
      'dev',
      (c) => ({ database: { ...c.database, maxCapacity: 2.3 } }),
      /database\.minCapacity\/maxCapacity must be multiples of 0\.5 ACU/,
    ],
    [
      'provisioned read capacity min above max',
      'dev',
      (c) => ({
        photos: {
          ...c.photos,
          billing: {
            mode: 'provisioned',
            readCapacity: { min: 10, max: 5 },
            writeCapacity: { min: 1, max: 5 },
          },
        },
      }),
      /photos\.billing\.readCapacity\.min must not exceed readCapacity\.max \(10 > 5\)/,
    ],
    [
      'a log retention CloudWatch does not offer',
      'dev',
      () => ({ logRetentionDays: 10 }),
      /logRetentionDays must be one of 1, 3, 5, 7, 14/,
    ],
    [
      'a backup retention out of range',
      'dev',
      (c) => ({ database: { ...c.database, backupRetentionDays: 40 } }),
      /database\.backupRetentionDays must be between 1 and 35 \(got 40\)/,
    ],
    [
      'a cache snapshot retention out of range',
      'dev',
      (c) => ({ cache: { ...c.cache, snapshotRetentionDays: 36 } }),
      /cache\.snapshotRetentionDays must be between 0 and 35/,
    ],
    [
      'the default Redis port',
      'dev',
      (c) => ({ cache: { ...c.cache, port: 6379 } }),
      /cache\.port must not be the default Redis port 6379/,
    ],
    [
      'Multi-AZ cache without a replica',
      'dev',
      (c) => ({ cache: { ...c.cache, multiAz: true, replicas: 0 } }),
      /cache\.multiAz needs cache\.replicas >= 1/,
    ],
    [
      'a wildcard CORS origin',
      'dev',
      (c) => ({ api: { ...c.api, allowedOrigins: ['*'] } }),
      /api\.allowedOrigins must list origins explicitly/,
    ],
    [
      'a plain-http origin in prod',
      'prod',
      (c) => ({ api: { ...c.api, allowedOrigins: ['http://localhost:3000'] } }),
      /api\.allowedOrigins must be https:\/\/ origins \(got http:\/\/localhost:3000\)/,
    ],
    [
      'an upload URL that outlives the pending upload',
      'dev',
      (c) => ({ photos: { ...c.photos, pendingUploadTtlMinutes: 5, uploadUrlExpirySeconds: 600 } }),
      /photos\.uploadUrlExpirySeconds must not outlive photos\.pendingUploadTtlMinutes/,
    ],
    [
      'an alarm e-mail that is not an address',
      'dev',
      (c) => ({ monitoring: { ...c.monitoring, alarmEmail: 'ops-at-example' } }),
      /monitoring\.alarmEmail is not an e-mail address/,
    ],
    [
      'an alarm window longer than a day',
      'prod',
      withAlarm('auroraCpu', {
        threshold: 80,
        periodMinutes: 60,
        evaluationPeriods: 30,
        datapointsToAlarm: 3,
      }),
      /monitoring\.alarms\.auroraCpu\.evaluationPeriods times periodMinutes must not exceed one day/,
    ],
    [
      'more datapoints to alarm than periods evaluated',
      'dev',
      withAlarm('lambdaErrors', {
        threshold: 1,
        periodMinutes: 5,
        evaluationPeriods: 2,
        datapointsToAlarm: 3,
      }),
      /monitoring\.alarms\.lambdaErrors\.datapointsToAlarm must be between 1 and evaluationPeriods \(got 3 of 2\)/,
    ],
    [
      'a percentage threshold above 100',
      'dev',
      withAlarm('cacheMemory', {
        threshold: 120,
        periodMinutes: 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      }),
      /monitoring\.alarms\.cacheMemory\.threshold must be between 0\.1 and 100/,
    ],
    [
      'a paused cluster behind RDS Proxy',
      'dev',
      (c) => ({ database: { ...c.database, proxy: true, minCapacity: 0 } }),
      /database\.minCapacity must be between 0\.5 and 256/,
    ],
    [
      'prod without RDS Proxy',
      'prod',
      (c) => ({ database: { ...c.database, proxy: false } }),
      /database\.proxy must be true in prod/,
    ],
    [
      'a prod config that destroys data on removal',
      'prod',
      () => ({ dataRemoval: 'destroy' }),
      /dataRemoval must be "retain" in prod: removing the stack would destroy data/,
    ],
    [
      'prod without table deletion protection',
      'prod',
      (c) => ({ photos: { ...c.photos, deletionProtection: false } }),
      /photos\.deletionProtection must be true in prod/,
    ],
    [
      'prod without database deletion protection',
      'prod',
      (c) => ({ database: { ...c.database, deletionProtection: false } }),
      /database\.deletionProtection must be true in prod/,
    ],
    [
      'prod with less than 7 days of backups',
      'prod',
      (c) => ({ database: { ...c.database, backupRetentionDays: 3 } }),
      /database\.backupRetentionDays must be at least 7 in prod/,
    ],
    [
      'prod without a reader for failover',
      'prod',
      (c) => ({ database: { ...c.database, readers: 0 } }),
      /database\.readers must be at least 1 in prod/,
    ],
    [
      'prod with a single-AZ cache',
      'prod',
      (c) => ({ cache: { ...c.cache, multiAz: false } }),
      /cache\.multiAz must be true in prod/,
    ],
    [
      'prod without cache snapshots',
      'prod',
      (c) => ({ cache: { ...c.cache, snapshotRetentionDays: 0 } }),
      /cache\.snapshotRetentionDays must be at least 1 in prod/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, stage, change, message) => {
    const config = withChange(stage, change);
    expect(() => validateStageConfig(config)).toThrow(ConfigError);
    expect(() => validateStageConfig(config)).toThrow(message);
  });

  it('fails synth itself on a bad setting, before any resource is built', () => {
    expect(() =>
      synthStage('dev', {
        configure: (c) => ({ ...c, database: { ...c.database, minCapacity: 8, maxCapacity: 4 } }),
      }),
    ).toThrow(/database\.minCapacity must not exceed database\.maxCapacity/);
  });
});
