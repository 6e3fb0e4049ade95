/**
 * Rewrites test/infra/stateful-baseline.json from the current code: for each
 * stage and stack, every guarded resource with the values of its create-only
 * properties. Run it after a reviewed change that is meant to replace or add
 * a stateful resource, and commit the baseline with the change.
 *
 *   npm run replacement-baseline
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as prettier from 'prettier';
import { STAGE_NAMES, loadStageConfig, type StageName } from '../lib/config';
import { buildPhotoApp, type PhotoAppStacks } from '../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from './cdk-context';
import {
  BASELINE_FILE,
  snapshotStack,
  type Baseline,
  type StackSnapshot,
} from './replacement-baseline/snapshot';

/** The stage's stacks as bin/app.ts builds them; no bundling, since only templates are read. */
function snapshotStage(stage: StageName): Record<string, StackSnapshot> {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
  const stacks = buildPhotoApp(app, loadStageConfig(stage));
  // Every stack the app builds, so a new stack is in the baseline without editing this file.
  return Object.fromEntries(
    (Object.keys(stacks) as Array<keyof PhotoAppStacks>)
      .map((key) => stacks[key]!)
      .map((stack) => [stack.stackName, snapshotStack(Template.fromStack(stack).toJSON())]),
  );
}

async function main(): Promise<void> {
  const baseline: Baseline = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, snapshotStage(stage)]));
  // Written as Prettier formats it, so `format:check` passes on a fresh baseline.
  const options = (await prettier.resolveConfig(BASELINE_FILE)) ?? {};
  fs.writeFileSync(
    BASELINE_FILE,
    await prettier.format(JSON.stringify(baseline), { ...options, filepath: BASELINE_FILE }),
  );
  for (const [stage, stacks] of Object.entries(baseline)) {
    const counts = Object.entries(stacks).map(([name, s]) => `${name} ${Object.keys(s).length}`);
    console.log(`${stage}: ${counts.join(', ')}`);
  }
  console.log(`Wrote ${path.relative(process.cwd(), BASELINE_FILE)}; review the diff before committing it.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
