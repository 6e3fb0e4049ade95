/**
 * The floor app of the synth benchmark (scripts/bench/synth.ts): bin/app.ts with
 * `-c synthFloor=true`, run as cdk.json runs it. It must stay a floor: one stack, one no-op
 * resource, nothing bundled, and it must pass the same validation as the stages (cdk-nag and
 * CloudFormation Validate), or the benchmark would divide by something else.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, synthInProcess } from './helpers/synth-process';

// One synth of the real entry point in its own process.
jest.setTimeout(60_000);

describe('the synth floor app', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'photoapp-synth-floor-'));

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes one stack holding one no-op resource, and bundles nothing', async () => {
    // The CLI hands `-c synthFloor=true` over as a string.
    const result = await synthInProcess({ checkout: REPO_ROOT, outdir, context: { synthFloor: 'true' } });
    expect([result.exitCode, result.stderr]).toEqual([0, expect.any(String)]);
    const files = fs.readdirSync(outdir);
    expect(files.filter((name) => name.endsWith('.template.json'))).toEqual(['SynthFloor.template.json']);
    expect(files.filter((name) => name.startsWith('asset.'))).toEqual([]);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'SynthFloor.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(template.Resources).map((resource) => resource.Type)).toEqual([
      'AWS::CloudFormation::WaitConditionHandle',
    ]);
  });
});
