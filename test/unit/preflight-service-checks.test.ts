import {
  DescribeCacheEngineVersionsCommand,
  DescribeReservedCacheNodesOfferingsCommand,
} from '@aws-sdk/client-elasticache';
import { ListLayersCommand } from '@aws-sdk/client-lambda';
import {
  DescribeDBEngineVersionsCommand,
  DescribeDBProxiesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
} from '@aws-sdk/client-rds';
import type { PreflightClients } from '../../scripts/preflight/clients';
import { runCheck } from '../../scripts/preflight/errors';
import {
  checkAuroraEngineVersion,
  checkAuroraServerlessV2,
  checkCacheEngineVersion,
  checkCacheNodeType,
  checkDataApi,
  checkLambdaRuntimes,
  checkRdsProxy,
} from '../../scripts/preflight/service-checks';
import {
  answerHealthyAccount,
  awsError,
  checkContext,
  mockedClients,
  prodNeeds,
  regionKnowledge,
  REGION,
  type PreflightMocks,
} from '../infra/helpers/preflight';

let clients: PreflightClients;
let mocks: PreflightMocks;
beforeEach(() => {
  ({ clients, mocks } = mockedClients());
  answerHealthyAccount(mocks);
});

const ctx = checkContext();

describe('aurora engine version', () => {
  const run = () => runCheck('aurora engine version', () => checkAuroraEngineVersion(clients, ctx));

  it('is ok when RDS lists the version as available', async () => {
    expect(await run()).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(mocks.rds.commandCalls(DescribeDBEngineVersionsCommand)[0].args[0].input).toEqual({
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
    });
  });

  it('fails, naming the construct to change, when the region does not offer the version', async () => {
    mocks.rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [] });
    const [result] = await run();
    expect(result.status).toBe('FAIL');
    expect(result.found).toContain('aurora-postgresql 17.9 is not offered');
    expect(result.fix).toContain('lib/constructs/profile-database.ts');
  });

  it('fails when the version is deprecated', async () => {
    mocks.rds
      .on(DescribeDBEngineVersionsCommand)
      .resolves({ DBEngineVersions: [{ EngineVersion: '17.9', Status: 'deprecated' }] });
    expect((await run())[0]).toMatchObject({ status: 'FAIL', found: expect.stringContaining('deprecated') });
  });

  it('warns and names the permission when the call is denied', async () => {
    mocks.rds.on(DescribeDBEngineVersionsCommand).rejects(awsError('AccessDenied', 'not authorized', 403));
    expect((await run())[0]).toMatchObject({
      status: 'warn',
      found: 'not checked: missing permission rds:DescribeDBEngineVersions',
    });
  });

  it('warns, without crashing, on a timeout', async () => {
    mocks.rds.on(DescribeDBEngineVersionsCommand).rejects(awsError('TimeoutError', 'exceeded 5000 ms'));
    expect((await run())[0]).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('TimeoutError'),
    });
  });
});

describe('aurora serverless v2', () => {
  const run = () => runCheck('aurora serverless v2', () => checkAuroraServerlessV2(clients, ctx));

  it('is ok when db.serverless is orderable for the engine version', async () => {
    expect((await run())[0]).toMatchObject({ status: 'ok', found: expect.stringContaining('in 2 AZs') });
    expect(mocks.rds.commandCalls(DescribeOrderableDBInstanceOptionsCommand)[0].args[0].input).toMatchObject({
      DBInstanceClass: 'db.serverless',
      EngineVersion: '17.9',
    });
  });

  it('fails when no db.serverless option is orderable', async () => {
    mocks.rds.on(DescribeOrderableDBInstanceOptionsCommand).resolves({ OrderableDBInstanceOptions: [] });
    expect((await run())[0]).toMatchObject({ status: 'FAIL', fix: expect.stringContaining('db.serverless') });
  });

  it('fails when RDS refuses the engine version as a parameter', async () => {
    mocks.rds
      .on(DescribeOrderableDBInstanceOptionsCommand)
      .rejects(awsError('InvalidParameterCombination', 'no such version'));
    expect((await run())[0].status).toBe('FAIL');
  });

  it('is ok without a call when the stage has no serverless instance', async () => {
    const provisioned = checkContext({
      needs: prodNeeds({
        aurora: [{ engine: 'aurora-postgresql', engineVersion: '17.9', serverlessV2: false, dataApi: false }],
      }),
    });
    expect((await checkAuroraServerlessV2(clients, provisioned))[0].status).toBe('ok');
    expect(mocks.rds.commandCalls(DescribeOrderableDBInstanceOptionsCommand)).toHaveLength(0);
  });
});

describe('rds proxy', () => {
  const run = () => runCheck('rds proxy', () => checkRdsProxy(clients, ctx));

  it('is ok on an empty answer', async () => {
    expect((await run())[0]).toMatchObject({ status: 'ok', found: expect.stringContaining('POSTGRESQL') });
  });

  it.each([
    ['UnknownOperationException', 'Unknown operation'],
    ['InvalidAction', 'The action DescribeDBProxies is not valid'],
    ['InvalidParameterValue', 'RDS Proxy is not supported in this region'],
  ])('fails when RDS answers %s', async (name, message) => {
    mocks.rds.on(DescribeDBProxiesCommand).rejects(awsError(name, message));
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('database.proxy'),
    });
  });

  it('warns when the call is denied', async () => {
    mocks.rds.on(DescribeDBProxiesCommand).rejects(awsError('AccessDenied'));
    expect((await run())[0]).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('rds:DescribeDBProxies'),
    });
  });

  it('is ok without a call when the stage has no proxy', async () => {
    const noProxy = checkContext({ needs: prodNeeds({ proxyEngineFamilies: [] }) });
    expect((await checkRdsProxy(clients, noProxy)).status).toBe('ok');
    expect(mocks.rds.commandCalls(DescribeDBProxiesCommand)).toHaveLength(0);
  });
});

describe('rds data api', () => {
  it('is ok in a region lib/regions.ts lists with the Data API', () => {
    expect(checkDataApi(ctx, regionKnowledge())).toMatchObject({ status: 'ok' });
  });

  it('fails in a region lib/regions.ts lists without it', () => {
    const result = checkDataApi(ctx, regionKnowledge(['RDS Data API']));
    expect(result).toMatchObject({ status: 'FAIL', found: expect.stringContaining('RDS Data API') });
    expect(result.fix).toContain('AWS_REGION');
  });

  it('fails with a version fix when the engine version is below what the Data API supports', () => {
    const result = checkDataApi(ctx, regionKnowledge(['RDS Data API for Aurora PostgreSQL 17.9 (anywhere)']));
    expect(result).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('AuroraPostgresEngineVersion'),
    });
  });

  it('warns, not fails, in a region the table does not know', () => {
    const elsewhere = checkContext({ region: 'xx-unknown-1' });
    expect(checkDataApi(elsewhere, regionKnowledge())).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('xx-unknown-1 is not in lib/regions.ts'),
    });
  });

  it('passes the stage needs to missingServices', () => {
    const missingServices = jest.fn(() => []);
    checkDataApi(ctx, { support: { [REGION]: { dataApi: true } }, missingServices });
    expect(missingServices).toHaveBeenCalledWith(REGION, {
      dataApi: true,
      rdsProxy: true,
      auroraPostgresVersion: '17.9',
    });
  });
});

describe('elasticache engine version', () => {
  const run = () => runCheck('elasticache engine version', () => checkCacheEngineVersion(clients, ctx));

  it('is ok when the version is listed', async () => {
    expect((await run())[0].status).toBe('ok');
    expect(mocks.elastiCache.commandCalls(DescribeCacheEngineVersionsCommand)[0].args[0].input).toEqual({
      Engine: 'valkey',
      EngineVersion: '9.1',
    });
  });

  it("fails when the template's default parameter group is of another family than the version", async () => {
    mocks.elastiCache.on(DescribeCacheEngineVersionsCommand).resolves({
      CacheEngineVersions: [{ Engine: 'valkey', EngineVersion: '9.1', CacheParameterGroupFamily: 'valkey9' }],
    });
    const stale = checkContext({
      needs: prodNeeds({
        caches: [
          {
            engine: 'valkey',
            engineVersion: '9.1',
            parameterGroup: 'default.valkey8',
            nodeType: 'cache.t4g.small',
          },
        ],
      }),
    });
    const [result] = await runCheck('elasticache engine version', () =>
      checkCacheEngineVersion(clients, stale),
    );
    expect(result).toMatchObject({
      status: 'FAIL',
      found: 'valkey 9.1 takes parameter groups of family valkey9, the template names default.valkey8',
      fix: expect.stringContaining('default.valkey9 in lib/constructs/profile-cache.ts'),
    });
  });

  it('does not compare a custom parameter group, whose name says nothing of its family', async () => {
    const custom = checkContext({
      needs: prodNeeds({
        caches: [
          { engine: 'valkey', engineVersion: '9.1', parameterGroup: 'profiles', nodeType: 'cache.t4g.small' },
        ],
      }),
    });
    const [result] = await runCheck('elasticache engine version', () =>
      checkCacheEngineVersion(clients, custom),
    );
    expect(result.status).toBe('ok');
  });

  it.each([
    [
      'an empty list',
      () => mocks.elastiCache.on(DescribeCacheEngineVersionsCommand).resolves({ CacheEngineVersions: [] }),
    ],
    [
      'InvalidParameterValue',
      () =>
        mocks.elastiCache.on(DescribeCacheEngineVersionsCommand).rejects(awsError('InvalidParameterValue')),
    ],
  ])('fails on %s, naming the construct', async (_case, answer) => {
    answer();
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('profile-cache.ts'),
    });
  });

  it('warns when the call is denied', async () => {
    mocks.elastiCache.on(DescribeCacheEngineVersionsCommand).rejects(awsError('AccessDenied'));
    expect((await run())[0].found).toContain('elasticache:DescribeCacheEngineVersions');
  });
});

describe('elasticache node type', () => {
  const run = () => runCheck('elasticache node type', () => checkCacheNodeType(clients, ctx));

  it('is ok when at least one reserved offering exists for the node type and engine', async () => {
    expect((await run())[0].status).toBe('ok');
    expect(
      mocks.elastiCache.commandCalls(DescribeReservedCacheNodesOfferingsCommand)[0].args[0].input,
    ).toMatchObject({
      CacheNodeType: 'cache.t4g.small',
      ProductDescription: 'valkey',
    });
  });

  it('fails, naming the stage setting, when there is no offering', async () => {
    mocks.elastiCache
      .on(DescribeReservedCacheNodesOfferingsCommand)
      .resolves({ ReservedCacheNodesOfferings: [] });
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      fix: expect.stringContaining('cache.nodeType in lib/config/stages/prod.ts'),
    });
  });

  it('warns when the call is denied', async () => {
    mocks.elastiCache.on(DescribeReservedCacheNodesOfferingsCommand).rejects(awsError('AccessDenied'));
    expect((await run())[0].status).toBe('warn');
  });
});

describe('lambda runtimes', () => {
  const run = () => runCheck('lambda runtimes', () => checkLambdaRuntimes(clients, ctx));

  it('is ok when ListLayers accepts every runtime and architecture', async () => {
    expect((await run())[0]).toMatchObject({
      status: 'ok',
      found: `nodejs24.x/arm64, python3.13/x86_64 known in ${REGION}`,
    });
    expect(mocks.lambda.commandCalls(ListLayersCommand).map((c) => c.args[0].input)).toContainEqual({
      CompatibleRuntime: 'nodejs24.x',
      CompatibleArchitecture: 'arm64',
      MaxItems: 1,
    });
  });

  it('fails, naming the runtime, when the endpoint rejects it', async () => {
    mocks.lambda
      .on(ListLayersCommand, { CompatibleRuntime: 'nodejs24.x' })
      .rejects(
        awsError(
          'ValidationException',
          "Value 'nodejs24.x' at 'compatibleRuntime' failed to satisfy constraint",
        ),
      );
    expect((await run())[0]).toMatchObject({
      status: 'FAIL',
      found: `${REGION} does not know nodejs24.x/arm64`,
      fix: expect.stringContaining('APP_RUNTIME'),
    });
  });

  it('warns when the call is denied', async () => {
    mocks.lambda.on(ListLayersCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    expect((await run())[0].found).toContain('lambda:ListLayers');
  });
});
