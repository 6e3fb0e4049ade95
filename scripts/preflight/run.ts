import {
  checkAvailabilityZones,
  checkBackupRegionSettings,
  checkBootstrapStack,
  checkBootstrapVersion,
  checkCacheUserIds,
  checkLambdaConcurrency,
  checkRdsQuotas,
  checkStageStacks,
  checkVpcQuota,
} from './account-checks';
import type { PreflightClients } from './clients';
import type { CheckContext } from './context';
import { runCheck } from './errors';
import type { CheckResult } from './report';
import {
  checkAuroraEngineVersion,
  checkAuroraServerlessV2,
  checkCacheEngineVersion,
  checkCacheNodeType,
  checkDataApi,
  checkLambdaRuntimes,
  checkRdsProxy,
  LIB_REGIONS,
  type RegionKnowledge,
} from './service-checks';
import type { StageNeeds } from './stage-needs';

export interface RunInput {
  readonly clients: PreflightClients;
  readonly region: string;
  readonly account: string;
  readonly needs: StageNeeds;
  readonly regions?: RegionKnowledge;
  /** Clients for another Region than `region`: the backup copies' and the second Region's. */
  readonly clientsIn: (region: string) => PreflightClients;
}

/**
 * The other Regions the stage deploys stacks to: the backup copy vault's (lib/stacks/backup-copy-stack.ts)
 * and the second Region of disaster recovery, each of which must be bootstrapped as well.
 */
function otherRegions(ctx: CheckContext): string[] {
  const pinned = Object.values(ctx.needs.stackRegions ?? {});
  return [...new Set([...(ctx.needs.backup?.copyRegions ?? []), ...pinned])]
    .filter((region) => region !== ctx.region)
    .sort();
}

/**
 * What the stacks of one Region need where that is counted per Region: the fixed ElastiCache user
 * ids (unique per account and Region), reserved concurrency and the VPC and RDS quotas (per account
 * and Region), so each Region's are asked there only.
 */
function inRegion(needs: StageNeeds, region: string, mainRegion: string): StageNeeds {
  const here = ({ stackName }: { readonly stackName: string }) =>
    (needs.stackRegions?.[stackName] ?? mainRegion) === region;
  const reservedConcurrency = needs.reservedConcurrency.filter(here);
  return {
    ...needs,
    cacheUsers: needs.cacheUsers.filter(here),
    reservedConcurrency,
    reservedConcurrencyTotal: reservedConcurrency.reduce((n, r) => n + r.reserved, 0),
    vpcs: needs.vpcs.filter(here),
    rdsQuotas: Object.fromEntries(
      Object.entries(needs.rdsQuotas)
        .map(([quota, counts]) => [quota, counts.filter(here)] as const)
        .filter(([, counts]) => counts.length > 0),
    ),
  };
}

/** The same two bootstrap checks, asked in each other Region. */
function otherRegionBootstrapChecks(
  input: RunInput,
  ctx: CheckContext,
): Array<Promise<readonly CheckResult[]>> {
  return otherRegions(ctx).flatMap((otherRegion) => {
    const clients = input.clientsIn(otherRegion);
    const otherCtx = { ...ctx, region: otherRegion };
    const version = `cdk bootstrap version (${otherRegion})`;
    const stack = `cdk bootstrap stack (${otherRegion})`;
    return [
      runCheck(version, () => checkBootstrapVersion(clients, otherCtx, version)),
      runCheck(stack, () => checkBootstrapStack(clients, otherCtx, stack)),
    ];
  });
}

/**
 * A Region that holds a copy of the stage (disaster recovery: a stack of the stage's own there,
 * not only the backup copy vault) needs the same services: the Aurora engine version (a global
 * database's clusters must run the same), Serverless v2, RDS Proxy, the cache's engine and node
 * type, the cache user ids, the Lambda runtimes. The results carry the Region in their names.
 */
function secondRegionServiceChecks(
  input: RunInput,
  ctx: CheckContext,
): Array<Promise<readonly CheckResult[]>> {
  const regions = otherRegions(ctx).filter((region) =>
    Object.entries(ctx.needs.stackRegions ?? {}).some(
      ([stackName, stackRegion]) => stackRegion === region && !stackName.endsWith('-BackupCopy'),
    ),
  );
  return regions.flatMap((region) => {
    const clients = input.clientsIn(region);
    const here = { ...ctx, region, needs: inRegion(ctx.needs, region, ctx.region) };
    const check = (name: string, check: () => Promise<CheckResult | readonly CheckResult[]>) =>
      runCheck(`${name} (${region})`, check).then((results) =>
        results.map((result) => ({ ...result, name: `${result.name} (${region})` })),
      );
    return [
      check('aurora engine version', () => checkAuroraEngineVersion(clients, here)),
      check('aurora serverless v2', () => checkAuroraServerlessV2(clients, here)),
      check('rds proxy', () => checkRdsProxy(clients, here)),
      check('elasticache engine version', () => checkCacheEngineVersion(clients, here)),
      check('elasticache node type', () => checkCacheNodeType(clients, here)),
      check('elasticache user ids', () => checkCacheUserIds(clients, here)),
      check('lambda runtimes', () => checkLambdaRuntimes(clients, here)),
      check('lambda concurrency', () => checkLambdaConcurrency(clients, here)),
      check('vpc quota', () => checkVpcQuota(clients, here)),
      check('rds quotas', () => checkRdsQuotas(clients, here)),
    ];
  });
}

/**
 * Every check after the credentials one, in a fixed order. The stage stacks
 * are looked up first because the quota checks count only what a deploy
 * still has to create; the rest run concurrently.
 */
export async function runChecks(input: RunInput): Promise<CheckResult[]> {
  const { clients, region, account, needs } = input;
  const stacks = await checkStageStacks(clients, needs, region, input.clientsIn);
  const ctx: CheckContext = { region, account, needs, deployed: stacks.deployed };
  const here: CheckContext = { ...ctx, needs: inRegion(needs, region, region) };
  const groups = await Promise.all([
    runCheck('cdk bootstrap version', () => checkBootstrapVersion(clients, ctx)),
    runCheck('cdk bootstrap stack', () => checkBootstrapStack(clients, ctx)),
    ...otherRegionBootstrapChecks(input, ctx),
    runCheck('aurora engine version', () => checkAuroraEngineVersion(clients, ctx)),
    runCheck('aurora serverless v2', () => checkAuroraServerlessV2(clients, ctx)),
    runCheck('rds proxy', () => checkRdsProxy(clients, ctx)),
    runCheck('rds data api', () => Promise.resolve(checkDataApi(ctx, input.regions ?? LIB_REGIONS))),
    runCheck('elasticache engine version', () => checkCacheEngineVersion(clients, ctx)),
    runCheck('elasticache node type', () => checkCacheNodeType(clients, ctx)),
    runCheck('elasticache user ids', () => checkCacheUserIds(clients, here)),
    runCheck('lambda runtimes', () => checkLambdaRuntimes(clients, ctx)),
    runCheck('lambda concurrency', () => checkLambdaConcurrency(clients, here)),
    runCheck('vpc quota', () => checkVpcQuota(clients, here)),
    runCheck('availability zones', () => checkAvailabilityZones(clients, ctx)),
    runCheck('rds quotas', () => checkRdsQuotas(clients, here)),
    runCheck('backup region settings', () => checkBackupRegionSettings(clients, ctx)),
    ...secondRegionServiceChecks(input, ctx),
  ]);
  return [...groups.flat(), ...stacks.results];
}
