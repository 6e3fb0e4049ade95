/**
 * Synthesizes every stage of lib/config/stages into cdk.out/<stage>, where
 * cfn-lint (scripts/cfn-lint.ts) and CI read them. Extra arguments go to each
 * `cdk synth`:
 *
 *   npm run synth
 *   npm run synth -- -c region=eu-west-1
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { STAGE_NAMES } from '../lib/config';

const root = path.join(__dirname, '..');
const cdk = path.join(root, 'node_modules', '.bin', 'cdk');

for (const stage of STAGE_NAMES) {
  const outdir = path.join('cdk.out', stage);
  const result = spawnSync(
    cdk,
    ['synth', '--all', '--quiet', '-c', `stage=${stage}`, '-o', outdir, ...process.argv.slice(2)],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.error) {
    console.error(`cdk synth could not run (${result.error.message})`);
    process.exit(2);
  }
  if (result.status !== 0) {
    console.error(`cdk synth of stage ${stage} failed (exit code ${result.status})`);
    process.exit(result.status ?? 1);
  }
  console.log(`${stage}: ${outdir}`);
}
