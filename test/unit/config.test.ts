import {
  ConfigError,
  DEFAULT_STAGE,
  DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND,
  FEED_PARTITION_HEADROOM,
  FEED_WRITE_UNITS,
  feedWriteLoad,
  minimumFeedShards,
  type AlarmSetting,
  type DisasterRecoveryConfig,
  loadStageConfig,
  STAGE_CONFIGS,
  STAGE_NAMES,
  STAGES,
  stageLabel,
  validateStageConfig,
  type StageConfig,
  type StageName,
  type StageProtection,
} from '../../lib/config';
import type { AlarmKind } from '../../lib/alarm-catalog';
import { stageWith } from '../support/stages';

/** A copy of a config with one part changed. */
function withChange(base: StageConfig, change: (c: StageConfig) => object): StageConfig {
  const copy = structuredClone<StageConfig>(base);
  return { ...copy, ...change(copy) };
}

/** A change that replaces one alarm setting. */
function withAlarm(kind: AlarmKind, setting: AlarmSetting): (c: StageConfig) => object {
  return (c) => ({ monitoring: { ...c.monitoring, alarms: { ...c.monitoring.alarms, [kind]: setting } } });
}

describe('loadStageConfig', () => {
  it('defaults to the default stage when no stage is given', () => {
    expect(loadStageConfig(undefined).stage).toBe(DEFAULT_STAGE);
    expect(loadStageConfig('').stage).toBe(DEFAULT_STAGE);
  });

  it.each(STAGE_NAMES)('returns the %s config for -c stage=%s', (stage) => {
    expect(loadStageConfig(stage)).toBe(STAGE_CONFIGS[stage]);
  });

  it('rejects a stage that is not listed, naming the setting and the allowed values', () => {
    expect(() => loadStageConfig('staging')).toThrow(ConfigError);
    expect(() => loadStageConfig('staging')).toThrow(
      `stage must be one of ${STAGE_NAMES.join(', ')} (got "staging")`,
    );
  });

  it('labels stages for stack ids', () => {
    expect(stageLabel('dev')).toBe('Dev');
    expect(stageLabel('staging')).toBe('Staging');
  });
});

describe('validateStageConfig', () => {
  it.each(STAGE_NAMES)('accepts the shipped %s config', (stage) => {
    expect(validateStageConfig(STAGE_CONFIGS[stage])).toBe(STAGE_CONFIGS[stage]);
  });

  it.each(['Staging', 'pre-prod', '1st', 'a'.repeat(17), ''])('rejects the stage name %j', (stage) => {
    expect(() => validateStageConfig({ ...STAGE_CONFIGS[DEFAULT_STAGE], stage })).toThrow(
      /stage must be lowercase letters and digits, starting with a letter, at most 16 characters/,
    );
  });

  it('rejects a protection that is neither production nor disposable', () => {
    const config = { ...STAGE_CONFIGS[DEFAULT_STAGE], protection: 'prod' as StageProtection };
    expect(() => validateStageConfig(config)).toThrow(
      /protection must be one of production, disposable \(got "prod"\)/,
    );
  });

  const cases: Array<[string, (c: StageConfig) => object, RegExp]> = [
    [
      'database min capacity above max',
      (c) => ({ database: { ...c.database, minCapacity: 4, maxCapacity: 2 } }),
      /database\.minCapacity must not exceed database\.maxCapacity \(4 > 2\)/,
    ],
    [
      'database min capacity below what RDS Proxy allows',
      (c) => ({ database: { ...c.database, minCapacity: 0 } }),
      /database\.minCapacity must be between 0\.5 and 256/,
    ],
    [
      'capacity that is not a multiple of 0.5 ACU',
      (c) => ({ database: { ...c.database, maxCapacity: 2.3 } }),
      /database\.minCapacity\/maxCapacity must be multiples of 0\.5 ACU/,
    ],
    [
      'provisioned read capacity min above max',
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
      () => ({ logRetentionDays: 10 }),
      /logRetentionDays must be one of 1, 3, 5, 7, 14/,
    ],
    [
      'a backup retention out of range',
      (c) => ({ database: { ...c.database, backupRetentionDays: 40 } }),
      /database\.backupRetentionDays must be between 1 and 35 \(got 40\)/,
    ],
    [
      'weekly backups kept less long than daily ones',
      (c) => ({ backup: { ...c.backup, dailyRetentionDays: 14, weeklyRetentionDays: 7 } }),
      /backup\.weeklyRetentionDays must not be shorter than backup\.dailyRetentionDays \(7 < 14\)/,
    ],
    [
      'daily backups kept longer than AWS Backup allows for a daily rule here',
      (c) => ({ backup: { ...c.backup, dailyRetentionDays: 36 } }),
      /backup\.dailyRetentionDays must be between 1 and 35 \(got 36\)/,
    ],
    [
      'a compliance lock changeable for less than 3 days',
      (c) => ({ backup: { ...c.backup, vaultLock: { mode: 'compliance', changeableForDays: 2 } } }),
      /backup\.vaultLock\.changeableForDays must be between 3 and 36500 \(got 2\)/,
    ],
    [
      'a copy Region that is no Region name',
      (c) => ({ backup: { ...c.backup, copyRegion: 'Oregon' } }),
      /backup\.copyRegion must be a Region name such as us-west-2 \(got Oregon\)/,
    ],
    [
      'an Enhanced Monitoring interval RDS does not offer',
      (c) => ({ diagnostics: { ...c.diagnostics, enhancedMonitoringIntervalSeconds: 20 } }),
      /diagnostics\.enhancedMonitoringIntervalSeconds must be 0, 1, 5, 10, 15, 30 or 60/,
    ],
    [
      'a cache snapshot retention out of range',
      (c) => ({ cache: { ...c.cache, snapshotRetentionDays: 36 } }),
      /cache\.snapshotRetentionDays must be between 0 and 35/,
    ],
    [
      'the default Redis port',
      (c) => ({ cache: { ...c.cache, port: 6379 } }),
      /cache\.port must not be the default Redis port 6379/,
    ],
    [
      'Multi-AZ cache without a replica',
      (c) => ({ cache: { ...c.cache, multiAz: true, replicas: 0 } }),
      /cache\.multiAz needs cache\.replicas >= 1/,
    ],
    [
      'a wildcard CORS origin',
      (c) => ({ api: { ...c.api, allowedOrigins: ['*'] } }),
      /api\.allowedOrigins must list origins explicitly/,
    ],
    [
      'an upload URL that outlives the pending upload',
      (c) => ({ photos: { ...c.photos, pendingUploadTtlMinutes: 5, uploadUrlExpirySeconds: 600 } }),
      /photos\.uploadUrlExpirySeconds must not outlive photos\.pendingUploadTtlMinutes/,
    ],
    [
      'an alarm e-mail that is not an address',
      (c) => ({ monitoring: { ...c.monitoring, alarmEmail: 'ops-at-example' } }),
      /monitoring\.alarmEmail is not an e-mail address/,
    ],
    [
      'an alarm window longer than a day',
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
      (c) => ({ database: { ...c.database, proxy: true, minCapacity: 0 } }),
      /database\.minCapacity must be between 0\.5 and 256/,
    ],
    [
      'no feed shard',
      (c) => ({ photos: { ...c.photos, feedShards: 0 } }),
      /photos\.feedShards must be between 1 and 32 \(got 0\)/,
    ],
    [
      'more feed shards than a page should query',
      (c) => ({ photos: { ...c.photos, feedShards: 33 } }),
      /photos\.feedShards must be between 1 and 32 \(got 33\)/,
    ],
    [
      'a fraction of a feed shard',
      (c) => ({ photos: { ...c.photos, feedShards: 3.5 } }),
      /photos\.feedShards must be a whole number \(got 3\.5\)/,
    ],
  ];

  describe.each(STAGE_NAMES)('on the %s config', (stage: StageName) => {
    it.each(cases)('rejects %s', (_name, change, message) => {
      const config = withChange(STAGE_CONFIGS[stage], change);
      expect(() => validateStageConfig(config)).toThrow(ConfigError);
      expect(() => validateStageConfig(config)).toThrow(message);
    });
  });
});

describe('feed shards for the API throttle', () => {
  const throttle = (throttleRateLimit: number, throttleBurstLimit: number) => ({
    throttleRateLimit,
    throttleBurstLimit,
  });
  const withThrottle = (rate: number, burst: number, feedShards: number): StageConfig =>
    withChange(STAGE_CONFIGS[DEFAULT_STAGE], (c) => ({
      api: { ...c.api, ...throttle(rate, burst) },
      photos: { ...c.photos, feedShards },
    }));

  it('takes its numbers from DynamoDB: 1,000 write units a partition, half of it sustained, 2 units a write', () => {
    expect(DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND).toBe(1000);
    expect(FEED_PARTITION_HEADROOM).toBe(0.5);
    expect(FEED_WRITE_UNITS).toBe(2);
    expect(feedWriteLoad(throttle(500, 1000))).toEqual({
      sustainedUnitsPerSecond: 1000,
      worstSecondUnits: 3000,
    });
  });

  it.each([
    // Sustained: 250 rps x 2 units = 500, half a partition; 251 rps is over it.
    [250, 250, 1],
    [251, 100, 2],
    // Worst second: (400 + 100) x 2 = 1,000, one partition at its limit; 401 is over it.
    [100, 400, 1],
    [100, 401, 2],
    // The shipped throttles: dev 50/100, prod 500/1,000 (the worst second decides: 3,000 units).
    [50, 100, 1],
    [500, 1000, 3],
  ])('needs, for %i rps with a burst of %i, %i shard(s)', (rate, burst, shards) => {
    expect(minimumFeedShards(throttle(rate, burst))).toBe(shards);
    expect(validateStageConfig(withThrottle(rate, burst, shards)).photos.feedShards).toBe(shards);
    if (shards > 1) {
      expect(() => validateStageConfig(withThrottle(rate, burst, shards - 1))).toThrow(
        new RegExp(
          `photos\\.feedShards must be at least ${shards} for the API throttle \\(got ${shards - 1}\\)`,
        ),
      );
    }
  });

  it('names the load that needs them', () => {
    expect(() => validateStageConfig(withThrottle(500, 1000, 2))).toThrow(
      'Invalid stage config: photos.feedShards must be at least 3 for the API throttle (got 2): 1000 feed write units a second sustained and 3000 in the worst second must fit the shards (lib/config/feed-capacity.ts)',
    );
  });

  it.each(STAGE_NAMES)('gives the shipped %s stage enough shards for its throttle', (stage) => {
    const config = STAGE_CONFIGS[stage];
    expect(config.photos.feedShards).toBeGreaterThanOrEqual(minimumFeedShards(config.api));
  });
});

/**
 * Every rule that protects data, with a value it refuses. Each row is checked
 * on a stage that has prod's values under another name: a rule that went back
 * to testing the name would let that stage through.
 */
const PRODUCTION_RULES: Array<[string, (c: StageConfig) => object, RegExp]> = [
  [
    'data destroyed on stack removal',
    () => ({ dataRemoval: 'destroy' }),
    /dataRemoval must be "retain" in a production stage: removing the stack would destroy data/,
  ],
  [
    'no table deletion protection',
    (c) => ({ photos: { ...c.photos, deletionProtection: false } }),
    /photos\.deletionProtection must be true in a production stage/,
  ],
  [
    'no database deletion protection',
    (c) => ({ database: { ...c.database, deletionProtection: false } }),
    /database\.deletionProtection must be true in a production stage/,
  ],
  [
    'less than 7 days of backups',
    (c) => ({ database: { ...c.database, backupRetentionDays: 3 } }),
    /database\.backupRetentionDays must be at least 7 in a production stage/,
  ],
  [
    'no reader for failover',
    (c) => ({ database: { ...c.database, readers: 0 } }),
    /database\.readers must be at least 1 in a production stage/,
  ],
  [
    'no RDS Proxy',
    (c) => ({ database: { ...c.database, proxy: false } }),
    /database\.proxy must be true in a production stage/,
  ],
  [
    'a single-AZ cache',
    (c) => ({ cache: { ...c.cache, multiAz: false } }),
    /cache\.multiAz must be true in a production stage/,
  ],
  [
    'no cache snapshots',
    (c) => ({ cache: { ...c.cache, snapshotRetentionDays: 0 } }),
    /cache\.snapshotRetentionDays must be at least 1 in a production stage/,
  ],
  [
    'daily backups kept less than a week',
    (c) => ({ backup: { ...c.backup, dailyRetentionDays: 3 } }),
    /backup\.dailyRetentionDays must be at least 7 in a production stage/,
  ],
  [
    'an unlocked backup vault',
    (c) => ({ backup: { ...c.backup, vaultLock: undefined } }),
    /backup\.vaultLock must be set in a production stage: recovery points must outlive a compromised account/,
  ],
  [
    'no copies in another Region',
    (c) => ({ backup: { ...c.backup, copyRegion: undefined } }),
    /backup\.copyRegion must be set in a production stage: recovery points must outlive the Region/,
  ],
  [
    'no restore testing',
    (c) => ({ backup: { ...c.backup, restoreTesting: false } }),
    /backup\.restoreTesting must be true in a production stage/,
  ],
  [
    'AWS-managed keys',
    () => ({ encryption: { customerManagedKeys: false } }),
    /encryption\.customerManagedKeys must be true in a production stage/,
  ],
  [
    'a plain-http localhost origin',
    (c) => ({ api: { ...c.api, allowedOrigins: ['http://localhost:3000'] } }),
    /api\.allowedOrigins must be https:\/\/ origins in a production stage \(got http:\/\/localhost:3000\)/,
  ],
];

describe('protection, not the name, decides the rules that protect data', () => {
  /** A production stage's values under another name, with the given protection. */
  const staging = (protection: StageProtection): StageConfig => ({
    ...stageWith('production'),
    stage: 'staging',
    protection,
  });

  it('accepts prod values under another name as a production stage', () => {
    expect(validateStageConfig(staging('production')).stage).toBe('staging');
  });

  it.each(PRODUCTION_RULES)('refuses %s in a production stage named staging', (_name, change, message) => {
    const config = withChange(staging('production'), change);
    expect(() => validateStageConfig(config)).toThrow(ConfigError);
    expect(() => validateStageConfig(config)).toThrow(message);
  });

  it.each(PRODUCTION_RULES)('allows %s in a disposable stage', (_name, change) => {
    expect(() => validateStageConfig(withChange(staging('disposable'), change))).not.toThrow();
  });

  it('gives a disposable stage named prod the loose rules', () => {
    const disposableProd = { ...stageWith('disposable'), stage: 'prod' };
    expect(() => validateStageConfig(disposableProd)).not.toThrow();
  });

  it.each(STAGE_NAMES)(
    'checks every production rule on the shipped %s config if it is a production stage',
    (stage) => {
      const config = STAGE_CONFIGS[stage];
      for (const [, change, message] of PRODUCTION_RULES) {
        const changed = () => validateStageConfig(withChange(config, change));
        if (config.protection === 'production') expect(changed).toThrow(message);
        else expect(changed).not.toThrow();
      }
    },
  );
});

describe('disasterRecovery', () => {
  /** A stage with a second Region: the shipped stage that has one, else the default stage given one. */
  const base: StageConfig = STAGES.find((c) => c.disasterRecovery) ?? {
    ...STAGE_CONFIGS[DEFAULT_STAGE],
    region: 'us-east-1',
    disasterRecovery: { region: 'us-west-2', secondaryInstances: 1, photoReplicationTimeControl: false },
  };
  const withDr = (
    change: Partial<DisasterRecoveryConfig>,
    pinned: { readonly region?: string } = { region: base.region },
  ): StageConfig => ({
    ...base,
    region: pinned.region,
    disasterRecovery: { ...base.disasterRecovery!, ...change },
  });

  it('is accepted with a second Region the app is known to deploy to', () => {
    expect(validateStageConfig(base).disasterRecovery?.region).toBeDefined();
  });

  it.each([
    ['no pinned Region for the primary', withDr({}, {}), /disasterRecovery needs region/],
    [
      'the primary Region as the second Region',
      withDr({ region: base.region! }),
      new RegExp(
        `disasterRecovery\\.region must be another Region than region \\(both are ${base.region}\\)`,
      ),
    ],
    [
      'a second Region that is no Region name',
      withDr({ region: 'Oregon' }),
      /disasterRecovery\.region must be a Region name such as us-west-2 \(got Oregon\)/,
    ],
    [
      'a second Region documented to lack a service the app uses',
      withDr({ region: 'ap-south-2' }),
      /disasterRecovery\.region must be a Region that lib\/regions\.ts lists as offering every service the app uses \(got ap-south-2/,
    ],
    [
      'a second Region nobody lists',
      withDr({ region: 'eu-central-2' }),
      /disasterRecovery\.region must be a Region that lib\/regions\.ts lists/,
    ],
    [
      'an active Region that is neither of the two',
      withDr({ activeRegion: 'eu-west-1' }),
      /disasterRecovery\.activeRegion must be region \(.+\) or disasterRecovery\.region \(.+\) \(got eu-west-1\)/,
    ],
    [
      'a secondary cluster without an instance to take over',
      withDr({ secondaryInstances: 0 }),
      /disasterRecovery\.secondaryInstances must be a whole number from 1 to 15/,
    ],
    [
      'a production stage whose promoted cluster would have no reader',
      { ...withDr({ secondaryInstances: 1 }), protection: 'production' as const },
      /disasterRecovery\.secondaryInstances must be at least 2 in a production stage: once promoted, the secondary cluster needs a reader/,
    ],
    [
      'a pinned Region that is no Region name',
      withDr({}, { region: 'Virginia' }),
      /region must be a Region name such as us-east-1 \(got Virginia\)/,
    ],
  ])('rejects %s', (_name, config, message) => {
    expect(() => validateStageConfig(config)).toThrow(ConfigError);
    expect(() => validateStageConfig(config)).toThrow(message);
  });

  it('lets a disposable stage keep a single secondary instance (the failover target only)', () => {
    const disposable = { ...withDr({ secondaryInstances: 1 }), protection: 'disposable' as const };
    expect(validateStageConfig(disposable).disasterRecovery?.secondaryInstances).toBe(1);
  });

  it('accepts either Region as the active one', () => {
    expect(() => validateStageConfig(withDr({ activeRegion: base.region }))).not.toThrow();
    expect(() => validateStageConfig(withDr({ activeRegion: base.disasterRecovery!.region }))).not.toThrow();
  });

  it('is on in the production stage, with the backup copies in the same second Region, and off in the disposable one', () => {
    const production = stageWith('production');
    expect(production.disasterRecovery?.region).toBe(production.backup.copyRegion);
    expect(stageWith('disposable').disasterRecovery).toBeUndefined();
  });

  it('can be turned off in any stage: a production stage does not require it', () => {
    const withoutDr: StageConfig = { ...stageWith('production'), disasterRecovery: undefined };
    expect(() => validateStageConfig(withoutDr)).not.toThrow();
  });
});
