import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addComplianceChecks } from '../../lib/compliance';
import { CDK_JSON_CONTEXT, synthStage } from './helpers/app';

describe.each(['dev', 'prod'] as const)('cdk-nag on the %s stage', (stage) => {
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

  it('are registered by bin/app.ts itself, so `cdk synth` refuses findings too', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'app.ts'), 'utf8');
    expect(source).toMatch(/addComplianceChecks\(app\)/);
  });
});
