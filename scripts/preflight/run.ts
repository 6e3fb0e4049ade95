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
  /** Clients for another Region than `region`: the one AWS Backup copies to. */
  readonly clientsIn: (region: string) => PreflightClients;
}

/**
 * The stage's backup copy vault has its own stack in the copy Region (lib/stacks/backup-copy-stack.ts),
 * so that Region must be bootstrapped as well: the same two checks, asked there.
 */
function copyRegionBootstrapChecks(
  input: RunInput,
  ctx: CheckContext,
): Array<Promise<readonly CheckResult[]>> {
  return (ctx.needs.backup?.copyRegions ?? []).flatMap((copyRegion) => {
    const clients = input.clientsIn(copyRegion);
    const copyCtx = { ...ctx, region: copyRegion };
    const version = `cdk bootstrap version (${copyRegion})`;
    const stack = `cdk bootstrap stack (${copyRegion})`;
    return [
      runCheck(version, () => checkBootstrapVersion(clients, copyCtx, version)),
      runCheck(stack, () => checkBootstrapStack(clients, copyCtx, stack)),
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
  const groups = await Promise.all([
    runCheck('cdk bootstrap version', () => checkBootstrapVersion(clients, ctx)),
    runCheck('cdk bootstrap stack', () => checkBootstrapStack(clients, ctx)),
    ...copyRegionBootstrapChecks(input, ctx),
    runCheck('aurora engine version', () => checkAuroraEngineVersion(clients, ctx)),
    runCheck('aurora serverless v2', () => checkAuroraServerlessV2(clients, ctx)),
    runCheck('rds proxy', () => checkRdsProxy(clients, ctx)),
    runCheck('rds data api', () => Promise.resolve(checkDataApi(ctx, input.regions ?? LIB_REGIONS))),
    runCheck('elasticache engine version', () => checkCacheEngineVersion(clients, ctx)),
    runCheck('elasticache node type', () => checkCacheNodeType(clients, ctx)),
    runCheck('elasticache user ids', () => checkCacheUserIds(clients, ctx)),
    runCheck('lambda runtimes', () => checkLambdaRuntimes(clients, ctx)),
    runCheck('lambda concurrency', () => checkLambdaConcurrency(clients, ctx)),
    runCheck('vpc quota', () => checkVpcQuota(clients, ctx)),
    runCheck('availability zones', () => checkAvailabilityZones(clients, ctx)),
    runCheck('rds quotas', () => checkRdsQuotas(clients, ctx)),
    runCheck('backup region settings', () => checkBackupRegionSettings(clients, ctx)),
  ]);
  return [...groups.flat(), ...stacks.results];
}
