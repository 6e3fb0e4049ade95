/**
 * Monthly cost model of a stage: the idle floor (no traffic) and the marginal
 * cost per million API requests, from the stage config, the synthesized
 * templates (to count alarms) and the prices table in scripts/cost/prices.ts.
 *
 *   npm run cost                       # the default stage (dev)
 *   npm run cost -- --stage prod
 *   npm run cost -- --stage dev --without-proxy   # the cheaper dev variant
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_STAGE, loadStageConfig, STAGE_NAMES, type StageConfig } from '../lib/config';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from './cdk-context';
import { buildPhotoApp, stacksOf, type PhotoAppStacks } from '../lib/photo-app';
import {
  DEFAULT_REQUEST_MIX,
  backupCostPerGb,
  idleFloor,
  replicationCostPerGb,
  secondRegionCopiesCost,
  marginalCostPerMillion,
  total,
  type CostLine,
  type IdleInputs,
} from './cost/model';
import { PRICES, PRICES_AS_OF, PRICES_REGION } from './cost/prices';

interface Options {
  readonly stage: string;
  readonly withoutProxy: boolean;
  readonly json: boolean;
}

function parseArgs(argv: string[]): Options {
  let stage: string = DEFAULT_STAGE;
  let withoutProxy = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--stage') stage = argv[++i] ?? '';
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else if (arg === '--without-proxy') withoutProxy = true;
    else if (arg === '--json') json = true;
    else
      throw new Error(
        `Unknown argument ${arg}; use --stage ${STAGE_NAMES.join('|')} [--without-proxy] [--json]`,
      );
  }
  return { stage, withoutProxy, json };
}

interface KeyedSchema {
  readonly KeySchema?: ReadonlyArray<{ readonly KeyType: string }>;
}

/**
 * The Contributor Insights rules of a template's tables: DynamoDB creates two for each table or
 * index it is enabled on, and two more where that key has a sort key
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/contributorinsights_HowItWorks.html).
 */
function contributorInsightsRules(template: Template): number {
  const rulesOf = (schema: KeyedSchema) => (schema.KeySchema?.some((k) => k.KeyType === 'RANGE') ? 4 : 2);
  const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')) as Array<{
    Properties: KeyedSchema & {
      GlobalSecondaryIndexes?: ReadonlyArray<KeyedSchema & { IndexName: string }>;
      Replicas: ReadonlyArray<{
        ContributorInsightsSpecification?: { Enabled: boolean };
        GlobalSecondaryIndexes?: ReadonlyArray<{
          IndexName: string;
          ContributorInsightsSpecification?: { Enabled: boolean };
        }>;
      }>;
    };
  }>;
  let rules = 0;
  for (const { Properties: table } of tables) {
    for (const replica of table.Replicas) {
      if (replica.ContributorInsightsSpecification?.Enabled) rules += rulesOf(table);
      for (const index of replica.GlobalSecondaryIndexes ?? []) {
        if (!index.ContributorInsightsSpecification?.Enabled) continue;
        const schema = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.IndexName);
        if (schema) rules += rulesOf(schema);
      }
    }
  }
  return rules;
}

/** Counts what the idle floor needs from the synthesized templates, so it follows the code. */
export function idleInputsFromTemplates(config: StageConfig): IdleInputs {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
  const stacks: PhotoAppStacks = buildPhotoApp(app, config);
  // Every stack of the stage, in both Regions where it has two.
  const all = stacksOf(stacks).map((s) => Template.fromStack(s));
  const count = (type: string) => all.reduce((n, t) => n + Object.keys(t.findResources(type)).length, 0);
  const alarmMetrics = all.reduce((n, t) => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { Metrics?: Array<{ MetricStat?: unknown }> };
    }>;
    for (const alarm of alarms) {
      const metrics = alarm.Properties.Metrics;
      n += metrics ? metrics.filter((m) => m.MetricStat).length : 1;
    }
    return n;
  }, 0);
  const interfaceEndpoints = all.reduce(
    (n, t) =>
      n +
      (
        Object.values(t.findResources('AWS::EC2::VPCEndpoint')) as Array<{
          Properties: { VpcEndpointType?: string };
        }>
      ).filter((e) => e.Properties.VpcEndpointType === 'Interface').length,
    0,
  );
  return {
    contributorInsightsRules: all.reduce((n, t) => n + contributorInsightsRules(t), 0),
    availabilityZones: 2 * interfaceEndpoints,
    secrets: count('AWS::SecretsManager::Secret'),
    kmsKeys: count('AWS::KMS::Key'),
    alarmMetrics,
    dashboards: count('AWS::CloudWatch::Dashboard'),
  };
}

/**
 * The part of the idle floor the option adds: the floor with it minus the floor of the same stage
 * without it, line by line (new lines whole, shared ones by their difference: keys, alarms, the
 * dashboard).
 */
export function disasterRecoveryFloor(config: StageConfig, withIt: readonly CostLine[]): CostLine[] {
  const without = idleFloor(
    { ...config, disasterRecovery: undefined },
    idleInputsFromTemplates({ ...config, disasterRecovery: undefined }),
  );
  return withIt.flatMap((line) => {
    const before = without.find((l) => l.item === line.item);
    const added = line.monthlyUsd - (before?.monthlyUsd ?? 0);
    if (Math.abs(added) < 0.005) return [];
    return [
      {
        item: line.item,
        basis: before ? `${line.basis} (was ${before.basis})` : line.basis,
        monthlyUsd: added,
      },
    ];
  });
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

function table(title: string, lines: readonly CostLine[]): string {
  const width = Math.max(...lines.map((l) => l.item.length), 10);
  const basisWidth = Math.max(...lines.map((l) => l.basis.length), 5);
  const rows = lines.map(
    (l) => `  ${l.item.padEnd(width)}  ${l.basis.padEnd(basisWidth)}  ${usd(l.monthlyUsd).padStart(9)}`,
  );
  return [
    title,
    ...rows,
    `  ${'Total'.padEnd(width)}  ${''.padEnd(basisWidth)}  ${usd(total(lines)).padStart(9)}`,
  ].join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const base = loadStageConfig(options.stage);
  const config: StageConfig = options.withoutProxy
    ? { ...base, database: { ...base.database, proxy: false, minCapacity: 0 } }
    : base;
  const inputs = idleInputsFromTemplates(config);
  const idle = idleFloor(config, inputs);
  const marginal = marginalCostPerMillion(DEFAULT_REQUEST_MIX, PRICES, {
    contributorInsights: config.diagnostics.contributorInsights,
    replicatedToSecondRegion: config.disasterRecovery !== undefined,
  });
  const backups = backupCostPerGb(config);
  const disasterRecovery = config.disasterRecovery && disasterRecoveryFloor(config, idle);
  const replication = replicationCostPerGb(config);
  const copies = secondRegionCopiesCost(config);
  if (options.json) {
    console.log(
      JSON.stringify(
        {
          stage: config.stage,
          withoutProxy: options.withoutProxy,
          idle,
          idleTotal: total(idle),
          marginal,
          marginalTotal: total(marginal),
          backupsPerGb: backups,
          ...(disasterRecovery
            ? { disasterRecoveryFloor: disasterRecovery, disasterRecoveryFloorTotal: total(disasterRecovery) }
            : {}),
          ...(replication.length > 0 ? { replicationPerGb: replication } : {}),
          ...(copies.length > 0 ? { secondRegionCopies: copies } : {}),
        },
        null,
        2,
      ),
    );
    return;
  }
  const variant = options.withoutProxy ? ' without RDS Proxy (Aurora may pause at 0 ACU)' : '';
  console.log(`Stage ${config.stage}${variant} — ${PRICES_REGION} list prices as of ${PRICES_AS_OF}\n`);
  console.log(table('Idle floor per month (no traffic)', idle));
  console.log('');
  console.log(table('Marginal cost per million API requests', marginal));
  console.log('');
  console.log(table('Backups per GB stored, per month', backups));
  if (disasterRecovery) {
    console.log('');
    console.log(
      table(
        `What disasterRecovery (${config.disasterRecovery.region}) adds to the idle floor`,
        disasterRecovery,
      ),
    );
    console.log('');
    console.log(table('Replication per GB written', replication));
    console.log('');
    // Unlike units (GB-months, I/Os): no total.
    console.log("The second Region's copies, kept and written (per unit, no total)");
    for (const line of copies) console.log(`  ${line.item}: $${line.monthlyUsd} (${line.basis})`);
  }
  const biggest = [...idle].sort((a, b) => b.monthlyUsd - a.monthlyUsd)[0];
  console.log(
    `\nLargest idle item: ${biggest.item}, ${((100 * biggest.monthlyUsd) / total(idle)).toFixed(0)}% of the floor.`,
  );
}

if (require.main === module) {
  main();
}
