import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_STAGE } from '../../lib/config';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from '../../scripts/cdk-context';
import { synthStage } from './helpers/app';

// What each region offers and which regions a stage refuses are checked without synth in
// test/unit/regions.test.ts; these check that synth and the entry point apply it.
describe('regions the app needs', () => {
  it('a synth for a region without the Data API fails before any stack is built', () => {
    expect(() => synthStage(DEFAULT_STAGE, { nag: false, targetRegion: 'ap-southeast-4' })).toThrow(
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
    // Without -c stage, bin/app.ts builds the default stage.
    expect(result.stderr).toMatch(
      new RegExp(`Region ap-south-2 does not offer RDS Data API, which the ${DEFAULT_STAGE} stage needs`),
    );
  });
});
