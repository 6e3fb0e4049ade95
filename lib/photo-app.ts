import { Tags, type App } from 'aws-cdk-lib';
import { ConfigError, stageLabel, type StageConfig } from './config';
import { ProfileDatabase } from './constructs/profile-database';
import { KNOWN_GOOD_REGIONS, missingServices, type RegionNeeds } from './regions';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';

/**
 * Types whose `Tags` property CDK renders but the CloudFormation resource
 * schemas of some regions do not carry (cfn-lint reports E3002 for them):
 * tags there would fail a deploy where the schema is older.
 */
export const UNTAGGED_RESOURCE_TYPES = [
  'AWS::RDS::DBProxyTargetGroup',
  'AWS::CloudWatch::Dashboard',
] as const;

export interface PhotoAppOptions {
  /**
   * The region the stacks are meant for, if known (the CLI passes the
   * profile's region). Only checked against what the app needs; the stacks
   * stay environment-agnostic either way. @default - not checked
   */
  readonly targetRegion?: string;
}

/** What the stage needs from its region. */
export function regionNeeds(config: StageConfig): RegionNeeds {
  return {
    // The schema migrations run through the Data API at deploy time.
    dataApi: true,
    rdsProxy: config.database.proxy,
    auroraPostgresVersion: ProfileDatabase.ENGINE_VERSION.auroraPostgresFullVersion,
  };
}

/** Fails synth, naming what is missing, for a region documented to lack something the stage needs. */
export function checkTargetRegion(region: string, config: StageConfig): void {
  const missing = missingServices(region, regionNeeds(config));
  if (missing.length > 0) {
    throw new ConfigError(
      `Region ${region} does not offer ${missing.join(', ')}, which the ${config.stage} stage needs. ` +
        `Regions where the app is known to deploy: ${KNOWN_GOOD_REGIONS.join(', ')}.`,
    );
  }
}

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
export function buildPhotoApp(app: App, config: StageConfig, options: PhotoAppOptions = {}): PhotoAppStacks {
  if (options.targetRegion !== undefined) {
    checkTargetRegion(options.targetRegion, config);
  }
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
      {
        name: migrations.serviceName,
        function: migrations.function,
        timeout: migrations.timeout,
        serviceName: migrations.serviceName,
      },
    ],
    deadLetterQueues: api.deadLetterQueues,
    photoTable: data.photoTable,
    profileDatabase: data.profileDatabase,
    profileCache: data.profileCache,
    users: data.users,
    description: description('alarms and dashboard'),
  });

  for (const stack of [network, data, api, monitoring]) {
    for (const [key, value] of Object.entries({ project: 'photo-sharing-reference', stage: config.stage })) {
      Tags.of(stack).add(key, value, { excludeResourceTypes: [...UNTAGGED_RESOURCE_TYPES] });
    }
  }
  return { network, data, api, monitoring };
}
