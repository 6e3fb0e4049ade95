/**
 * Runs cfn-lint (a Python tool; install it with `pip install cfn-lint`) over
 * the templates `npm run synth` wrote for every stage: a stack pinned to a
 * Region (its env in the cloud assembly) against that Region, every other one
 * against every region the app is known to deploy to. Accepted findings are
 * in .cfnlintrc.yaml.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STAGE_NAMES } from '../lib/config';
import { KNOWN_GOOD_REGIONS } from '../lib/regions';

const root = path.join(__dirname, '..');

interface Manifest {
  readonly artifacts: Record<
    string,
    { readonly type: string; readonly environment?: string; readonly properties?: { templateFile?: string } }
  >;
}

/** Templates by the Regions to lint them in (`aws://account/region`; `unknown-region` when not pinned). */
const groups = new Map<string, string[]>();
for (const stage of STAGE_NAMES) {
  const dir = path.join(root, 'cdk.out', stage);
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    console.error(`No templates for stage ${stage} in cdk.out/${stage}: run npm run synth first.`);
    process.exit(2);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  for (const artifact of Object.values(manifest.artifacts)) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || !templateFile) continue;
    const region = artifact.environment?.split('/').pop() ?? 'unknown-region';
    const regions = region === 'unknown-region' ? KNOWN_GOOD_REGIONS.join(' ') : region;
    groups.set(regions, [...(groups.get(regions) ?? []), path.join('cdk.out', stage, templateFile)]);
  }
}

let failed = false;
let templates = 0;
for (const [regions, files] of groups) {
  templates += files.length;
  const result = spawnSync(
    'cfn-lint',
    ['--config-file', '.cfnlintrc.yaml', '--regions', ...regions.split(' '), '--', ...files],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.error) {
    console.error(`cfn-lint could not run (${result.error.message}); install it with: pip install cfn-lint`);
    process.exit(2);
  }
  if (result.status !== 0) {
    failed = true;
    console.log(
      `cfn-lint found problems in ${files.length} templates for ${regions} (exit code ${result.status})`,
    );
  }
}
console.log(
  failed
    ? 'cfn-lint found problems'
    : `cfn-lint: ${templates} templates, each in the Region it is pinned to or in all ${KNOWN_GOOD_REGIONS.length} known regions, no findings`,
);
process.exit(failed ? 1 : 0);
