import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGE_CONFIGS, STAGE_NAMES } from '../../lib/config';
import { checkTargetRegion, regionNeeds } from '../../lib/photo-app';
import { KNOWN_GOOD_REGIONS, missingServices, REGION_SUPPORT } from '../../lib/regions';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from '../../scripts/cdk-context';
import { synthStage } from './helpers/app';

describe('regions the app needs', () => {
  it.each(STAGE_NAMES)(
    '%s needs the Data API, the engine version of the cluster and its proxy setting',
    (stage) => {
      const config = STAGE_CONFIGS[stage];
      expect(regionNeeds(config)).toEqual({
        dataApi: true,
        rdsProxy: config.database.proxy,
        auroraPostgresVersion: '17.9',
      });
    },
  );

  it.each(['ap-south-2', 'ap-southeast-4', 'ap-southeast-6'])(
    'refuses %s, which the Data API page lists as not available, naming the service and the good regions',
    (region) => {
      expect(() => checkTargetRegion(region, STAGE_CONFIGS.dev)).toThrow(
        new RegExp(
          `Region ${region} does not offer RDS Data API, which the dev stage needs\\. Regions where the app is known to deploy: us-east-1, `,
        ),
      );
    },
  );

  it('accepts every region known to offer everything, and a region nobody lists (the preflight asks there)', () => {
    for (const region of [...KNOWN_GOOD_REGIONS, 'eu-west-1']) {
      expect(() => checkTargetRegion(region, STAGE_CONFIGS.prod)).not.toThrow();
    }
    expect(KNOWN_GOOD_REGIONS).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2']));
    expect(KNOWN_GOOD_REGIONS).not.toContain('ap-south-2');
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

  it('a synth for a region without the Data API fails before any stack is built', () => {
    expect(() => synthStage('dev', { nag: false, targetRegion: 'ap-southeast-4' })).toThrow(
      /Region ap-southeast-4 does not offer RDS Data API/,
    );
  });
});

describe('the app entry point', () => {
  it('refuses the region the CLI passes when that region lacks a service, in one clear line', () => {
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join('bin', 'app.ts')], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_DEFAULT_REGION: 'ap-south-2',
        CDK_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), 'region-check-')),
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING }),
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Region ap-south-2 does not offer RDS Data API, which the dev stage needs/);
  });
});
