/**
 * What a stage needs from the account and region, read from the stage's own
 * synthesized templates so that it follows the code instead of being typed
 * again here.
 */
import { App } from 'aws-cdk-lib';
import { UNKNOWN_REGION } from 'aws-cdk-lib/cx-api';
import type { StageConfig } from '../../lib/config';
import { buildPhotoApp, stacksOf } from '../../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from '../cdk-context';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** The parts of a CloudFormation template this module reads. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Rules?: Readonly<Record<string, unknown>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The Region the stack is pinned to (its `env`), where that is not the Region the CLI deploys to. */
  readonly region?: string;
}

export interface AuroraNeed {
  readonly engine: string;
  readonly engineVersion: string;
  /** Some instance is `db.serverless`. */
  readonly serverlessV2: boolean;
  /** The RDS Data API (`EnableHttpEndpoint`) is switched on. */
  readonly dataApi: boolean;
}

export interface CacheNeed {
  readonly engine: string;
  readonly engineVersion: string;
  /** `CacheParameterGroupName`, when the template names one. */
  readonly parameterGroup?: string;
  readonly nodeType: string;
}

export interface LambdaRuntimeNeed {
  readonly runtime: string;
  readonly architecture: string;
}

export interface ReservedConcurrency {
  readonly stackName: string;
  readonly logicalId: string;
  readonly reserved: number;
}

/** An ElastiCache user with a fixed `UserId`, which is unique per account and Region. */
export interface CacheUserNeed {
  readonly stackName: string;
  readonly logicalId: string;
  readonly userId: string;
}

/** AWS Backup's names of the resource types whose Region settings the preflight reads. */
export type BackupResourceType = 'Aurora' | 'DynamoDB' | 'S3';

export interface BackupNeed {
  /** Types of the resources that the backup selections name by ARN, sorted. */
  readonly resourceTypes: readonly BackupResourceType[];
  /** Some plan rule copies its recovery points to another vault (`CopyActions`). */
  readonly copies: boolean;
  /** Regions of the copy vaults, where their ARNs spell one out, sorted. */
  readonly copyRegions: readonly string[];
}

/** A count of one kind of resource that a stack creates. */
export interface StackCount {
  readonly stackName: string;
  readonly count: number;
}

export interface StageNeeds {
  readonly stage: string;
  /** Stack names, in the order they deploy. */
  readonly stackNames: readonly string[];
  /** The stacks pinned to another Region than the one the CLI deploys to (the backup copy vault's), by name. */
  readonly stackRegions?: Readonly<Record<string, string>>;
  /** Lowest bootstrap version every template accepts, and the SSM parameter that holds the account's. */
  readonly bootstrap: { readonly minVersion: number; readonly versionParameter: string };
  readonly aurora: readonly AuroraNeed[];
  /** Engine families of the RDS proxies. */
  readonly proxyEngineFamilies: readonly string[];
  readonly caches: readonly CacheNeed[];
  /** `UserId` of every `AWS::ElastiCache::User`, with the stack that creates it (stack order, then id). */
  readonly cacheUsers: readonly CacheUserNeed[];
  /** Distinct runtime and architecture pairs of every function, CDK's helper functions included. */
  readonly lambdaRuntimes: readonly LambdaRuntimeNeed[];
  readonly reservedConcurrency: readonly ReservedConcurrency[];
  readonly reservedConcurrencyTotal: number;
  readonly vpcs: readonly StackCount[];
  /** Availability Zones the templates pick from `Fn::GetAZs` (highest `Fn::Select` index + 1); 0 if unused. */
  readonly availabilityZones: number;
  /** RDS resources per account quota name of DescribeAccountAttributes (`DBClusters`, ...). */
  readonly rdsQuotas: Readonly<Record<string, readonly StackCount[]>>;
  /** What AWS Backup selects and copies; absent when no stack has an `AWS::Backup::BackupSelection`. */
  readonly backup?: BackupNeed;
}

/** CDK's default qualifier; the templates name the parameter, this is only the fallback. */
const DEFAULT_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

const RDS_QUOTA_OF_TYPE: Readonly<Record<string, string>> = {
  'AWS::RDS::DBCluster': 'DBClusters',
  'AWS::RDS::DBInstance': 'DBInstances',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroups',
  'AWS::RDS::DBClusterParameterGroup': 'DBClusterParameterGroups',
  'AWS::RDS::DBParameterGroup': 'DBParameterGroups',
};

/** The resources a selection can name with `Fn::GetAtt [id, Arn]`, by the Backup type they are. */
const BACKUP_TYPE_OF_RESOURCE: Readonly<Record<string, BackupResourceType>> = {
  'AWS::RDS::DBCluster': 'Aurora',
  'AWS::DynamoDB::Table': 'DynamoDB',
  'AWS::DynamoDB::GlobalTable': 'DynamoDB',
  'AWS::S3::Bucket': 'S3',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function resources(template: CfnTemplate, type: string): Array<[string, Readonly<Record<string, unknown>>]> {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

function unique<T>(items: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(JSON.stringify(item), item);
  return [...seen.values()];
}

/**
 * CDK's `CheckBootstrapVersion` rule asserts that the `BootstrapVersion`
 * parameter is not in a list of too-old versions ("1".."5" when 6 is
 * required), so the minimum is one above the highest listed.
 */
export function minimumBootstrapVersion(template: CfnTemplate): number | undefined {
  const rule = template.Rules?.CheckBootstrapVersion as
    | { Assertions?: Array<{ Assert?: { 'Fn::Not'?: Array<{ 'Fn::Contains'?: [unknown, unknown] }> } }> }
    | undefined;
  let min: number | undefined;
  for (const assertion of rule?.Assertions ?? []) {
    const refused = assertion.Assert?.['Fn::Not']?.[0]?.['Fn::Contains']?.[0];
    if (!Array.isArray(refused)) continue;
    const versions = refused.map((v) => Number(v)).filter((v) => Number.isInteger(v));
    if (versions.length > 0) min = Math.max(min ?? 0, Math.max(...versions) + 1);
  }
  return min;
}

function highestAzIndex(node: unknown): number {
  if (Array.isArray(node)) return Math.max(-1, ...node.map(highestAzIndex));
  if (typeof node !== 'object' || node === null) return -1;
  const select = (node as Record<string, unknown>)['Fn::Select'];
  let highest = -1;
  if (Array.isArray(select) && typeof select[0] === 'number') {
    const list = select[1] as Record<string, unknown> | undefined;
    if (typeof list === 'object' && list !== null && 'Fn::GetAZs' in list) highest = select[0];
  }
  return Math.max(highest, ...Object.values(node).map(highestAzIndex));
}

/** An ARN written as a literal or an `Fn::Join`, with `*` for each part only known at deploy time. */
function arnText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['Fn::Join'] : undefined;
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
  return join[1].map((part) => (typeof part === 'string' ? part : '*')).join(join[0]);
}

/**
 * The Backup resource type of a selected ARN: from the ARN's service and resource
 * (`arn:aws:rds:REGION:ACCOUNT:cluster:ID`), or from the type of the resource whose `Arn` it is.
 * Other types are not read, so their Region settings are not checked.
 */
function backupResourceType(arn: unknown, template: CfnTemplate): BackupResourceType | undefined {
  const getAtt =
    typeof arn === 'object' && arn !== null ? (arn as Record<string, unknown>)['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
    return BACKUP_TYPE_OF_RESOURCE[template.Resources?.[String(getAtt[0])]?.Type ?? ''];
  }
  const [, , service, , , resource = ''] = arnText(arn)?.split(':') ?? [];
  if (service === 'rds' && resource === 'cluster') return 'Aurora';
  if (service === 'dynamodb' && resource.startsWith('table/')) return 'DynamoDB';
  if (service === 's3') return 'S3';
  return undefined;
}

interface BackupRuleProps {
  readonly CopyActions?: ReadonlyArray<{ readonly DestinationBackupVaultArn?: unknown }>;
}

/** What the backup selections and plans of the stage need from AWS Backup's Region settings. */
function backupNeed(stacks: readonly StackTemplate[]): BackupNeed | undefined {
  const selected = stacks.flatMap(({ template }) =>
    resources(template, 'AWS::Backup::BackupSelection').map(([, props]) => ({ template, props })),
  );
  if (selected.length === 0) return undefined;
  const resourceTypes = selected.flatMap(({ template, props }) => {
    const arns = (props.BackupSelection as { Resources?: unknown } | undefined)?.Resources;
    return (Array.isArray(arns) ? arns : []).flatMap((arn) => backupResourceType(arn, template) ?? []);
  });
  const copyActions = stacks
    .flatMap(({ template }) => resources(template, 'AWS::Backup::BackupPlan'))
    .flatMap(([, props]) => {
      const rules = (props.BackupPlan as { BackupPlanRule?: unknown } | undefined)?.BackupPlanRule;
      return (Array.isArray(rules) ? (rules as BackupRuleProps[]) : []).flatMap((r) => r.CopyActions ?? []);
    });
  // arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME; a Region only known at deploy time reads `*`.
  const copyRegions = copyActions.flatMap((action) => {
    const region = arnText(action.DestinationBackupVaultArn)?.split(':')[3];
    return region && !region.includes('*') ? [region] : [];
  });
  return {
    resourceTypes: [...new Set(resourceTypes)].sort(),
    copies: copyActions.length > 0,
    copyRegions: [...new Set(copyRegions)].sort(),
  };
}

/** Reads what the stage needs from its templates; pure, so it is tested on handmade templates too. */
export function needsFromTemplates(stage: string, stacks: readonly StackTemplate[]): StageNeeds {
  const all = (type: string) =>
    stacks.flatMap(({ stackName, template }) =>
      resources(template, type).map(([logicalId, props]) => ({ stackName, logicalId, props })),
    );
  const countPerStack = (type: string): StackCount[] =>
    stacks
      .map(({ stackName, template }) => ({ stackName, count: resources(template, type).length }))
      .filter((c) => c.count > 0);

  const serverlessClusters = new Set(
    all('AWS::RDS::DBInstance')
      .filter((i) => i.props.DBInstanceClass === 'db.serverless')
      .map((i) => JSON.stringify(i.props.DBClusterIdentifier)),
  );
  const aurora = all('AWS::RDS::DBCluster').flatMap(({ logicalId, props }) => {
    const engine = text(props.Engine);
    const engineVersion = text(props.EngineVersion);
    if (!engine?.startsWith('aurora') || !engineVersion) return [];
    return [
      {
        engine,
        engineVersion,
        serverlessV2: serverlessClusters.has(JSON.stringify({ Ref: logicalId })),
        dataApi: props.EnableHttpEndpoint === true,
      },
    ];
  });

  const caches = all('AWS::ElastiCache::ReplicationGroup').flatMap(({ props }) => {
    const engine = text(props.Engine);
    const engineVersion = text(props.EngineVersion);
    const nodeType = text(props.CacheNodeType);
    const parameterGroup = text(props.CacheParameterGroupName);
    if (!engine || !engineVersion || !nodeType) return [];
    return [{ engine, engineVersion, ...(parameterGroup ? { parameterGroup } : {}), nodeType }];
  });

  // A UserId that is not a literal (a token) names no fixed physical id, so there is nothing to look up.
  const cacheUsers = stacks.flatMap(({ stackName, template }) =>
    resources(template, 'AWS::ElastiCache::User')
      .flatMap(([logicalId, props]) => {
        const userId = text(props.UserId);
        return userId ? [{ stackName, logicalId, userId }] : [];
      })
      .sort((a, b) => a.userId.localeCompare(b.userId)),
  );

  const functions = all('AWS::Lambda::Function');
  const lambdaRuntimes = unique(
    functions.flatMap(({ props }) => {
      const runtime = text(props.Runtime);
      // Container-image functions have no runtime; x86_64 is Lambda's default architecture.
      if (!runtime) return [];
      const architectures = Array.isArray(props.Architectures) ? props.Architectures.map(String) : ['x86_64'];
      return architectures.map((architecture) => ({ runtime, architecture }));
    }),
  ).sort((a, b) => `${a.runtime}/${a.architecture}`.localeCompare(`${b.runtime}/${b.architecture}`));

  const reservedConcurrency = functions.flatMap(({ stackName, logicalId, props }) =>
    typeof props.ReservedConcurrentExecutions === 'number'
      ? [{ stackName, logicalId, reserved: props.ReservedConcurrentExecutions }]
      : [],
  );

  const minVersions = stacks.map(({ template }) => minimumBootstrapVersion(template) ?? 0);
  const versionParameter =
    stacks.map(({ template }) => text(template.Parameters?.BootstrapVersion?.Default)).find(Boolean) ??
    DEFAULT_VERSION_PARAMETER;

  const rdsQuotas: Record<string, StackCount[]> = {};
  for (const [type, quota] of Object.entries(RDS_QUOTA_OF_TYPE)) {
    const counts = countPerStack(type);
    if (counts.length > 0) rdsQuotas[quota] = counts;
  }

  const backup = backupNeed(stacks);
  const pinned = stacks.filter((s) => s.region !== undefined);
  return {
    stage,
    stackNames: stacks.map((s) => s.stackName),
    ...(pinned.length > 0
      ? { stackRegions: Object.fromEntries(pinned.map((s) => [s.stackName, s.region!])) }
      : {}),
    bootstrap: { minVersion: Math.max(0, ...minVersions), versionParameter },
    aurora: unique(aurora),
    proxyEngineFamilies: unique(
      all('AWS::RDS::DBProxy').flatMap(({ props }) => text(props.EngineFamily) ?? []),
    ),
    caches: unique(caches),
    cacheUsers,
    lambdaRuntimes,
    reservedConcurrency,
    reservedConcurrencyTotal: reservedConcurrency.reduce((n, r) => n + r.reserved, 0),
    vpcs: countPerStack('AWS::EC2::VPC'),
    availabilityZones: Math.max(0, ...stacks.map(({ template }) => highestAzIndex(template.Resources) + 1)),
    rdsQuotas,
    ...(backup ? { backup } : {}),
  };
}

/** Builds the stage in-process, the way the tests do (no bundling, no cdk-nag), and reads its needs. */
export function synthStageNeeds(config: StageConfig): StageNeeds {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
  const built = buildPhotoApp(app, config);
  const assembly = app.synth();
  // In the order `cdk deploy --all` follows: each stack after the stacks it depends on (the copy
  // vault's and the second Region's network and photo replica before the data stack, the rest of
  // the second Region after it), in the order the app builds them where nothing orders them.
  const order = deployOrder(stacksOf(built)).map((s) => s.artifactId);
  const stacks = order.map((id): StackTemplate => {
    const artifact = assembly.getStackArtifact(id);
    // A stack without an env Region goes wherever the CLI deploys; one with a literal Region (the
    // copy vault's) goes there, whatever the CLI's Region.
    const region = artifact.environment.region;
    return {
      stackName: artifact.stackName,
      template: artifact.template as CfnTemplate,
      ...(region !== UNKNOWN_REGION ? { region } : {}),
    };
  });
  return needsFromTemplates(config.stage, stacks);
}

/** The stacks, each after its dependencies; a stable order otherwise (the app's, by the first in it). */
export function deployOrder<T extends { readonly dependencies: readonly unknown[] }>(
  stacks: readonly T[],
): T[] {
  const ordered: T[] = [];
  const visit = (stack: T, path: readonly T[]) => {
    if (ordered.includes(stack)) return;
    if (path.includes(stack)) throw new Error('deployOrder: the stacks depend on each other in a cycle');
    for (const dependency of stack.dependencies) {
      if (stacks.includes(dependency as T)) visit(dependency as T, [...path, stack]);
    }
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return ordered;
}
