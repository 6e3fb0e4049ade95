import { DescribeRegionSettingsCommand } from '@aws-sdk/client-backup';
import { DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeUsersCommand } from '@aws-sdk/client-elasticache';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { DescribeAccountAttributesCommand } from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  checkAvailabilityZones,
  checkBackupRegionSettings,
  checkBootstrapStack,
  checkBootstrapVersion,
  checkCacheUserIds,
  checkCredentials,
  checkLambdaConcurrency,
  checkRdsQuotas,
  checkStageStacks,
  checkVpcQuota,
} from '../../scripts/preflight/account-checks';
import type { PreflightClients } from '../../scripts/preflight/clients';
import { runCheck } from '../../scripts/preflight/errors';
import {
  ACCOUNT,
  answerHealthyAccount,
  awsError,
  CALLER_ARN,
  checkContext,
  COPY_REGION,
  mockedClients,
  prodNeeds,
  REGION,
  stackMissing,
  userNotFound,
  type PreflightMocks,
} from '../infra/helpers/preflight';

let clients: PreflightClients;
let mocks: PreflightMocks;
beforeEach(() => {
  ({ clients, mocks } = mockedClients());
  answerHealthyAccount(mocks);
});

const ctx = checkContext();
const stacksIn = (statuses: Record<string, string>) =>
  mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const status = statuses[input.StackName];
    return status
      ? Promise.resolve({
          Stacks: [{ StackName: input.StackName, StackStatus: status, CreationTime: new Date(0) }],
        })
      : Promise.reject(stackMissing(input.StackName));
  });

describe('credentials', () => {
  it('shows the account and the caller ARN', async () => {
    const outcome = await checkCredentials(clients, REGION);
    expect(outcome).toMatchObject({
      kind: 'ok',
      account: ACCOUNT,
      result: { status: 'ok', found: `account ${ACCOUNT} as ${CALLER_ARN}` },
    });
  });

  it.each(['CredentialsProviderError', 'ExpiredToken', 'InvalidClientTokenId'])(
    'turns %s into one line on how to sign in',
    async (name) => {
      mocks.sts
        .on(GetCallerIdentityCommand)
        .rejects(awsError(name, 'The security token included in the request is expired'));
      const outcome = await checkCredentials(clients, REGION);
      expect(outcome.kind).toBe('unusable');
      if (outcome.kind === 'unusable') {
        expect(outcome.line).toContain('aws sso login');
        expect(outcome.line).toContain('AWS_PROFILE');
        expect(outcome.line).not.toContain('\n');
      }
    },
  );

  it('says the endpoint cannot be reached on a network error', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('Error', `getaddrinfo ENOTFOUND sts.${REGION}.amazonaws.com`));
    expect(await checkCredentials(clients, REGION)).toMatchObject({
      kind: 'unusable',
      line: expect.stringContaining(`cannot reach AWS STS in ${REGION}`),
    });
  });
});

describe('cdk bootstrap version', () => {
  const run = () => runCheck('cdk bootstrap version', () => checkBootstrapVersion(clients, ctx));

  it('is ok at or above the version the templates require', async () => {
    expect((await run())[0]).toMatchObject({ status: 'ok', found: 'version 28 (templates need at least 6)' });
    expect(mocks.ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
      Name: '/cdk-bootstrap/hnb659fds/version',
    });
  });

  it('fails below it, with the bootstrap command for this account and region', async () => {
    mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      found: 'version 5, the templates need at least 6',
      fix: `npx cdk bootstrap aws://${ACCOUNT}/${REGION}`,
    });
  });

  it('fails when the parameter does not exist', async () => {
    mocks.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound', ''));
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      found: expect.stringContaining('not bootstrapped'),
    });
  });

  it('warns when the call is denied', async () => {
    mocks.ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 'denied', 400));
    expect((await run())[0]).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('ssm:GetParameter'),
    });
  });
});

describe('cdk bootstrap stack', () => {
  const run = () => runCheck('cdk bootstrap stack', () => checkBootstrapStack(clients, ctx));

  it('is ok when CDKToolkit is complete', async () => {
    expect((await run())[0]).toMatchObject({ status: 'ok', found: 'CDKToolkit UPDATE_COMPLETE' });
  });

  it('fails when CDKToolkit does not exist', async () => {
    stacksIn({});
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: `npx cdk bootstrap aws://${ACCOUNT}/${REGION}`,
    });
  });

  it.each(['ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'DELETE_FAILED', 'UPDATE_IN_PROGRESS'])(
    'fails when CDKToolkit is %s',
    async (status) => {
      stacksIn({ CDKToolkit: status });
      expect((await run())[0]).toMatchObject({ status: 'FAIL', found: `CDKToolkit is ${status}` });
    },
  );

  it('tells to delete a CDKToolkit that never finished creating', async () => {
    stacksIn({ CDKToolkit: 'ROLLBACK_COMPLETE' });
    expect((await run())[0].fix).toMatch(/^aws cloudformation delete-stack --stack-name CDKToolkit/);
  });

  it('warns when the call is denied', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('AccessDenied', 'not authorized', 403));
    expect((await run())[0].found).toContain('cloudformation:DescribeStacks');
  });
});

describe('stage stacks', () => {
  // The copy vault's stack lives in the copy Region, so it is described through that Region's clients.
  let copyRegion: { clients: PreflightClients; mocks: PreflightMocks };
  const inCopyRegion = (region: string) => {
    expect(region).toBe(COPY_REGION);
    return copyRegion.clients;
  };
  beforeEach(() => {
    copyRegion = mockedClients(COPY_REGION);
    copyRegion.mocks.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(stackMissing('PhotoApp-Prod-BackupCopy'));
  });

  it('reports each stack as new when none exists', async () => {
    const { results, deployed } = await checkStageStacks(clients, prodNeeds(), REGION, inCopyRegion);
    expect(results.map((r) => [r.name, r.status])).toEqual([
      [`stack PhotoApp-Prod-BackupCopy (${COPY_REGION})`, 'ok'],
      ['stack PhotoApp-Prod-Network', 'ok'],
      ['stack PhotoApp-Prod-Data', 'ok'],
      ['stack PhotoApp-Prod-Api', 'ok'],
      ['stack PhotoApp-Prod-Monitoring', 'ok'],
    ]);
    expect(deployed.size).toBe(0);
  });

  it('fails a stack left in ROLLBACK_COMPLETE, with the delete command, and remembers deployed ones', async () => {
    stacksIn({ 'PhotoApp-Prod-Network': 'UPDATE_COMPLETE', 'PhotoApp-Prod-Data': 'ROLLBACK_COMPLETE' });
    const { results, deployed } = await checkStageStacks(clients, prodNeeds(), REGION, inCopyRegion);
    expect(results[1]).toMatchObject({ status: 'ok', found: 'UPDATE_COMPLETE; the deploy updates it' });
    expect(results[2]).toMatchObject({
      status: 'FAIL',
      fix: `aws cloudformation delete-stack --stack-name PhotoApp-Prod-Data --region ${REGION}`,
    });
    expect([...deployed.keys()]).toEqual(['PhotoApp-Prod-Network', 'PhotoApp-Prod-Data']);
  });

  it('switches termination protection off first when the failed stack has it', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'x',
          StackStatus: 'ROLLBACK_COMPLETE',
          EnableTerminationProtection: true,
          CreationTime: new Date(0),
        },
      ],
    });
    const { results } = await checkStageStacks(
      clients,
      prodNeeds({ stackNames: ['PhotoApp-Prod-Data'] }),
      REGION,
      inCopyRegion,
    );
    expect(results[0].fix).toMatch(
      /^aws cloudformation update-termination-protection --no-enable-termination-protection/,
    );
  });

  it('fails UPDATE_ROLLBACK_FAILED with continue-update-rollback, and an operation in progress', async () => {
    stacksIn({
      'PhotoApp-Prod-Network': 'UPDATE_ROLLBACK_FAILED',
      'PhotoApp-Prod-Api': 'UPDATE_IN_PROGRESS',
    });
    const { results } = await checkStageStacks(clients, prodNeeds(), REGION, inCopyRegion);
    expect(results[1].fix).toContain('continue-update-rollback');
    expect(results[3]).toMatchObject({ status: 'FAIL', found: expect.stringContaining('another operation') });
  });

  it('warns per stack when the call is denied', async () => {
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('AccessDenied'));
    copyRegion.mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('AccessDenied'));
    const { results } = await checkStageStacks(clients, prodNeeds(), REGION, inCopyRegion);
    expect(results.map((r) => r.status)).toEqual(['warn', 'warn', 'warn', 'warn', 'warn']);
  });

  it("looks for the copy vault's stack in the copy Region, and fixes it there", async () => {
    // In the CLI's Region a stack of that name would be somebody else's: it must not be asked there.
    stacksIn({ 'PhotoApp-Prod-BackupCopy': 'UPDATE_COMPLETE' });
    copyRegion.mocks.cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'PhotoApp-Prod-BackupCopy',
          StackStatus: 'ROLLBACK_COMPLETE',
          CreationTime: new Date(0),
        },
      ],
    });
    const { results, deployed } = await checkStageStacks(clients, prodNeeds(), REGION, inCopyRegion);
    expect(results[0]).toMatchObject({
      name: `stack PhotoApp-Prod-BackupCopy (${COPY_REGION})`,
      status: 'FAIL',
      fix: `aws cloudformation delete-stack --stack-name PhotoApp-Prod-BackupCopy --region ${COPY_REGION}`,
    });
    expect(deployed.get('PhotoApp-Prod-BackupCopy')).toBe('ROLLBACK_COMPLETE');
    expect(
      mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName),
    ).not.toContain('PhotoApp-Prod-BackupCopy');
  });
});

describe('lambda concurrency', () => {
  const settings = (limit: number, unreserved: number) =>
    mocks.lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: limit, UnreservedConcurrentExecutions: unreserved },
    });
  const run = (context = ctx) =>
    runCheck('lambda concurrency', () => checkLambdaConcurrency(clients, context));

  it('is ok when the reservation leaves at least 100 unreserved', async () => {
    settings(1000, 1000);
    expect((await run())[0]).toMatchObject({
      status: 'ok',
      found:
        'account limit 1000, 1000 unreserved, stage reserves 100: 900 would stay unreserved (Lambda needs at least 100)',
    });
  });

  it('is ok at exactly 100 left', async () => {
    settings(200, 200);
    expect((await run())[0].status).toBe('ok');
  });

  it('fails below 100 left, with the quota request and the config setting', async () => {
    settings(10, 10);
    const [result] = await run();
    expect(result).toMatchObject({
      status: 'FAIL',
      found:
        'account limit 10, 10 unreserved, stage reserves 100: -90 would stay unreserved (Lambda needs at least 100)',
    });
    expect(result.fix).toContain(
      `aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region ${REGION}`,
    );
    expect(result.fix).toContain('lower api.databaseFunctionConcurrency in lib/config/stages/prod.ts');
  });

  it('counts the reservation a deployed stage holds already', async () => {
    settings(1000, 150);
    mocks.cloudFormation
      .on(DescribeStackResourceCommand, {
        StackName: 'PhotoApp-Prod-Api',
        LogicalResourceId: 'ProfilesFunctionEB1D8CEC',
      })
      .resolves({
        StackResourceDetail: {
          LogicalResourceId: 'ProfilesFunctionEB1D8CEC',
          PhysicalResourceId: 'PhotoApp-Prod-Api-Profiles',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'UPDATE_COMPLETE',
          LastUpdatedTimestamp: new Date(0),
        },
      });
    mocks.lambda
      .on(GetFunctionConcurrencyCommand, { FunctionName: 'PhotoApp-Prod-Api-Profiles' })
      .resolves({ ReservedConcurrentExecutions: 100 });
    const redeploy = checkContext({ deployed: new Map([['PhotoApp-Prod-Api', 'UPDATE_COMPLETE']]) });
    expect((await run(redeploy))[0]).toMatchObject({
      status: 'ok',
      found: expect.stringContaining('(+100 held by this stage already)'),
    });
    // Without the add-back the same numbers would fail.
    expect((await run())[0].status).toBe('FAIL');
  });

  it('is ok for a stage that reserves nothing, warning when the account limit is tiny', async () => {
    const dev = checkContext({ needs: prodNeeds({ reservedConcurrency: [], reservedConcurrencyTotal: 0 }) });
    settings(1000, 1000);
    expect((await run(dev))[0].status).toBe('ok');
    settings(10, 10);
    expect((await run(dev))[0].status).toBe('warn');
  });

  it('warns when the call is denied', async () => {
    mocks.lambda.on(GetAccountSettingsCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    expect((await run())[0].found).toContain('lambda:GetAccountSettings');
  });
});

describe('vpc quota', () => {
  const vpcs = (n: number) =>
    mocks.ec2
      .on(DescribeVpcsCommand)
      .resolves({ Vpcs: Array.from({ length: n }, (_, i) => ({ VpcId: `vpc-${i}` })) });
  const run = (context = ctx) => runCheck('vpc quota', () => checkVpcQuota(clients, context));

  it('is ok when a VPC is left', async () => {
    vpcs(4);
    expect((await run())[0]).toMatchObject({ status: 'ok', found: '4 of 5 VPCs used, the stage creates 1' });
    expect(mocks.serviceQuotas.commandCalls(GetServiceQuotaCommand)[0].args[0].input).toEqual({
      ServiceCode: 'vpc',
      QuotaCode: 'L-F678F1CE',
    });
  });

  it('fails when none is left', async () => {
    vpcs(5);
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('--quota-code L-F678F1CE --desired-value 6'),
    });
  });

  it('falls back to the default 5 when the quota API has no value', async () => {
    vpcs(5);
    mocks.serviceQuotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      found: expect.stringContaining('(default quota)'),
    });
  });

  it('counts every page of VPCs', async () => {
    mocks.ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'a' }, { VpcId: 'b' }], NextToken: 'more' })
      .resolves({ Vpcs: [{ VpcId: 'c' }, { VpcId: 'd' }, { VpcId: 'e' }] });
    expect((await run())[0].status).toBe('FAIL');
  });

  it('needs no VPC when the network stack exists', async () => {
    vpcs(5);
    const deployed = checkContext({ deployed: new Map([['PhotoApp-Prod-Network', 'UPDATE_COMPLETE']]) });
    expect((await run(deployed))[0]).toMatchObject({ status: 'ok', found: 'the stage creates no new VPC' });
  });

  it('warns when the call is denied', async () => {
    mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized', 403));
    expect((await run())[0].found).toContain('ec2:DescribeVpcs');
  });
});

describe('availability zones', () => {
  const run = () => runCheck('availability zones', () => checkAvailabilityZones(clients, ctx));

  it('is ok when Fn::GetAZs returns enough zones', async () => {
    expect((await run())[0]).toMatchObject({
      status: 'ok',
      found: expect.stringContaining('returns 3 zones'),
    });
  });

  it('counts every zone when no default subnet exists', async () => {
    mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    expect((await run())[0]).toMatchObject({
      status: 'ok',
      found: 'Fn::GetAZs returns 3 zones, the templates use 2',
    });
  });

  it('fails when only one zone keeps a default subnet, with the command that restores one', async () => {
    mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ AvailabilityZone: 'eu-west-1b' }] });
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: `aws ec2 create-default-subnet --availability-zone eu-west-1a --region ${REGION}`,
    });
  });
});

describe('rds quotas', () => {
  const run = (context = ctx) => runCheck('rds quotas', () => checkRdsQuotas(clients, context));

  it('is ok with room for the new cluster and instances', async () => {
    expect((await run())[0]).toMatchObject({ status: 'ok', found: 'DBClusters 3+1/40, DBInstances 5+2/40' });
  });

  it('fails when the instances would exceed the quota', async () => {
    mocks.rds.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [{ AccountQuotaName: 'DBInstances', Used: 39, Max: 40 }],
    });
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      found: expect.stringContaining('DBInstances would exceed'),
    });
  });

  it('asks nothing when the data stack exists already', async () => {
    const deployed = checkContext({ deployed: new Map([['PhotoApp-Prod-Data', 'UPDATE_COMPLETE']]) });
    expect((await run(deployed))[0].status).toBe('ok');
    expect(mocks.rds.commandCalls(DescribeAccountAttributesCommand)).toHaveLength(0);
  });

  it('warns when the call is denied', async () => {
    mocks.rds.on(DescribeAccountAttributesCommand).rejects(awsError('AccessDenied'));
    expect((await run())[0].found).toContain('rds:DescribeAccountAttributes');
  });
});

describe('elasticache user ids', () => {
  const run = (context = ctx) => runCheck('elasticache user ids', () => checkCacheUserIds(clients, context));
  const existing = (...ids: string[]) =>
    mocks.elastiCache
      .on(DescribeUsersCommand)
      .callsFake((input: { UserId: string }) =>
        ids.includes(input.UserId)
          ? Promise.resolve({ Users: [{ UserId: input.UserId, UserName: input.UserId, Engine: 'redis' }] })
          : Promise.reject(userNotFound(input.UserId)),
      );

  it('is ok when ElastiCache knows none of the ids (UserNotFound)', async () => {
    expect((await run())[0]).toMatchObject({
      status: 'ok',
      found: `photoapp-prod-app, photoapp-prod-default free in ${REGION}`,
    });
    expect(mocks.elastiCache.commandCalls(DescribeUsersCommand).map((c) => c.args[0].input)).toEqual([
      { UserId: 'photoapp-prod-app' },
      { UserId: 'photoapp-prod-default' },
    ]);
  });

  it('takes UserNotFound by the SDK fault name alone too', async () => {
    mocks.elastiCache.on(DescribeUsersCommand).rejects(awsError('UserNotFoundFault', 'not found', 404));
    expect((await run())[0].status).toBe('ok');
  });

  it('fails when an id exists while the data stack is not deployed, with the delete commands', async () => {
    existing('photoapp-prod-app');
    const [result] = await run();
    expect(result).toMatchObject({
      status: 'FAIL',
      found: `photoapp-prod-app already in use in ${REGION} while PhotoApp-Prod-Data is not deployed (another copy of the stage, or left over from a failed delete)`,
    });
    expect(result.fix).toContain(
      `aws elasticache delete-user --user-id photoapp-prod-app --region ${REGION}`,
    );
    expect(result.fix).not.toContain('photoapp-prod-default');
    expect(result.fix).toContain('another account or Region');
    expect(result.fix).toContain('namePrefix of ProfileCache in lib/stacks/data-stack.ts');
  });

  it('fails when only another stack of the stage is deployed', async () => {
    existing('photoapp-prod-app', 'photoapp-prod-default');
    const networkOnly = checkContext({ deployed: new Map([['PhotoApp-Prod-Network', 'UPDATE_COMPLETE']]) });
    expect((await run(networkOnly))[0]).toMatchObject({
      status: 'FAIL',
      found: expect.stringContaining('photoapp-prod-app, photoapp-prod-default already in use'),
    });
  });

  it('is ok when the ids exist and the data stack that owns them is deployed (an update)', async () => {
    existing('photoapp-prod-app', 'photoapp-prod-default');
    const update = checkContext({ deployed: new Map([['PhotoApp-Prod-Data', 'UPDATE_COMPLETE']]) });
    expect((await run(update))[0]).toMatchObject({
      status: 'ok',
      found:
        'photoapp-prod-app, photoapp-prod-default exist and their stack is deployed (the deploy updates them)',
    });
  });

  it('is ok without a call when the stage creates no user', async () => {
    const none = checkContext({ needs: prodNeeds({ cacheUsers: [] }) });
    expect((await run(none))[0].status).toBe('ok');
    expect(mocks.elastiCache.commandCalls(DescribeUsersCommand)).toHaveLength(0);
  });

  it('warns and names the permission when the call is denied', async () => {
    mocks.elastiCache
      .on(DescribeUsersCommand)
      .rejects(
        awsError('AccessDenied', 'User: alice is not authorized to perform: elasticache:DescribeUsers', 403),
      );
    expect((await run())[0]).toMatchObject({
      status: 'warn',
      found: 'not checked: missing permission elasticache:DescribeUsers',
      fix: 'grant elasticache:DescribeUsers to the caller',
    });
  });
});

describe('backup region settings', () => {
  const run = (needs = prodNeeds()) =>
    runCheck('backup region settings', () => checkBackupRegionSettings(clients, checkContext({ needs })));
  const settings = (
    optIn: Record<string, boolean>,
    management: Record<string, boolean> = { DynamoDB: true },
  ) =>
    mocks.backup
      .on(DescribeRegionSettingsCommand)
      .resolves({ ResourceTypeOptInPreference: optIn, ResourceTypeManagementPreference: management });
  const withoutCopies = prodNeeds({
    backup: { resourceTypes: ['Aurora', 'DynamoDB', 'S3'], copies: false, copyRegions: [] },
  });

  it('is ok when every selected type is opted in and advanced DynamoDB backup is on for the copies', async () => {
    expect(await run()).toEqual([
      {
        status: 'ok',
        name: 'backup region settings',
        found: `opted in to Aurora, DynamoDB, S3 in ${REGION}, advanced DynamoDB backup on (the copies need it)`,
      },
    ]);
  });

  it('fails when Aurora is not opted in, with the command that opts in only what is missing', async () => {
    settings({ Aurora: false, DynamoDB: true, S3: true });
    const [result] = await run();
    expect(result).toMatchObject({ status: 'FAIL', found: expect.stringContaining('Aurora not opted in') });
    expect(result.fix).toBe(
      `aws backup update-region-settings --region ${REGION} --resource-type-opt-in-preference Aurora=true`,
    );
  });

  it('only warns when a type AWS Backup includes by ARN anyway is not opted in', async () => {
    settings({ Aurora: true, DynamoDB: true });
    const [result] = await run();
    expect(result).toMatchObject({ status: 'warn', found: expect.stringContaining('S3 not opted in') });
    expect(result.fix).toBe(
      `aws backup update-region-settings --region ${REGION} --resource-type-opt-in-preference S3=true`,
    );
  });

  it('fails with copies when advanced DynamoDB backup is off, with one command for all that is missing', async () => {
    settings({ Aurora: false, DynamoDB: true, S3: false }, { DynamoDB: false });
    const [result] = await run();
    expect(result).toMatchObject({
      status: 'FAIL',
      found: expect.stringContaining('advanced DynamoDB backup off'),
    });
    expect(result.fix).toBe(
      `aws backup update-region-settings --region ${REGION} --resource-type-opt-in-preference Aurora=true,S3=true --resource-type-management-preference DynamoDB=true`,
    );
  });

  it('does not need advanced DynamoDB backup without copies', async () => {
    settings({ Aurora: true, DynamoDB: true, S3: true }, {});
    expect(await run(withoutCopies)).toEqual([
      expect.objectContaining({ status: 'ok', found: `opted in to Aurora, DynamoDB, S3 in ${REGION}` }),
    ]);
  });

  it('warns and names the permission when the call is denied', async () => {
    mocks.backup
      .on(DescribeRegionSettingsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized', 403));
    expect(await run()).toEqual([
      {
        status: 'warn',
        name: 'backup region settings',
        found: 'not checked: missing permission backup:DescribeRegionSettings',
        fix: 'grant backup:DescribeRegionSettings to the caller',
      },
    ]);
  });

  it('asks nothing for a stage without AWS Backup', async () => {
    expect(await run(prodNeeds({ backup: undefined }))).toEqual([
      expect.objectContaining({ status: 'ok', found: 'the stage has no AWS Backup selection' }),
    ]);
    expect(mocks.backup.calls()).toHaveLength(0);
  });
});
