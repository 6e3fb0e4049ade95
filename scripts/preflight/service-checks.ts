/**
 * Is what the stage needs offered in this region? One function per check;
 * each takes the clients it calls, so tests inject mocks.
 */
import {
  DescribeCacheEngineVersionsCommand,
  DescribeReservedCacheNodesOfferingsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  ListLayersCommand,
  type Architecture,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import {
  DescribeDBEngineVersionsCommand,
  DescribeDBProxiesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { stageConfigFile } from '../../lib/config';
import { missingServices, REGION_SUPPORT, type RegionNeeds, type RegionSupport } from '../../lib/regions';
import type { CheckContext } from './context';
import { ask, errorMessage, errorName } from './errors';
import { fail, ok, type CheckResult, warn } from './report';

const DATABASE_CONSTRUCT = 'lib/constructs/profile-database.ts';
const CACHE_CONSTRUCT = 'lib/constructs/profile-cache.ts';

/** The service understood the request and said the value is not one it offers. */
function isRefusedValue(error: unknown): boolean {
  return [
    'InvalidParameterValue',
    'InvalidParameterCombination',
    'InvalidParameterValueException',
    'ValidationException',
  ].includes(errorName(error));
}

/** Awaits a describe call whose refusal of the value itself means "not offered here". */
async function offered<T>(permission: string, request: Promise<T>): Promise<T | undefined> {
  try {
    return await ask(permission, request);
  } catch (error) {
    if (isRefusedValue(error)) return undefined;
    throw error;
  }
}

export async function checkAuroraEngineVersion(
  clients: { readonly rds: RDSClient },
  ctx: CheckContext,
): Promise<CheckResult[]> {
  const name = 'aurora engine version';
  if (ctx.needs.aurora.length === 0) return [ok(name, 'no Aurora cluster in this stage')];
  return Promise.all(
    ctx.needs.aurora.map(async ({ engine, engineVersion }) => {
      const wanted = `${engine} ${engineVersion}`;
      const fix = `pick a version listed by \`aws rds describe-db-engine-versions --engine ${engine} --query "DBEngineVersions[?Status=='available'].EngineVersion" --region ${ctx.region}\` and set it (AuroraPostgresEngineVersion) in ${DATABASE_CONSTRUCT}`;
      const answer = await offered(
        'rds:DescribeDBEngineVersions',
        clients.rds.send(
          new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: engineVersion }),
        ),
      );
      const match = answer?.DBEngineVersions?.find((v) => v.EngineVersion === engineVersion);
      if (!match) return fail(name, `${wanted} is not offered in ${ctx.region}`, fix);
      if (match.Status && match.Status !== 'available') {
        return fail(name, `${wanted} is ${match.Status} in ${ctx.region}; new clusters cannot use it`, fix);
      }
      return ok(name, `${wanted} offered in ${ctx.region}`);
    }),
  );
}

export async function checkAuroraServerlessV2(
  clients: { readonly rds: RDSClient },
  ctx: CheckContext,
): Promise<CheckResult[]> {
  const name = 'aurora serverless v2';
  const serverless = ctx.needs.aurora.filter((a) => a.serverlessV2);
  if (serverless.length === 0) return [ok(name, 'no db.serverless instance in this stage')];
  return Promise.all(
    serverless.map(async ({ engine, engineVersion }) => {
      const answer = await offered(
        'rds:DescribeOrderableDBInstanceOptions',
        clients.rds.send(
          new DescribeOrderableDBInstanceOptionsCommand({
            Engine: engine,
            EngineVersion: engineVersion,
            DBInstanceClass: 'db.serverless',
            MaxRecords: 20,
          }),
        ),
      );
      const options = answer?.OrderableDBInstanceOptions ?? [];
      if (options.length === 0) {
        return fail(
          name,
          `db.serverless is not orderable for ${engine} ${engineVersion} in ${ctx.region}`,
          `pick a version listed by \`aws rds describe-orderable-db-instance-options --engine ${engine} --db-instance-class db.serverless --query "OrderableDBInstanceOptions[].EngineVersion" --region ${ctx.region}\` and set it in ${DATABASE_CONSTRUCT}`,
        );
      }
      const zones = new Set(options.flatMap((o) => (o.AvailabilityZones ?? []).map((z) => z.Name)));
      return ok(
        name,
        `db.serverless orderable for ${engine} ${engineVersion}${zones.size > 0 ? ` in ${zones.size} AZs` : ''}`,
      );
    }),
  );
}

/** What RDS answers where it does not run RDS Proxy: the operation itself is unknown to the endpoint. */
function isProxyUnsupported(error: unknown): boolean {
  return (
    ['UnknownOperationException', 'UnknownOperation', 'InvalidAction', 'UnsupportedOperation'].includes(
      errorName(error),
    ) || /not (supported|available) in (this|the) region/i.test(errorMessage(error))
  );
}

export async function checkRdsProxy(
  clients: { readonly rds: RDSClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'rds proxy';
  const families = ctx.needs.proxyEngineFamilies;
  if (families.length === 0) return ok(name, 'no RDS Proxy in this stage');
  try {
    // An empty list is the normal answer in a fresh account; only a refusal of the call matters.
    await ask('rds:DescribeDBProxies', clients.rds.send(new DescribeDBProxiesCommand({ MaxRecords: 20 })));
  } catch (error) {
    if (!isProxyUnsupported(error)) throw error;
    return fail(
      name,
      `RDS Proxy is not offered in ${ctx.region} (${errorName(error)})`,
      `deploy to a region with RDS Proxy, or set database.proxy: false in ${stageConfigFile(ctx.needs.stage)} (not allowed in a production stage)`,
    );
  }
  return ok(name, `RDS Proxy API answers in ${ctx.region} (engine family ${families.join(', ')})`);
}

/** The region knowledge of lib/regions.ts, injectable so tests do not depend on its table. */
export interface RegionKnowledge {
  readonly support: Readonly<Record<string, RegionSupport>>;
  readonly missingServices: (region: string, needs: RegionNeeds) => string[];
}

export const LIB_REGIONS: RegionKnowledge = { support: REGION_SUPPORT, missingServices };

/**
 * The Data API has no describe call: it is offered wherever AWS lists it for
 * Aurora PostgreSQL Serverless v2, so this reads the list kept in
 * lib/regions.ts. An unknown region is a warn: the table may just be behind.
 */
export function checkDataApi(ctx: CheckContext, regions: RegionKnowledge = LIB_REGIONS): CheckResult {
  const name = 'rds data api';
  const users = ctx.needs.aurora.filter((a) => a.dataApi);
  if (users.length === 0) return ok(name, 'not used by this stage');
  const missing = users.flatMap((a) =>
    regions.missingServices(ctx.region, {
      dataApi: true,
      rdsProxy: ctx.needs.proxyEngineFamilies.length > 0,
      auroraPostgresVersion: a.engine === 'aurora-postgresql' ? a.engineVersion : undefined,
    }),
  );
  if (missing.length > 0) {
    const versionProblem = missing.some((m) => m.includes('(anywhere)'));
    return fail(
      name,
      `lib/regions.ts lists ${ctx.region} without: ${[...new Set(missing)].join(', ')}; schema migrations run through the Data API`,
      versionProblem
        ? `raise AuroraPostgresEngineVersion in ${DATABASE_CONSTRUCT} to a version the Data API supports (DATA_API_MINIMUM_VERSION in lib/regions.ts)`
        : 'deploy to a region that lib/regions.ts lists with dataApi: true (set AWS_REGION)',
    );
  }
  if (regions.support[ctx.region] === undefined) {
    return warn(
      name,
      `${ctx.region} is not in lib/regions.ts; check that AWS lists the Data API for Aurora PostgreSQL Serverless v2 there`,
      `add ${ctx.region} to REGION_SUPPORT in lib/regions.ts once confirmed`,
    );
  }
  return ok(name, `offered in ${ctx.region} (lib/regions.ts)`);
}

export async function checkCacheEngineVersion(
  clients: { readonly elastiCache: ElastiCacheClient },
  ctx: CheckContext,
): Promise<CheckResult[]> {
  const name = 'elasticache engine version';
  if (ctx.needs.caches.length === 0) return [ok(name, 'no ElastiCache replication group in this stage')];
  return Promise.all(
    ctx.needs.caches.map(async ({ engine, engineVersion, parameterGroup }) => {
      const answer = await offered(
        'elasticache:DescribeCacheEngineVersions',
        clients.elastiCache.send(
          new DescribeCacheEngineVersionsCommand({ Engine: engine, EngineVersion: engineVersion }),
        ),
      );
      const versions = answer?.CacheEngineVersions ?? [];
      if (versions.length === 0) {
        return fail(
          name,
          `${engine} ${engineVersion} is not offered in ${ctx.region}`,
          `pick a version listed by \`aws elasticache describe-cache-engine-versions --engine ${engine} --query "CacheEngineVersions[].EngineVersion" --region ${ctx.region}\` and set ENGINE_VERSION in ${CACHE_CONSTRUCT}`,
        );
      }
      // ElastiCache refuses a parameter group of another family than the version's. A default group
      // is named after its family (default.valkey9); a custom name says nothing, so it is not compared.
      const family = versions[0].CacheParameterGroupFamily;
      if (family && parameterGroup?.startsWith('default.') && parameterGroup !== `default.${family}`) {
        return fail(
          name,
          `${engine} ${engineVersion} takes parameter groups of family ${family}, the template names ${parameterGroup}`,
          `set PARAMETER_GROUP to default.${family} in ${CACHE_CONSTRUCT}`,
        );
      }
      return ok(name, `${engine} ${engineVersion} offered in ${ctx.region}`);
    }),
  );
}

/**
 * ElastiCache has no "orderable node types" call (RDS has
 * DescribeOrderableDBInstanceOptions). Reserved-node offerings are published
 * per region for each node type and engine that can run there, and
 * DescribeReservedCacheNodesOfferings is the documented call that filters them
 * by CacheNodeType and ProductDescription (the engine): at least one offering
 * means the region offers the node type; none means it does not.
 */
export async function checkCacheNodeType(
  clients: { readonly elastiCache: ElastiCacheClient },
  ctx: CheckContext,
): Promise<CheckResult[]> {
  const name = 'elasticache node type';
  if (ctx.needs.caches.length === 0) return [ok(name, 'no ElastiCache replication group in this stage')];
  return Promise.all(
    ctx.needs.caches.map(async ({ engine, nodeType }) => {
      const answer = await offered(
        'elasticache:DescribeReservedCacheNodesOfferings',
        clients.elastiCache.send(
          new DescribeReservedCacheNodesOfferingsCommand({
            CacheNodeType: nodeType,
            ProductDescription: engine,
            MaxRecords: 20,
          }),
        ),
      );
      if ((answer?.ReservedCacheNodesOfferings ?? []).length === 0) {
        return fail(
          name,
          `${nodeType} (${engine}) is not offered in ${ctx.region}`,
          `set cache.nodeType in ${stageConfigFile(ctx.needs.stage)} to a type \`aws elasticache describe-reserved-cache-nodes-offerings --product-description ${engine} --query "ReservedCacheNodesOfferings[].CacheNodeType" --region ${ctx.region}\` lists`,
        );
      }
      return ok(name, `${nodeType} (${engine}) offered in ${ctx.region}`);
    }),
  );
}

/**
 * No Lambda API lists the runtimes of a region. ListLayers validates
 * CompatibleRuntime and CompatibleArchitecture against the enums that the
 * region's Lambda endpoint knows, and refuses an unknown value with a
 * ValidationException; an empty or non-empty list both mean "known". This
 * proves the endpoint knows the identifiers (it catches a runtime too new for
 * the region, or a typo). It cannot prove CreateFunction accepts them: a
 * deprecated runtime stays in the enum after creation is blocked, and the
 * layer enum is not guaranteed to match CreateFunction's exactly.
 */
export async function checkLambdaRuntimes(
  clients: { readonly lambda: LambdaClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'lambda runtimes';
  const pairs = ctx.needs.lambdaRuntimes;
  if (pairs.length === 0) return ok(name, 'no zip-packaged function in this stage');
  const answers = await Promise.all(
    pairs.map(async (pair) => {
      const known = await offered(
        'lambda:ListLayers',
        clients.lambda.send(
          new ListLayersCommand({
            CompatibleRuntime: pair.runtime as Runtime,
            CompatibleArchitecture: pair.architecture as Architecture,
            MaxItems: 1,
          }),
        ),
      );
      return { label: `${pair.runtime}/${pair.architecture}`, known: known !== undefined };
    }),
  );
  const unknown = answers.filter((a) => !a.known).map((a) => a.label);
  if (unknown.length > 0) {
    return fail(
      name,
      `${ctx.region} does not know ${unknown.join(', ')}`,
      'set APP_RUNTIME in lib/constructs/app-function.ts to a runtime the region offers (CDK helper functions pick theirs: upgrade or pin aws-cdk-lib)',
    );
  }
  return ok(name, `${answers.map((a) => a.label).join(', ')} known in ${ctx.region}`);
}
