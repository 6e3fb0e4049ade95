import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addComplianceChecks } from '../../lib/compliance';
import { STAGE_NAMES } from '../../lib/config';
import { SKIP_BUNDLING } from '../../scripts/cdk-context';
import { CDK_JSON_CONTEXT, synthStage } from './helpers/app';
import { OFFENDING_ID } from './helpers/offending-resource';
import { REPO_ROOT, synthInProcess } from './helpers/synth-process';

describe.each(STAGE_NAMES)('cdk-nag on the %s stage', (stage) => {
  it('synthesizes with zero unacknowledged AwsSolutions and Serverless findings', () => {
    // synthStage registers both packs, as bin/app.ts does; a finding throws here.
    const { app } = synthStage(stage);
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations: unknown[] }>;
    };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });
});

describe('compliance checks', () => {
  it('make synthesis fail on an unacknowledged finding', () => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Careless');
    new s3.Bucket(stack, 'OpenBucket', { enforceSSL: false });
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  it('accept a finding only where it is acknowledged with its id', () => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Careful');
    const bucket = new s3.Bucket(stack, 'Bucket', {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test bucket without access logs.' });
    addComplianceChecks(app);
    expect(() => app.synth()).not.toThrow();
  });

  it('make `cdk synth` of the real entry point refuse a resource with a finding, and only that one', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'photoapp-offending-'));
    try {
      const result = await synthInProcess({
        checkout: REPO_ROOT,
        outdir,
        entryPoint: 'test/infra/helpers/offending-entry-point.ts',
        context: SKIP_BUNDLING,
      });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('Validation failed');
      const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: Array<{
          violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
        }>;
      };
      const findings = report.pluginReports
        .flatMap((r) => r.violations)
        .map((v) => [v.ruleName, v.violatingConstructs.map((c) => c.constructPath)])
        .sort();
      const offending = [`PhotoApp-Dev-Network/${OFFENDING_ID}/Resource`];
      expect(findings).toEqual([
        ['AwsSolutions-S1', offending],
        ['AwsSolutions-S10', offending],
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
