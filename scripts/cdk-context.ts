import * as fs from 'node:fs';
import * as path from 'node:path';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * The feature flags and settings of cdk.json. The CLI passes them to the app;
 * an `App` built in-process (tests, the cost model) must be given them.
 */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

/** Context that skips esbuild bundling, for synths that only read templates. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };
