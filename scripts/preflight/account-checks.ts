/**
 * What only the account can answer: who calls, is the account bootstrapped,
 * are the stage's stacks in a state a deploy can start from, and are the
 * quotas a first deploy consumes still free. One function per check; each
 * takes the clients it calls, so tests inject mocks.
 */
import { DescribeRegionSettingsCommand, type BackupClient } from '@aws-sdk/client-backup';
import {
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeUsersCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DescribeAccountAttributesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { stageConfigFile } from '../../lib/config';
import { toCreate, sum, type CheckContext } from './context';
import { ask, describeError, errorMessage, errorName, runCheck } from './errors';
import { fail, ok, warn, type CheckResult } from './report';
import type { BackupResourceType, CacheUserNeed, StageNeeds } from './stage-needs';

export const TOOLKIT_STACK = 'CDKToolkit';
/** Lambda refuses a reservation that would leave fewer unreserved executions than this. */
export const UNRESERVED_MINIMUM = 100;
export const LAMBDA_CONCURRENCY_QUOTA = 'L-B99A9384';
export const VPCS_PER_REGION_QUOTA = 'L-F678F1CE';
/** The documented default of VPCs per Region, for accounts where Service Quotas has no value. */
export const DEFAULT_VPCS_PER_REGION = 5;

// The credential chain found nothing, or STS refused the token it found.
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AuthFailure',
]);

export type CredentialsOutcome =
  | { readonly kind: 'ok'; readonly account: string; readonly arn: string; readonly result: CheckResult }
  | { readonly kind: 'unusable'; readonly line: string };

/**
 * GetCallerIdentity needs no permission, so any refusal means the credentials themselves are
 * unusable. `command` starts the line (the restore drill checks credentials the same way).
 */
export async function checkCredentials(
  clients: { readonly sts: STSClient },
  region: string,
  command = 'preflight',
): Promise<CredentialsOutcome> {
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    const account = identity.Account ?? 'unknown';
    const arn = identity.Arn ?? 'unknown';
    return { kind: 'ok', account, arn, result: ok('credentials', `account ${account} as ${arn}`) };
  } catch (error) {
    if (CREDENTIAL_ERRORS.has(errorName(error))) {
      return {
        kind: 'unusable',
        line: `${command}: no usable AWS credentials (${describeError(error)}); run \`aws sso login --profile NAME\` and export AWS_PROFILE=NAME (or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), then re-run`,
      };
    }
    return {
      kind: 'unusable',
      line: `${command}: cannot reach AWS STS in ${region} (${describeError(error)}); check the network and the region name (AWS_REGION)`,
    };
  }
}

/** The stack, or undefined when CloudFormation says it does not exist. */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const answer = await ask(
      'cloudformation:DescribeStacks',
      cfn.send(new DescribeStacksCommand({ StackName: stackName })),
    );
    return answer.Stacks?.[0];
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error)))
      return undefined;
    throw error;
  }
}

const usable = (status: string) => status.endsWith('_COMPLETE') && !/ROLLBACK|DELETE/.test(status);

/** `name` tells this Region's check from the copy Region's (run.ts). */
export async function checkBootstrapVersion(
  clients: { readonly ssm: SSMClient },
  ctx: CheckContext,
  name = 'cdk bootstrap version',
): Promise<CheckResult> {
  const { minVersion, versionParameter } = ctx.needs.bootstrap;
  const fix = `npx cdk bootstrap aws://${ctx.account}/${ctx.region}`;
  let value: string | undefined;
  try {
    const answer = await ask(
      'ssm:GetParameter',
      clients.ssm.send(new GetParameterCommand({ Name: versionParameter })),
    );
    value = answer.Parameter?.Value;
  } catch (error) {
    if (errorName(error) !== 'ParameterNotFound') throw error;
    return fail(name, `not bootstrapped: no SSM parameter ${versionParameter}`, fix);
  }
  const version = Number(value);
  if (!Number.isFinite(version))
    return fail(name, `${versionParameter} holds "${value}", not a version`, fix);
  if (version < minVersion) {
    return fail(name, `version ${version}, the templates need at least ${minVersion}`, fix);
  }
  return ok(name, `version ${version} (templates need at least ${minVersion})`);
}

export async function checkBootstrapStack(
  clients: { readonly cloudFormation: CloudFormationClient },
  ctx: CheckContext,
  name = 'cdk bootstrap stack',
): Promise<CheckResult> {
  const bootstrap = `npx cdk bootstrap aws://${ctx.account}/${ctx.region}`;
  const stack = await describeStack(clients.cloudFormation, TOOLKIT_STACK);
  if (!stack) return fail(name, `no ${TOOLKIT_STACK} stack in ${ctx.region}`, bootstrap);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (usable(status)) return ok(name, `${TOOLKIT_STACK} ${status}`);
  if (status.endsWith('_IN_PROGRESS')) {
    return fail(name, `${TOOLKIT_STACK} is ${status}`, `wait until it finishes, then re-run the preflight`);
  }
  // A stack that never finished creating cannot be updated, only deleted and created again.
  const fix = ['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED'].includes(status)
    ? `aws cloudformation delete-stack --stack-name ${TOOLKIT_STACK} --region ${ctx.region}, then ${bootstrap}`
    : bootstrap;
  return fail(name, `${TOOLKIT_STACK} is ${status}`, fix);
}

/** What a deploy can do with each stage stack, and which of them exist already (later checks count those). */
export async function checkStageStacks(
  clients: { readonly cloudFormation: CloudFormationClient },
  needs: StageNeeds,
  cliRegion: string,
  clientsIn: (region: string) => { readonly cloudFormation: CloudFormationClient },
): Promise<{ readonly results: CheckResult[]; readonly deployed: Map<string, string> }> {
  const deployed = new Map<string, string>();
  const perStack = await Promise.all(
    needs.stackNames.map((stackName) => {
      // A stack pinned to another Region (the backup copy vault's) is looked for there.
      const region = needs.stackRegions?.[stackName] ?? cliRegion;
      const cloudFormation = region === cliRegion ? clients.cloudFormation : clientsIn(region).cloudFormation;
      const name = region === cliRegion ? `stack ${stackName}` : `stack ${stackName} (${region})`;
      return runCheck(name, async () => {
        const stack = await describeStack(cloudFormation, stackName);
        if (!stack) return ok(name, 'not deployed yet; the deploy creates it');
        const status = stack.StackStatus ?? 'UNKNOWN';
        deployed.set(stackName, status);
        if (
          usable(status) ||
          status === 'UPDATE_ROLLBACK_COMPLETE' ||
          status === 'IMPORT_ROLLBACK_COMPLETE'
        ) {
          return ok(name, `${status}; the deploy updates it`);
        }
        if (status === 'REVIEW_IN_PROGRESS')
          return ok(name, `${status}; the deploy creates it from a change set`);
        if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED' || status === 'DELETE_FAILED') {
          const unprotect = stack.EnableTerminationProtection
            ? `aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stackName} --region ${region} && `
            : '';
          return fail(
            name,
            status === 'DELETE_FAILED'
              ? `${status}: a delete stopped half-way`
              : `${status}: its creation failed, so it can only be deleted`,
            `${unprotect}aws cloudformation delete-stack --stack-name ${stackName} --region ${region}`,
          );
        }
        if (status === 'UPDATE_ROLLBACK_FAILED') {
          return fail(
            name,
            `${status}: no update can start`,
            `aws cloudformation continue-update-rollback --stack-name ${stackName} --region ${region}`,
          );
        }
        return fail(
          name,
          `${status}: another operation is running`,
          'wait until it finishes, then re-run the preflight',
        );
      });
    }),
  );
  return { results: perStack.flat(), deployed };
}

/** Reservation the deployed function holds today, which GetAccountSettings already counts as reserved. */
async function currentReservation(
  clients: { readonly lambda: LambdaClient; readonly cloudFormation: CloudFormationClient },
  stackName: string,
  logicalId: string,
): Promise<number> {
  let functionName: string | undefined;
  try {
    const answer = await ask(
      'cloudformation:DescribeStackResource',
      clients.cloudFormation.send(
        new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }),
      ),
    );
    functionName = answer.StackResourceDetail?.PhysicalResourceId;
  } catch (error) {
    // The deployed stack may predate this function.
    if (errorName(error) === 'ValidationError') return 0;
    throw error;
  }
  if (!functionName) return 0;
  const concurrency = await ask(
    'lambda:GetFunctionConcurrency',
    clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
  );
  return concurrency.ReservedConcurrentExecutions ?? 0;
}

/**
 * A redeploy replaces reservations the account already counts: for stacks of
 * the stage that exist, their functions' current reservations are added back
 * to UnreservedConcurrentExecutions before comparing.
 */
export async function checkLambdaConcurrency(
  clients: { readonly lambda: LambdaClient; readonly cloudFormation: CloudFormationClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'lambda concurrency';
  const settings = await ask(
    'lambda:GetAccountSettings',
    clients.lambda.send(new GetAccountSettingsCommand({})),
  );
  const limit = settings.AccountLimit?.ConcurrentExecutions ?? 0;
  const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? limit;
  const wanted = ctx.needs.reservedConcurrencyTotal;
  if (wanted === 0) {
    const found = `account limit ${limit}, ${unreserved} unreserved; the stage reserves none`;
    return limit < UNRESERVED_MINIMUM
      ? warn(name, `${found}, but functions throttle beyond ${limit} concurrent runs`)
      : ok(name, found);
  }
  const held = await Promise.all(
    ctx.needs.reservedConcurrency
      .filter((r) => ctx.deployed.has(r.stackName))
      .map((r) => currentReservation(clients, r.stackName, r.logicalId)),
  );
  const alreadyHeld = held.reduce((n, r) => n + r, 0);
  const left = unreserved + alreadyHeld - wanted;
  const found = `account limit ${limit}, ${unreserved} unreserved${
    alreadyHeld > 0 ? ` (+${alreadyHeld} held by this stage already)` : ''
  }, stage reserves ${wanted}: ${left} would stay unreserved (Lambda needs at least ${UNRESERVED_MINIMUM})`;
  if (left < UNRESERVED_MINIMUM) {
    const desired = Math.max(1000, limit + (UNRESERVED_MINIMUM - left));
    return fail(
      name,
      found,
      `aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA} --desired-value ${desired} --region ${ctx.region}, or lower api.databaseFunctionConcurrency in ${stageConfigFile(ctx.needs.stage)}`,
    );
  }
  return ok(name, found);
}

async function countVpcs(ec2: EC2Client): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await ask(
      'ec2:DescribeVpcs',
      ec2.send(new DescribeVpcsCommand({ MaxResults: 1000, NextToken: token })),
    );
    count += page.Vpcs?.length ?? 0;
    token = page.NextToken;
  } while (token);
  return count;
}

export async function checkVpcQuota(
  clients: { readonly ec2: EC2Client; readonly serviceQuotas: ServiceQuotasClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'vpc quota';
  const needed = sum(toCreate(ctx.needs.vpcs, ctx));
  if (needed === 0) return ok(name, 'the stage creates no new VPC');
  const [count, quota] = await Promise.all([
    countVpcs(clients.ec2),
    ask(
      'servicequotas:GetServiceQuota',
      clients.serviceQuotas.send(
        new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: VPCS_PER_REGION_QUOTA }),
      ),
    ).then(
      (answer) => ({ value: answer.Quota?.Value ?? DEFAULT_VPCS_PER_REGION, source: 'quota' }),
      (error: unknown) => {
        // Accounts that never changed the quota may have no value recorded: the default applies.
        if (errorName(error) === 'NoSuchResourceException')
          return { value: DEFAULT_VPCS_PER_REGION, source: 'default' };
        throw error;
      },
    ),
  ]);
  const found = `${count} of ${quota.value} VPCs used${quota.source === 'default' ? ' (default quota)' : ''}, the stage creates ${needed}`;
  if (count + needed > quota.value) {
    return fail(
      name,
      found,
      `delete an unused VPC, or aws service-quotas request-service-quota-increase --service-code vpc --quota-code ${VPCS_PER_REGION_QUOTA} --desired-value ${count + needed} --region ${ctx.region}`,
    );
  }
  return ok(name, found);
}

/**
 * The subnets pick their zones with Fn::Select over Fn::GetAZs, which returns
 * only the zones that have a default subnet (all zones when none has one). An
 * account whose default VPC lost some subnets can leave fewer zones than the
 * templates select, and the Network stack fails to create.
 */
export async function checkAvailabilityZones(
  clients: { readonly ec2: EC2Client },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'availability zones';
  const needed = ctx.needs.availabilityZones;
  if (needed === 0) return ok(name, 'the templates do not select zones with Fn::GetAZs');
  const [zones, subnets] = await Promise.all([
    ask(
      'ec2:DescribeAvailabilityZones',
      clients.ec2.send(
        new DescribeAvailabilityZonesCommand({
          Filters: [
            { Name: 'zone-type', Values: ['availability-zone'] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      ),
    ),
    ask(
      'ec2:DescribeSubnets',
      clients.ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
      ),
    ),
  ]);
  const all = (zones.AvailabilityZones ?? []).flatMap((z) => z.ZoneName ?? []);
  const withDefault = new Set((subnets.Subnets ?? []).flatMap((s) => s.AvailabilityZone ?? []));
  const returned = withDefault.size > 0 ? all.filter((z) => withDefault.has(z)) : all;
  const found = `Fn::GetAZs returns ${returned.length} zones${
    withDefault.size > 0 ? ' (those with a default subnet)' : ''
  }, the templates use ${needed}`;
  if (returned.length < needed) {
    const missing = all.filter((z) => !withDefault.has(z)).slice(0, needed - returned.length);
    return fail(
      name,
      found,
      missing.length > 0
        ? missing
            .map((z) => `aws ec2 create-default-subnet --availability-zone ${z} --region ${ctx.region}`)
            .join(' && ')
        : `deploy to a region with at least ${needed} Availability Zones`,
    );
  }
  return ok(name, found);
}

/** RDS's own account quotas (DescribeAccountAttributes) for what the stage's new stacks create. */
export async function checkRdsQuotas(
  clients: { readonly rds: RDSClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'rds quotas';
  const needed = Object.entries(ctx.needs.rdsQuotas)
    .map(([quota, perStack]) => ({ quota, count: sum(toCreate(perStack, ctx)) }))
    .filter((n) => n.count > 0);
  if (needed.length === 0) return ok(name, 'the stage creates no new RDS resource');
  const answer = await ask(
    'rds:DescribeAccountAttributes',
    clients.rds.send(new DescribeAccountAttributesCommand({})),
  );
  const quotas = new Map((answer.AccountQuotas ?? []).map((q) => [q.AccountQuotaName, q]));
  const lines: string[] = [];
  const short: string[] = [];
  for (const { quota, count } of needed) {
    const q = quotas.get(quota);
    if (q?.Used === undefined || q.Max === undefined) continue;
    lines.push(`${quota} ${q.Used}+${count}/${q.Max}`);
    if (q.Used + count > q.Max) short.push(quota);
  }
  if (lines.length === 0) return warn(name, `RDS reported none of ${needed.map((n) => n.quota).join(', ')}`);
  if (short.length > 0) {
    return fail(
      name,
      `${lines.join(', ')}: ${short.join(', ')} would exceed the quota`,
      `delete unused RDS resources, or request an increase of ${short.join(', ')} in the Service Quotas console (service rds, region ${ctx.region})`,
    );
  }
  return ok(name, lines.join(', '));
}

/**
 * The SDK names the fault UserNotFoundFault; the wire code, which errorName
 * prefers (the error's `Code`), is UserNotFound.
 */
const USER_NOT_FOUND = new Set(['UserNotFound', 'UserNotFoundFault']);

/** Whether an ElastiCache user with this id exists in the account and Region. */
async function cacheUserExists(elastiCache: ElastiCacheClient, userId: string): Promise<boolean> {
  try {
    const answer = await ask(
      'elasticache:DescribeUsers',
      elastiCache.send(new DescribeUsersCommand({ UserId: userId })),
    );
    return (answer.Users ?? []).some((u) => u.UserId === userId);
  } catch (error) {
    if (USER_NOT_FOUND.has(errorName(error))) return false;
    throw error;
  }
}

/**
 * ElastiCache user ids are unique per account and Region, and the templates
 * fix them (ProfileCache's namePrefix). An id that exists while the stack
 * creating it is not deployed belongs to another copy of the stage or is
 * left over from a failed delete: the Data stack's first deploy would fail.
 * An id whose stack is deployed is that stack's own user, which a deploy updates.
 */
export async function checkCacheUserIds(
  clients: { readonly elastiCache: ElastiCacheClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'elasticache user ids';
  const users = ctx.needs.cacheUsers;
  if (users.length === 0) return ok(name, 'the stage creates no ElastiCache user');
  const found = await Promise.all(
    users.map(async (user) => ({ user, exists: await cacheUserExists(clients.elastiCache, user.userId) })),
  );
  const taken: CacheUserNeed[] = found
    .filter(({ user, exists }) => exists && !ctx.deployed.has(user.stackName))
    .map(({ user }) => user);
  if (taken.length > 0) {
    const ids = taken.map((u) => u.userId);
    const stacks = [...new Set(taken.map((u) => u.stackName))];
    const deletes = ids.map((id) => `aws elasticache delete-user --user-id ${id} --region ${ctx.region}`);
    return fail(
      name,
      `${ids.join(', ')} already in use in ${ctx.region} while ${stacks.join(', ')} is not deployed (another copy of the stage, or left over from a failed delete)`,
      `if no other copy uses them, delete the left-over users: ${deletes.join(' && ')}; otherwise deploy this copy to another account or Region, or change namePrefix of ProfileCache in lib/stacks/data-stack.ts`,
    );
  }
  const updated = found.filter((f) => f.exists).map((f) => f.user.userId);
  const free = found.filter((f) => !f.exists).map((f) => f.user.userId);
  return ok(
    name,
    [
      free.length > 0 ? `${free.join(', ')} free in ${ctx.region}` : '',
      updated.length > 0
        ? `${updated.join(', ')} exist and their stack is deployed (the deploy updates them)`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
  );
}

/**
 * Resource types AWS Backup skips, even when a selection names them by ARN, unless the Region's
 * opt-in is on: "This does not apply to Aurora, Neptune, and Amazon DocumentDB. For these services
 * to be included, the opt-in must be enabled."
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html).
 * The others are backed up when named by ARN, so their opt-in being off is only a warn.
 */
const OPT_IN_REQUIRED: ReadonlySet<BackupResourceType> = new Set(['Aurora']);

/**
 * AWS Backup's Region settings, which no CloudFormation resource sets: the service opt-in of each
 * selected resource type and, when recovery points are copied, advanced DynamoDB backup, without
 * which DynamoDB backups cannot be copied to another Region
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
 */
export async function checkBackupRegionSettings(
  clients: { readonly backup: BackupClient },
  ctx: CheckContext,
): Promise<CheckResult> {
  const name = 'backup region settings';
  const need = ctx.needs.backup;
  if (!need) return ok(name, 'the stage has no AWS Backup selection');
  const settings = await ask(
    'backup:DescribeRegionSettings',
    clients.backup.send(new DescribeRegionSettingsCommand({})),
  );
  const notOptedIn = need.resourceTypes.filter((t) => settings.ResourceTypeOptInPreference?.[t] !== true);
  const advancedDynamoDb = need.copies && need.resourceTypes.includes('DynamoDB');
  const advancedOff = advancedDynamoDb && settings.ResourceTypeManagementPreference?.DynamoDB !== true;
  if (notOptedIn.length === 0 && !advancedOff) {
    return ok(
      name,
      `opted in to ${need.resourceTypes.join(', ')} in ${ctx.region}${advancedDynamoDb ? ', advanced DynamoDB backup on (the copies need it)' : ''}`,
    );
  }
  const skipped = notOptedIn.filter((t) => OPT_IN_REQUIRED.has(t));
  const includedAnyway = notOptedIn.filter((t) => !OPT_IN_REQUIRED.has(t));
  const problems: string[] = [];
  if (skipped.length > 0) {
    problems.push(`${skipped.join(', ')} not opted in: AWS Backup skips it although the selection names it`);
  }
  if (includedAnyway.length > 0) {
    problems.push(
      `${includedAnyway.join(', ')} not opted in (backed up anyway: the selection names it by ARN)`,
    );
  }
  if (advancedOff) {
    problems.push(
      'advanced DynamoDB backup off: DynamoDB recovery points cannot be copied to another Region',
    );
  }
  let fix = `aws backup update-region-settings --region ${ctx.region}`;
  if (notOptedIn.length > 0) {
    fix += ` --resource-type-opt-in-preference ${notOptedIn.map((t) => `${t}=true`).join(',')}`;
  }
  if (advancedOff) fix += ' --resource-type-management-preference DynamoDB=true';
  const found = `${ctx.region}: ${problems.join('; ')}`;
  return skipped.length > 0 || advancedOff ? fail(name, found, fix) : warn(name, found, fix);
}
