#!/usr/bin/env node
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { loadStageConfig } from '../lib/config';
import { buildPhotoApp } from '../lib/photo-app';

const app = new App();
if (app.node.tryGetContext('synthFloor') === 'true') {
  // `-c synthFloor=true`, for scripts/bench/synth.ts: one stack through this
  // entry and the CLI, what any synth here costs before the app's first
  // resource (CLI, TypeScript loader, module loading, validation engines).
  // Its one no-op resource is the least CloudFormation Validate accepts.
  new CfnWaitConditionHandle(new Stack(app, 'SynthFloor'), 'Placeholder');
} else {
  // `-c stage=<name>`, one of lib/config/stages; DEFAULT_STAGE (dev) when absent.
  const config = loadStageConfig(app.node.tryGetContext('stage'));
  // `-c region=...`, else the region the CLI resolved from the profile: synth
  // fails early, naming the service, where the region is known to lack one.
  const region: unknown = app.node.tryGetContext('region') ?? process.env.CDK_DEFAULT_REGION;
  buildPhotoApp(app, config, {
    targetRegion: typeof region === 'string' && region !== '' ? region : undefined,
  });
}
addComplianceChecks(app);
