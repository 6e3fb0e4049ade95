import { Tags, type App } from 'aws-cdk-lib';
import { stageLabel, type StageConfig } from './config';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';

export interface PhotoAppStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly monitoring: MonitoringStack;
}

/**
 * Builds the stacks of one stage: `PhotoApp-<Stage>-Network|Data|Api|Monitoring`.
 * Stacks are environment-agnostic (no account or region), so synth needs no
 * credentials and performs no lookups.
 */
export function buildPhotoApp(app: App, config: StageConfig): PhotoAppStacks {
  const prefix = `PhotoApp-${stageLabel(config.stage)}`;
  const description = (what: string) => `Photo-sharing reference architecture (${config.stage}): ${what}`;

  const network = new NetworkStack(app, `${prefix}-Network`, {
    config,
    description: description('VPC, endpoints and flow logs'),
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    config,
    network: network.network,
    description: description('users, photos, metadata, profiles and cache'),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    config,
    network: network.network,
    users: data.users,
    photoBucket: data.photoBucket,
    photoTable: data.photoTable,
    profileDatabase: data.profileDatabase,
    profileCache: data.profileCache,
    description: description('HTTP API and event handlers'),
  });
  const migrations = data.schemaMigrations.runner;
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    config,
    api: api.api,
    functions: [
      ...api.monitoredFunctions,
      { name: 'schema-migrations', function: migrations.function, timeout: migrations.timeout },
    ],
    deadLetterQueues: api.deadLetterQueues,
    photoTable: data.photoTable,
    profileDatabase: data.profileDatabase,
    profileCache: data.profileCache,
    description: description('alarms and dashboard'),
  });

  for (const stack of [network, data, api, monitoring]) {
    Tags.of(stack).add('project', 'photo-sharing-reference');
    Tags.of(stack).add('stage', config.stage);
  }
  return { network, data, api, monitoring };
}
