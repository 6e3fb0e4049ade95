import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES } from '../../lib/config';
import { checkTargetRegion, regionNeeds } from '../../lib/photo-app';
import { KNOWN_GOOD_REGIONS, missingServices, REGION_SUPPORT } from '../../lib/regions';

describe('regions the app needs', () => {
  it.each(STAGE_NAMES)(
    '%s needs the Data API, the engine version of the cluster and its proxy setting',
    (stage) => {
      const config = STAGE_CONFIGS[stage];
      expect(regionNeeds(config)).toEqual({
        dataApi: true,
        rdsProxy: config.database.proxy,
        auroraPostgresVersion: '17.9',
        restoreTesting: config.backup.restoreTesting,
      });
    },
  );

  it.each(['ap-south-2', 'ap-southeast-4', 'ap-southeast-6'])(
    'refuses %s, which the Data API page lists as not available, naming the service and the good regions',
    (region) => {
      expect(() => checkTargetRegion(region, STAGE_CONFIGS[DEFAULT_STAGE])).toThrow(
        new RegExp(
          `Region ${region} does not offer RDS Data API, which the ${DEFAULT_STAGE} stage needs\\. Regions where the app is known to deploy: us-east-1, `,
        ),
      );
    },
  );

  it('accepts every region known to offer everything, and a region nobody lists (the preflight asks there)', () => {
    // The dev stage: prod refuses its own copy Region as the Region it deploys to (next test).
    for (const region of [...KNOWN_GOOD_REGIONS, 'eu-west-1']) {
      expect(() => checkTargetRegion(region, STAGE_CONFIGS.dev)).not.toThrow();
    }
    expect(KNOWN_GOOD_REGIONS).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2']));
    expect(KNOWN_GOOD_REGIONS).not.toContain('ap-south-2');
  });

  it('refuses a stage with restore testing where CloudFormation has no restore testing, and accepts one without', () => {
    expect(() => checkTargetRegion('ap-southeast-5', STAGE_CONFIGS.prod)).toThrow(
      /Region ap-southeast-5 does not offer AWS Backup restore testing, which the prod stage needs/,
    );
    expect(() => checkTargetRegion('ap-southeast-5', STAGE_CONFIGS.dev)).not.toThrow();
    expect(KNOWN_GOOD_REGIONS).not.toContain('ap-southeast-5');
  });

  it('refuses to deploy a stage to the Region its backups are copied to', () => {
    const copyRegion = STAGE_CONFIGS.prod.backup.copyRegion ?? '';
    expect(() => checkTargetRegion(copyRegion, STAGE_CONFIGS.prod)).toThrow(
      `backup.copyRegion of the prod stage is ${copyRegion}, the Region it deploys to`,
    );
    expect(() => checkTargetRegion('us-east-1', STAGE_CONFIGS.prod)).not.toThrow();
  });

  it('refuses an engine version older than the Data API supports, in any region', () => {
    expect(missingServices('eu-west-1', { dataApi: true, auroraPostgresVersion: '17.2' })).toEqual([
      'RDS Data API for Aurora PostgreSQL 17.2 (anywhere)',
    ]);
    expect(missingServices('us-east-1', { dataApi: true, auroraPostgresVersion: '17.10' })).toEqual([]);
  });

  it('reports a proxy or engine version a region is documented to lack', () => {
    const original = { ...REGION_SUPPORT };
    const table = REGION_SUPPORT as Record<string, (typeof REGION_SUPPORT)[string]>;
    table['xx-test-1'] = { dataApi: true, rdsProxy: false, auroraPostgresVersions: ['16.4'] };
    try {
      expect(
        missingServices('xx-test-1', { dataApi: true, rdsProxy: true, auroraPostgresVersion: '17.9' }),
      ).toEqual(['RDS Proxy', 'Aurora PostgreSQL 17.9']);
    } finally {
      delete table['xx-test-1'];
      expect(REGION_SUPPORT).toEqual(original);
    }
  });
});
