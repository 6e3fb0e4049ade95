#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { loadStageConfig } from '../lib/config';
import { buildPhotoApp } from '../lib/photo-app';

const app = new App();
// `-c stage=dev|prod`; dev when absent.
const config = loadStageConfig(app.node.tryGetContext('stage'));
buildPhotoApp(app, config);
addComplianceChecks(app);
