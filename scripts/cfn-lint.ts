/**
 * Runs cfn-lint (a Python tool; install it with `pip install cfn-lint`) over
 * the templates `npm run synth` wrote for every stage, against every region
 * the app is known to deploy to. Accepted findings are in .cfnlintrc.yaml.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STAGE_NAMES } from '../lib/config';
import { KNOWN_GOOD_REGIONS } from '../lib/regions';

const root = path.join(__dirname, '..');
const templates = STAGE_NAMES.flatMap((stage) => {
  const dir = path.join(root, 'cdk.out', stage);
  if (!fs.existsSync(dir)) {
    console.error(`No templates for stage ${stage} in cdk.out/${stage}: run npm run synth first.`);
    process.exit(2);
  }
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => path.join('cdk.out', stage, name));
});

const result = spawnSync(
  'cfn-lint',
  ['--config-file', '.cfnlintrc.yaml', '--regions', ...KNOWN_GOOD_REGIONS, '--', ...templates],
  { cwd: root, stdio: 'inherit' },
);
if (result.error) {
  console.error(`cfn-lint could not run (${result.error.message}); install it with: pip install cfn-lint`);
  process.exit(2);
}
console.log(
  result.status === 0
    ? `cfn-lint: ${templates.length} templates, ${KNOWN_GOOD_REGIONS.length} regions, no findings`
    : `cfn-lint found problems (exit code ${result.status})`,
);
process.exit(result.status ?? 1);
