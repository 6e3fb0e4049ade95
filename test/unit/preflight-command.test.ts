import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListLayersCommand } from '@aws-sdk/client-lambda';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { STAGE_CONFIGS } from '../../lib/config';
import { main, USAGE, type PreflightDeps } from '../../scripts/preflight';
import { createClients } from '../../scripts/preflight/clients';
import {
  ACCOUNT,
  answerHealthyAccount,
  awsError,
  COPY_REGION,
  mockedClients,
  prodNeeds,
  REGION,
  regionKnowledge,
  type PreflightMocks,
} from '../infra/helpers/preflight';

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

let mocks: PreflightMocks;
/** The clients the command builds for the backup copy Region. */
let copyMocks: PreflightMocks;
let deps: PreflightDeps;
let out: string[];
let err: string[];
const stageNeeds = jest.fn(() => prodNeeds());

beforeEach(() => {
  const mocked = mockedClients();
  const copy = mockedClients(COPY_REGION);
  mocks = mocked.mocks;
  copyMocks = copy.mocks;
  answerHealthyAccount(mocks);
  answerHealthyAccount(copyMocks);
  out = [];
  err = [];
  stageNeeds.mockClear();
  deps = {
    resolveRegion: () => Promise.resolve(REGION),
    createClients: (region) => (region === COPY_REGION ? copy.clients : mocked.clients),
    stageNeeds,
    regions: regionKnowledge(),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
});

async function run(argv: string[], changes: Partial<PreflightDeps> = {}): Promise<Run> {
  const code = await main(argv, { ...deps, ...changes });
  return { code, out, err };
}

describe('npm run preflight', () => {
  it('prints one line per check, aligned, then a summary', async () => {
    mocks.lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 150, UnreservedConcurrentExecutions: 150 } });
    const { code, out: lines, err: errors } = await run(['--stage', 'prod']);
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      `Preflight of stage prod in ${REGION}, account ${ACCOUNT}`,
      'ok    credentials                                 account 123456789012 as arn:aws:sts::123456789012:assumed-role/Deployer/alice',
      'ok    cdk bootstrap version                       version 28 (templates need at least 6)',
      'ok    cdk bootstrap stack                         CDKToolkit UPDATE_COMPLETE',
      'ok    cdk bootstrap version (us-west-2)           version 28 (templates need at least 6)',
      'ok    cdk bootstrap stack (us-west-2)             CDKToolkit UPDATE_COMPLETE',
      `ok    aurora engine version                       aurora-postgresql 17.9 offered in ${REGION}`,
      'ok    aurora serverless v2                        db.serverless orderable for aurora-postgresql 17.9 in 2 AZs',
      `ok    rds proxy                                   RDS Proxy API answers in ${REGION} (engine family POSTGRESQL)`,
      `ok    rds data api                                offered in ${REGION} (lib/regions.ts)`,
      `ok    elasticache engine version                  valkey 9.1 offered in ${REGION}`,
      `ok    elasticache node type                       cache.t4g.small (valkey) offered in ${REGION}`,
      `ok    elasticache user ids                        photoapp-prod-app, photoapp-prod-default free in ${REGION}`,
      `ok    lambda runtimes                             nodejs24.x/arm64, python3.13/x86_64 known in ${REGION}`,
      `FAIL  lambda concurrency                          account limit 150, 150 unreserved, stage reserves 100: 50 would stay unreserved (Lambda needs at least 100); fix: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region ${REGION}, or lower api.databaseFunctionConcurrency in lib/config/stages/prod.ts`,
      'ok    vpc quota                                   1 of 5 VPCs used, the stage creates 1',
      'ok    availability zones                          Fn::GetAZs returns 3 zones (those with a default subnet), the templates use 2',
      'ok    rds quotas                                  DBClusters 3+1/40, DBInstances 5+2/40',
      `ok    backup region settings                      opted in to Aurora, DynamoDB, S3 in ${REGION}, advanced DynamoDB backup on (the copies need it)`,
      'ok    stack PhotoApp-Prod-BackupCopy (us-west-2)  not deployed yet; the deploy creates it',
      'ok    stack PhotoApp-Prod-Network                 not deployed yet; the deploy creates it',
      'ok    stack PhotoApp-Prod-Data                    not deployed yet; the deploy creates it',
      'ok    stack PhotoApp-Prod-Api                     not deployed yet; the deploy creates it',
      'ok    stack PhotoApp-Prod-Monitoring              not deployed yet; the deploy creates it',
      '1 FAIL, 0 warn, 22 ok: fix the failures before `cdk deploy`',
    ]);
    expect(code).toBe(1);
    expect(stageNeeds).toHaveBeenCalledWith(expect.objectContaining({ stage: 'prod' }));
  });

  it('checks the bootstrap of the backup copy Region with clients of that Region', async () => {
    copyMocks.ssm
      .on(GetParameterCommand)
      .rejects(awsError('ParameterNotFound', 'Parameter /cdk-bootstrap/hnb659fds/version not found'));
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^FAIL  cdk bootstrap version \\(${COPY_REGION}\\) +not bootstrapped: .*; fix: npx cdk bootstrap aws://${ACCOUNT}/${COPY_REGION}$`,
        ),
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ok {4}cdk bootstrap version +version 28/));
    // That Region's CloudFormation is asked for its bootstrap stack and for the copy vault's stack.
    expect(
      copyMocks.cloudFormation
        .commandCalls(DescribeStacksCommand)
        .map((call) => call.args[0].input.StackName)
        .sort(),
    ).toEqual(['CDKToolkit', 'PhotoApp-Prod-BackupCopy']);
  });

  it('exits 0 when nothing fails, even with warnings', async () => {
    mocks.lambda.on(ListLayersCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    const { code, out: lines } = await run([]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^warn {2}lambda runtimes +not checked: missing permission lambda:ListLayers/),
    );
    expect(code).toBe(0);
  });

  it.each([
    ['CredentialsProviderError', 'Could not load credentials from any providers'],
    ['ExpiredToken', 'The security token included in the request is expired'],
  ])('without usable credentials (%s) prints one line and exits 2', async (name, message) => {
    mocks.sts.on(GetCallerIdentityCommand).rejects(awsError(name, message, 403));
    const { code, out: lines, err: errors } = await run(['--stage', 'dev']);
    expect(code).toBe(2);
    expect(lines).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('no usable AWS credentials');
    expect(errors[0]).toContain('aws sso login');
    expect(errors[0]).not.toMatch(/\n|\s+at\s/);
    // The stage is not even synthesized.
    expect(stageNeeds).not.toHaveBeenCalled();
  });

  it('without a region prints one line and exits 2', async () => {
    const { code, err: errors } = await run([], { resolveRegion: () => Promise.resolve(undefined) });
    expect(code).toBe(2);
    expect(errors).toEqual([expect.stringContaining('no AWS region; export AWS_REGION=')]);
  });

  it('refuses an unknown stage or argument in one line', async () => {
    expect((await run(['--stage', 'qa'])).code).toBe(2);
    expect(err).toEqual([`preflight: unknown stage "qa"; ${USAGE}`]);
    err.length = 0;
    expect((await run(['--verbose'])).code).toBe(2);
    expect(err[0]).toContain('unknown argument --verbose');
  });

  it('prints usage for --help and calls nothing', async () => {
    const { code, out: lines } = await run(['--help']);
    expect(code).toBe(0);
    expect(lines[0]).toBe(USAGE);
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  it('turns an unexpected crash into one line', async () => {
    const { code, err: errors } = await run([], {
      stageNeeds: () => {
        throw new Error('synth failed');
      },
    });
    expect(code).toBe(2);
    expect(errors).toEqual(['preflight: synth failed']);
  });
});

describe('AWS clients', () => {
  it('make two attempts at most and throw on a request timeout', async () => {
    const clients = Object.values(createClients(REGION)) as Array<{
      readonly config: {
        readonly region: () => Promise<string>;
        readonly maxAttempts: () => Promise<number>;
        readonly requestHandler: { readonly configProvider: Promise<unknown> };
      };
    }>;
    expect(clients).toHaveLength(9);
    for (const client of clients) {
      expect(await client.config.region()).toBe(REGION);
      expect(await client.config.maxAttempts()).toBe(2);
      // The node handler resolves its options lazily; its (internal) provider holds what it will use.
      expect(await client.config.requestHandler.configProvider).toMatchObject({
        requestTimeout: 5000,
        throwOnRequestTimeout: true,
      });
    }
  });
});

describe('npm run preflight on a stage pinned to a Region', () => {
  it("checks the stage's own Region, not the profile's, and an unpinned stage in the profile's", async () => {
    const profileRegion = 'eu-west-1';
    const asked: string[] = [];
    const pinned = STAGE_CONFIGS.prod.region;
    expect(pinned).toBeDefined();
    const { out: lines } = await run(['--stage', 'prod'], {
      resolveRegion: () => Promise.resolve(profileRegion),
      createClients: (region) => {
        asked.push(region);
        return deps.createClients(region);
      },
    });
    expect(lines[0]).toBe(`Preflight of stage prod in ${pinned}, account ${ACCOUNT}`);
    expect(asked[0]).toBe(pinned);
    out.length = 0;
    const dev = await run(['--stage', 'dev'], { resolveRegion: () => Promise.resolve(profileRegion) });
    expect(STAGE_CONFIGS.dev.region).toBeUndefined();
    expect(dev.out[0]).toBe(`Preflight of stage dev in ${profileRegion}, account ${ACCOUNT}`);
  });
});

describe('npm run preflight on a stage with a second Region (disaster recovery)', () => {
  it("checks the second Region's bootstrap and services there, and its cache users and quotas apart from the first's", async () => {
    const base = prodNeeds();
    stageNeeds.mockImplementation(() =>
      prodNeeds({
        stackNames: [...base.stackNames, 'PhotoApp-Prod-SecondaryData'],
        stackRegions: { ...base.stackRegions, 'PhotoApp-Prod-SecondaryData': COPY_REGION },
        cacheUsers: [
          ...base.cacheUsers,
          ...base.cacheUsers.map((user) => ({ ...user, stackName: 'PhotoApp-Prod-SecondaryData' })),
        ],
      }),
    );
    try {
      const { out: lines } = await run(['--stage', 'prod']);
      for (const check of [
        'aurora engine version',
        'aurora serverless v2',
        'rds proxy',
        'elasticache node type',
      ]) {
        expect(lines).toContainEqual(
          expect.stringMatching(new RegExp(`^ok {4}${check} \\(${COPY_REGION}\\) +\\S`)),
        );
      }
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^ok {4}elasticache user ids \\(${COPY_REGION}\\) +photoapp-prod-app, photoapp-prod-default free in ${COPY_REGION}`,
          ),
        ),
      );
      // Each Region's users are asked in that Region only, once.
      expect(
        lines.filter((l) => l.includes('elasticache user ids')).map((l) => l.includes(COPY_REGION)),
      ).toEqual([false, true]);
      expect(copyMocks.rds.calls().length).toBeGreaterThan(0);
    } finally {
      stageNeeds.mockImplementation(() => prodNeeds());
    }
  });
});
