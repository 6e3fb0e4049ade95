import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  RestoreTableToPointInTimeCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  RestoreDBClusterToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { ExecuteStatementCommand } from '@aws-sdk/client-rds-data';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createClients, main, type RestoreDrillDeps } from '../../scripts/restore-drill';
import {
  deleteCommands,
  drillNames,
  formatSteps,
  parseArgs,
  parseTimestamp,
  RDS_IDENTIFIER_MAX,
} from '../../scripts/restore-drill/plan';
import { MAX_SCAN_PAGES, type WaitLimits } from '../../scripts/restore-drill/run';
import { ACCOUNT, awsError, CALLER_ARN, REGION } from '../infra/helpers/preflight';

const NOW = new Date('2025-06-01T12:00:00Z');
const STACK = 'PhotoApp-Prod-Data';
const TABLE = 'PhotoApp-Prod-Data-PhotoTable9F014336-1A2B3C4D5E6F';
// As CloudFormation generates it: 62 characters, so the drill's name must cut it.
const CLUSTER = 'photoapp-prod-data-profiledatabasecluster1c448f76-1a2b3c4d5e6f';
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:PhotoAppProdDataProfileDa-AbCdEf`;
const DRILL_TABLE = `${TABLE}-drill-202506011200`;
const DRILL_CLUSTER = 'photoapp-prod-data-profiledatabasecluster1c4-drill-202506011200';
const DRILL_INSTANCE = 'photoapp-prod-data-profiledatabaseclu-drill-202506011200-writer';
const DRILL_CLUSTER_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${DRILL_CLUSTER}`;
const EARLIEST = new Date('2025-05-18T12:00:00Z');
const LATEST = new Date('2025-06-01T11:55:00Z');

/** Waits that poll every millisecond: the waiters' own code runs, without their minutes. */
const FAST: WaitLimits = { minDelay: 0.001, maxDelay: 0.001, maxWaitTime: 5 };

type Clients = ReturnType<typeof createClients>;
type Mocks = { readonly [K in keyof Clients]: AwsClientStub<Clients[K]> };

const GONE = 'gone';

/**
 * The restored resources as AWS reports them: each create starts a sequence of statuses that
 * advances one step per describe (so the waiters really poll), each delete a sequence that ends
 * with the resource gone. Deleting something still being created is refused, as AWS does.
 */
class World {
  private readonly statuses = new Map<string, string[]>();

  constructor(private readonly creatingPolls: number) {}

  creating(id: string, creating: string, ready: string): void {
    this.statuses.set(id, [...Array<string>(this.creatingPolls).fill(creating), ready]);
  }

  deleting(id: string, status: string): void {
    this.statuses.set(id, [status, GONE]);
  }

  now(id: string): string | undefined {
    return this.statuses.get(id)?.[0];
  }

  /** The status a describe reports, advancing the sequence; undefined once gone. */
  describe(id: string): string | undefined {
    const sequence = this.statuses.get(id);
    if (!sequence) return undefined;
    const status = sequence.length > 1 ? sequence.shift()! : sequence[0];
    if (status !== GONE) return status;
    this.statuses.delete(id);
    return undefined;
  }
}

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

let mocks: Mocks;
let clients: Clients;
let world: World;
let out: string[];
let err: string[];
let interrupt: () => void;
let exit: jest.Mock;
/** Called as each restored resource is described (a wait polls): where a test presses Ctrl-C. */
let onDescribe: (id: string) => void;

const stackResource = (logicalId: string, physicalId: string, type: string) => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: type,
  ResourceStatus: 'CREATE_COMPLETE' as const,
  LastUpdatedTimestamp: NOW,
});

function answerHealthyStage(creatingPolls = 1): void {
  world = new World(creatingPolls);
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN });
  mocks.cloudFormation.on(ListStackResourcesCommand, { StackName: STACK }).resolves({
    StackResourceSummaries: [
      stackResource('PhotoTable9F014336', TABLE, 'AWS::DynamoDB::GlobalTable'),
      stackResource('ProfileDatabaseCluster1C448F76', CLUSTER, 'AWS::RDS::DBCluster'),
      stackResource(
        'PhotoAppProdDataProfileDatabaseClusterSecret094EDB583fdaad7e',
        SECRET,
        'AWS::SecretsManager::Secret',
      ),
      stackResource('ProfileDatabaseProxy2500DDE4', 'photoapp-prod-proxy', 'AWS::RDS::DBProxy'),
    ],
  });
  mocks.dynamoDb.on(DescribeContinuousBackupsCommand, { TableName: TABLE }).resolves({
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: 'ENABLED',
        EarliestRestorableDateTime: EARLIEST,
        LatestRestorableDateTime: LATEST,
      },
    },
  });
  mocks.dynamoDb.on(RestoreTableToPointInTimeCommand).callsFake((input: { TargetTableName: string }) => {
    world.creating(input.TargetTableName, 'CREATING', 'ACTIVE');
    return {
      TableDescription: { TableName: input.TargetTableName, RestoreSummary: { RestoreDateTime: LATEST } },
    };
  });
  mocks.dynamoDb.on(DescribeTableCommand).callsFake((input: { TableName: string }) => {
    onDescribe(input.TableName);
    const status = world.describe(input.TableName);
    if (!status) throw awsError('ResourceNotFoundException', `Table ${input.TableName} not found`);
    return { Table: { TableName: input.TableName, TableStatus: status } };
  });
  mocks.dynamoDb
    .on(ScanCommand)
    .resolvesOnce({ Count: 40, LastEvaluatedKey: { pk: { S: 'PHOTO#40' }, sk: { S: 'META' } } })
    .resolves({ Count: 2 });
  mocks.dynamoDb.on(DeleteTableCommand).callsFake((input: { TableName: string }) => {
    if (world.now(input.TableName) === 'CREATING') throw awsError('ResourceInUseException');
    world.deleting(input.TableName, 'DELETING');
    return {};
  });

  mocks.rds.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    if (input.DBClusterIdentifier === CLUSTER) {
      return {
        DBClusters: [
          {
            DBClusterIdentifier: CLUSTER,
            Engine: 'aurora-postgresql',
            DatabaseName: 'photos',
            DBSubnetGroup: 'photoapp-prod-data-profiledatabaseclustersubnets',
            VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0database', Status: 'active' }],
            Port: 5438,
            DBClusterParameterGroup: 'photoapp-prod-data-clusterparameters',
            IAMDatabaseAuthenticationEnabled: true,
            // RDS may report an auto-pause delay that a cluster with a 0.5 ACU floor never uses.
            ServerlessV2ScalingConfiguration: {
              MinCapacity: 0.5,
              MaxCapacity: 16,
              SecondsUntilAutoPause: 300,
            },
            EarliestRestorableTime: EARLIEST,
            LatestRestorableTime: LATEST,
          },
        ],
      };
    }
    onDescribe(input.DBClusterIdentifier);
    const status = world.describe(input.DBClusterIdentifier);
    if (!status)
      throw awsError('DBClusterNotFoundFault', `DBCluster ${input.DBClusterIdentifier} not found.`, 404);
    return { DBClusters: [{ DBClusterIdentifier: input.DBClusterIdentifier, Status: status }] };
  });
  mocks.rds.on(RestoreDBClusterToPointInTimeCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    world.creating(input.DBClusterIdentifier, 'creating', 'available');
    return { DBCluster: { DBClusterIdentifier: input.DBClusterIdentifier, DBClusterArn: DRILL_CLUSTER_ARN } };
  });
  mocks.rds.on(CreateDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    world.creating(input.DBInstanceIdentifier, 'creating', 'available');
    return { DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier } };
  });
  mocks.rds.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    onDescribe(input.DBInstanceIdentifier);
    const status = world.describe(input.DBInstanceIdentifier);
    if (!status)
      throw awsError('DBInstanceNotFoundFault', `DBInstance ${input.DBInstanceIdentifier} not found.`, 404);
    return { DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: status }] };
  });
  mocks.rds
    .on(EnableHttpEndpointCommand)
    .resolves({ ResourceArn: DRILL_CLUSTER_ARN, HttpEndpointEnabled: true });
  mocks.rds.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier: string }) => {
    if (world.now(input.DBInstanceIdentifier) === 'creating') throw awsError('InvalidDBInstanceStateFault');
    world.deleting(input.DBInstanceIdentifier, 'deleting');
    return {};
  });
  mocks.rds.on(DeleteDBClusterCommand).callsFake((input: { DBClusterIdentifier: string }) => {
    // RDS refuses while the cluster is being created or still has an instance.
    if (world.now(input.DBClusterIdentifier) === 'creating' || world.now(DRILL_INSTANCE) !== undefined) {
      throw awsError('InvalidDBClusterStateFault');
    }
    world.deleting(input.DBClusterIdentifier, 'deleting');
    return {};
  });
  mocks.rdsData
    .on(ExecuteStatementCommand)
    .resolves({ records: [[{ longValue: 7 }]], columnMetadata: [{ name: 'profiles', label: 'profiles' }] });
}

beforeEach(() => {
  clients = createClients(REGION);
  mocks = {
    sts: mockClient(clients.sts),
    cloudFormation: mockClient(clients.cloudFormation),
    dynamoDb: mockClient(clients.dynamoDb),
    rds: mockClient(clients.rds),
    rdsData: mockClient(clients.rdsData),
  };
  answerHealthyStage();
  out = [];
  err = [];
  interrupt = () => undefined;
  exit = jest.fn();
  onDescribe = () => undefined;
});

/** Presses Ctrl-C `times` times when `id` is first described. */
function interruptOnFirstDescribe(id: string, times: number): void {
  let pressed = false;
  onDescribe = (described) => {
    if (described !== id || pressed) return;
    pressed = true;
    for (let i = 0; i < times; i++) interrupt();
  };
}

function deps(changes: Partial<RestoreDrillDeps> = {}): RestoreDrillDeps {
  return {
    resolveRegion: () => Promise.resolve(REGION),
    createClients: () => clients,
    now: () => NOW,
    waits: { table: FAST, cluster: FAST, instance: FAST, deletion: FAST },
    // One attempt: an error the runner would wait out fails at once.
    dataApiRetry: { maxElapsedMs: 0, baseDelayMs: 1, maxDelayMs: 1, sleep: () => Promise.resolve() },
    onInterrupt: (handler) => {
      interrupt = handler;
      return () => {
        interrupt = () => undefined;
      };
    },
    exit,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    ...changes,
  };
}

async function run(argv: string[], changes: Partial<RestoreDrillDeps> = {}): Promise<Run> {
  const code = await main(argv, deps(changes));
  return { code, out, err };
}

/** The inputs of the calls `commandCalls` returned. */
const inputs = <T extends { readonly input: unknown }>(calls: ReadonlyArray<{ readonly args: [T] }>) =>
  calls.map((call) => call.args[0].input as T['input']);

/** Commands the RDS client sent, by name, in order. */
const rdsCommands = () => mocks.rds.calls().map((call) => (call.args[0] as object).constructor.name);

const deletedEverything = () => {
  expect(inputs(mocks.dynamoDb.commandCalls(DeleteTableCommand))).toEqual([{ TableName: DRILL_TABLE }]);
  expect(inputs(mocks.rds.commandCalls(DeleteDBInstanceCommand))).toEqual([
    { DBInstanceIdentifier: DRILL_INSTANCE, SkipFinalSnapshot: true },
  ]);
  expect(inputs(mocks.rds.commandCalls(DeleteDBClusterCommand)).at(-1)).toEqual({
    DBClusterIdentifier: DRILL_CLUSTER,
    SkipFinalSnapshot: true,
    DeleteAutomatedBackups: true,
  });
  // The deletions were waited for: each resource is gone.
  expect([DRILL_TABLE, DRILL_INSTANCE, DRILL_CLUSTER].map((id) => world.now(id))).toEqual([
    undefined,
    undefined,
    undefined,
  ]);
};

describe('restore drill arguments', () => {
  it('reads the stage, a zoned --to and --keep', () => {
    expect(parseArgs(['--stage', 'prod'], NOW)).toEqual({ help: false, stage: 'prod', keep: false });
    expect(parseArgs(['--stage=dev', '--to=2025-06-01T11:30+02:00', '--keep'], NOW)).toEqual({
      help: false,
      stage: 'dev',
      to: new Date('2025-06-01T09:30:00Z'),
      keep: true,
    });
    expect(parseTimestamp('2025-06-01T09:30:15.250Z')).toEqual(
      new Date(Date.UTC(2025, 5, 1, 9, 30, 15, 250)),
    );
  });

  it.each([
    ['2025-06-01T09:30', 'not a timestamp with a zone'],
    ['yesterday', 'not a timestamp with a zone'],
    ['2025-02-30T00:00Z', 'does not exist'],
    ['2025-06-01T24:00Z', 'does not exist'],
    ['2025-06-01T12:01Z', 'is in the future'],
  ])('refuses --to %s', (to, reason) => {
    expect(() => parseArgs(['--stage', 'prod', '--to', to], NOW)).toThrow(reason);
  });

  it.each([
    [['--stage', 'staging'], 'unknown stage "staging"'],
    [['--to', '2025-06-01T09:30Z'], '--stage is required'],
    [['--stage', 'prod', '--force'], 'unknown argument --force'],
  ])('refuses %j', (argv, reason) => {
    expect(() => parseArgs(argv, NOW)).toThrow(reason);
  });

  it('stops at a bad argument with one line and exit code 2, before calling AWS', async () => {
    const { code, err: errors } = await run(['--stage', 'prod', '--to', '2025-06-01 09:30']);
    expect(code).toBe(2);
    expect(errors).toEqual([
      expect.stringMatching(/^restore-drill: --to 2025-06-01 09:30 is not a timestamp/),
    ]);
    expect(mocks.sts.calls()).toHaveLength(0);
  });
});

describe('restore drill names and output', () => {
  it('names the copies after the source and the minute, within RDS limits', () => {
    const names = drillNames({ table: TABLE, cluster: CLUSTER }, '202506011200');
    expect(names).toEqual({ table: DRILL_TABLE, cluster: DRILL_CLUSTER, instance: DRILL_INSTANCE });
    expect(names.cluster.length).toBeLessThanOrEqual(RDS_IDENTIFIER_MAX);
    expect(names.instance.length).toBeLessThanOrEqual(RDS_IDENTIFIER_MAX);
    // A cut that ends on a hyphen would give two in a row, which RDS refuses.
    expect(drillNames({ table: 't', cluster: `${'a'.repeat(43)}-bcdef` }, '202506011200').cluster).toBe(
      `${'a'.repeat(43)}-drill-202506011200`,
    );
  });

  it('prints the steps as an aligned table', () => {
    expect(
      formatSteps([
        { step: 'find the stage resources', seconds: 1.23, ok: true },
        { step: 'table: restore until ACTIVE', seconds: 612, ok: false },
      ]),
    ).toEqual([
      'step                         seconds  result',
      'find the stage resources         1.2  ok',
      'table: restore until ACTIVE    612.0  FAILED',
    ]);
  });

  it('deletes an instance before its cluster', () => {
    expect(
      deleteCommands(
        [
          { kind: 'cluster', name: 'c' },
          { kind: 'instance', name: 'i' },
        ],
        REGION,
      ),
    ).toEqual([
      `aws rds delete-db-instance --db-instance-identifier i --skip-final-snapshot --region ${REGION}`,
      `aws rds wait db-instance-deleted --db-instance-identifier i --region ${REGION}`,
      `aws rds delete-db-cluster --db-cluster-identifier c --skip-final-snapshot --delete-automated-backups --region ${REGION}`,
    ]);
  });
});

describe('npm run restore-drill', () => {
  it('restores both stores next to the originals, checks them and deletes them', async () => {
    const { code, out: lines, err: errors } = await run(['--stage', 'prod']);
    expect(errors).toEqual([]);
    expect(code).toBe(0);

    expect(inputs(mocks.dynamoDb.commandCalls(RestoreTableToPointInTimeCommand))).toEqual([
      {
        SourceTableName: TABLE,
        TargetTableName: DRILL_TABLE,
        UseLatestRestorableTime: true,
        BillingModeOverride: 'PAY_PER_REQUEST',
      },
    ]);
    // The paginator sends one input object, adding ExclusiveStartKey from the second page on.
    expect(inputs(mocks.dynamoDb.commandCalls(ScanCommand))).toEqual([
      expect.objectContaining({ TableName: DRILL_TABLE, Select: 'COUNT' }),
      expect.objectContaining({ TableName: DRILL_TABLE, Select: 'COUNT' }),
    ]);
    expect(inputs(mocks.rds.commandCalls(RestoreDBClusterToPointInTimeCommand))).toEqual([
      {
        DBClusterIdentifier: DRILL_CLUSTER,
        SourceDBClusterIdentifier: CLUSTER,
        RestoreType: 'full-copy',
        UseLatestRestorableTime: true,
        DBSubnetGroupName: 'photoapp-prod-data-profiledatabaseclustersubnets',
        VpcSecurityGroupIds: ['sg-0database'],
        Port: 5438,
        DBClusterParameterGroupName: 'photoapp-prod-data-clusterparameters',
        EnableIAMDatabaseAuthentication: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
        DeletionProtection: false,
        Tags: [{ Key: 'restore-drill', Value: 'prod' }],
      },
    ]);
    expect(inputs(mocks.rds.commandCalls(CreateDBInstanceCommand))).toEqual([
      {
        DBInstanceIdentifier: DRILL_INSTANCE,
        DBClusterIdentifier: DRILL_CLUSTER,
        DBInstanceClass: 'db.serverless',
        Engine: 'aurora-postgresql',
        PubliclyAccessible: false,
        Tags: [{ Key: 'restore-drill', Value: 'prod' }],
      },
    ]);
    expect(inputs(mocks.rds.commandCalls(EnableHttpEndpointCommand))).toEqual([
      { ResourceArn: DRILL_CLUSTER_ARN },
    ]);
    expect(inputs(mocks.rdsData.commandCalls(ExecuteStatementCommand))).toEqual([
      expect.objectContaining({
        resourceArn: DRILL_CLUSTER_ARN,
        secretArn: SECRET,
        database: 'photos',
        sql: 'SELECT count(*) AS profiles FROM profiles',
      }),
    ]);

    // Each wait polled until the status changed: CREATING, then ACTIVE, and so on.
    const described = (id: string) =>
      inputs(mocks.rds.commandCalls(DescribeDBClustersCommand)).filter(
        (input) => input.DBClusterIdentifier === id,
      ).length;
    expect(described(DRILL_CLUSTER)).toBeGreaterThanOrEqual(3); // creating, available; deleting, gone
    expect(inputs(mocks.dynamoDb.commandCalls(DescribeTableCommand)).length).toBeGreaterThanOrEqual(3);
    // The instance is created once the cluster is available, and the cluster deleted once the instance is gone.
    const sent = rdsCommands();
    expect(sent.indexOf('CreateDBInstanceCommand')).toBeGreaterThan(
      sent.indexOf('RestoreDBClusterToPointInTimeCommand'),
    );
    expect(sent.indexOf('DeleteDBClusterCommand')).toBeGreaterThan(sent.indexOf('DeleteDBInstanceCommand'));
    deletedEverything();

    expect(lines).toEqual(
      expect.arrayContaining([
        `Restore drill of stage prod in ${REGION}, account ${ACCOUNT}`,
        `ok    table answers    ${DRILL_TABLE}: 42 items (Scan, Select COUNT, 2 pages)`,
        `ok    cluster answers  ${DRILL_CLUSTER}: 7 profiles (SELECT count(*) AS profiles FROM profiles through the Data API)`,
        'Deleted everything the drill created.',
        'Restore drill passed.',
      ]),
    );
    const table = lines.slice(lines.findIndex((line) => line.startsWith('step ')));
    expect(table.slice(0, 12).map((line) => line.replace(/\s+\S+\s+\S+$/, '').trim())).toEqual([
      'step',
      'find the stage resources',
      'table: restore until ACTIVE',
      'cluster: restore until available',
      'table: count items (Scan)',
      'cluster: create db.serverless instance',
      'cluster: enable the Data API',
      'cluster: count profiles (Data API)',
      'cleanup: delete table',
      'cleanup: delete instance',
      'cleanup: delete cluster',
      '',
    ]);
  });

  it('restores both to the instant --to names', async () => {
    const to = new Date('2025-05-30T08:15:00Z');
    const { code } = await run(['--stage', 'prod', '--to', '2025-05-30T08:15Z']);
    expect(code).toBe(0);
    const [table] = inputs(mocks.dynamoDb.commandCalls(RestoreTableToPointInTimeCommand));
    expect(table).toMatchObject({ RestoreDateTime: to });
    expect(table).not.toHaveProperty('UseLatestRestorableTime');
    const [cluster] = inputs(mocks.rds.commandCalls(RestoreDBClusterToPointInTimeCommand));
    expect(cluster).toMatchObject({ RestoreToTime: to });
    expect(cluster).not.toHaveProperty('UseLatestRestorableTime');
  });

  it('refuses a --to outside either restore window before creating anything', async () => {
    const { code, err: errors } = await run(['--stage', 'prod', '--to', '2025-05-01T00:00Z']);
    expect(code).toBe(2);
    expect(errors).toEqual([
      `restore-drill: table ${TABLE} can be restored to 2025-05-18T12:00:00.000Z to 2025-06-01T11:55:00.000Z, not to 2025-05-01T00:00:00.000Z; cluster ${CLUSTER} can be restored to 2025-05-18T12:00:00.000Z to 2025-06-01T11:55:00.000Z, not to 2025-05-01T00:00:00.000Z`,
    ]);
    expect(mocks.dynamoDb.commandCalls(RestoreTableToPointInTimeCommand)).toHaveLength(0);
    expect(mocks.rds.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  it('picks the cluster admin secret when the stack holds several secrets', async () => {
    mocks.cloudFormation.on(ListStackResourcesCommand, { StackName: STACK }).resolves({
      StackResourceSummaries: [
        stackResource('PhotoTable9F014336', TABLE, 'AWS::DynamoDB::GlobalTable'),
        stackResource('ProfileDatabaseCluster1C448F76', CLUSTER, 'AWS::RDS::DBCluster'),
        stackResource('ApiKeySecret1A2B3C4D', `${SECRET}-other`, 'AWS::SecretsManager::Secret'),
        stackResource(
          'PhotoAppProdDataProfileDatabaseClusterSecret094EDB58',
          SECRET,
          'AWS::SecretsManager::Secret',
        ),
      ],
    });
    const { code } = await run(['--stage', 'prod']);
    expect(code).toBe(0);
    expect(inputs(mocks.rdsData.commandCalls(ExecuteStatementCommand))[0]).toMatchObject({
      secretArn: SECRET,
    });
  });

  it('refuses a table without point-in-time recovery', async () => {
    mocks.dynamoDb.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: 'ENABLED',
        PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
      },
    });
    const { code, err: errors } = await run(['--stage', 'prod']);
    expect(code).toBe(2);
    expect(errors).toEqual([`restore-drill: point-in-time recovery is not enabled on table ${TABLE}`]);
    expect(mocks.rds.commandCalls(RestoreDBClusterToPointInTimeCommand)).toHaveLength(0);
  });

  it('says when the stage is not deployed', async () => {
    mocks.cloudFormation
      .on(ListStackResourcesCommand)
      .rejects(awsError('ValidationError', `Stack with id ${STACK} does not exist`));
    const { code, err: errors } = await run(['--stage', 'prod']);
    expect(code).toBe(2);
    expect(errors).toEqual([
      `restore-drill: stack ${STACK} does not exist in ${REGION}; deploy the stage first`,
    ]);
  });

  it('deletes both copies when a check fails', async () => {
    mocks.rdsData
      .on(ExecuteStatementCommand)
      .rejects(awsError('BadRequestException', 'ERROR: relation "profiles" does not exist'));
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        `FAIL  cluster answers  ${DRILL_CLUSTER}: BadRequestException: ERROR: relation "profiles" does not exist; fix: re-run with --keep to inspect the restored copy`,
        'Restore drill FAILED.',
      ]),
    );
    deletedEverything();
  });

  it('deletes both copies when the restored cluster fails', async () => {
    mocks.rds.on(RestoreDBClusterToPointInTimeCommand).callsFake((input: { DBClusterIdentifier: string }) => {
      world.creating(input.DBClusterIdentifier, 'creating', 'incompatible-restore');
      return {
        DBCluster: { DBClusterIdentifier: input.DBClusterIdentifier, DBClusterArn: DRILL_CLUSTER_ARN },
      };
    });
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines).toContain(
      `FAIL  cluster answers  ${DRILL_CLUSTER}: gave up waiting for the cluster to be available: it reached a state it does not leave; see \`aws rds describe-db-clusters --db-cluster-identifier ${DRILL_CLUSTER} --region ${REGION}\`; fix: re-run with --keep to inspect the restored copy`,
    );
    expect(mocks.rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(0);
    expect(inputs(mocks.dynamoDb.commandCalls(DeleteTableCommand))).toEqual([{ TableName: DRILL_TABLE }]);
    expect(inputs(mocks.rds.commandCalls(DeleteDBClusterCommand))).toEqual([
      { DBClusterIdentifier: DRILL_CLUSTER, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
    expect(world.now(DRILL_CLUSTER)).toBeUndefined();
  });

  it('deletes both copies when the table does not answer', async () => {
    mocks.dynamoDb.on(ScanCommand).rejects(awsError('InternalServerError', 'Internal server error', 500));
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines).toContain(
      `FAIL  table answers    ${DRILL_TABLE}: InternalServerError: Internal server error; fix: re-run with --keep to inspect the restored copy`,
    );
    deletedEverything();
  });

  it('names the rotated secret when the copy refuses the admin password', async () => {
    mocks.rdsData
      .on(ExecuteStatementCommand)
      .rejects(
        awsError('BadRequestException', 'FATAL: password authentication failed for user "photos_admin"'),
      );
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines.find((line) => line.startsWith('FAIL  cluster answers'))).toContain(
      `aws rds modify-db-cluster --db-cluster-identifier ${DRILL_CLUSTER} --manage-master-user-password`,
    );
    deletedEverything();
  });

  it('never deletes a resource whose creation AWS refused', async () => {
    mocks.dynamoDb
      .on(RestoreTableToPointInTimeCommand)
      .rejects(awsError('TableAlreadyExistsException', `Table already exists: ${DRILL_TABLE}`));
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(1);
    expect(lines.find((line) => line.startsWith('FAIL  table answers'))).toContain(
      'TableAlreadyExistsException',
    );
    expect(mocks.dynamoDb.commandCalls(DeleteTableCommand)).toHaveLength(0);
    // The cluster was still drilled, and deleted.
    expect(lines.find((line) => line.startsWith('ok    cluster answers'))).toBeDefined();
    expect(mocks.rds.commandCalls(DeleteDBClusterCommand)).not.toHaveLength(0);
  });

  it('stops counting after a bounded number of Scan pages', async () => {
    // A table of twice as many pages as the count reads.
    let pages = 0;
    mocks.dynamoDb.on(ScanCommand).callsFake(() => {
      pages++;
      return pages < 2 * MAX_SCAN_PAGES
        ? { Count: 40, LastEvaluatedKey: { pk: { S: `PHOTO#${pages}` }, sk: { S: 'META' } } }
        : { Count: 40 };
    });
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(0);
    expect(mocks.dynamoDb.commandCalls(ScanCommand)).toHaveLength(MAX_SCAN_PAGES);
    expect(lines).toContain(
      `ok    table answers    ${DRILL_TABLE}: at least ${40 * MAX_SCAN_PAGES} items (stopped after ${MAX_SCAN_PAGES} pages of Scan)`,
    );
  });

  it('with --keep deletes nothing and prints the commands that delete the copies', async () => {
    const { code, out: lines } = await run(['--stage', 'prod', '--keep']);
    expect(code).toBe(0);
    expect(mocks.dynamoDb.commandCalls(DeleteTableCommand)).toHaveLength(0);
    expect(mocks.rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
    expect(mocks.rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    const kept = lines.indexOf('Kept (--keep); delete them with:');
    expect(lines.slice(kept + 1, kept + 5)).toEqual([
      `  aws dynamodb delete-table --table-name ${DRILL_TABLE} --region ${REGION}`,
      `  aws rds delete-db-instance --db-instance-identifier ${DRILL_INSTANCE} --skip-final-snapshot --region ${REGION}`,
      `  aws rds wait db-instance-deleted --db-instance-identifier ${DRILL_INSTANCE} --region ${REGION}`,
      `  aws rds delete-db-cluster --db-cluster-identifier ${DRILL_CLUSTER} --skip-final-snapshot --delete-automated-backups --region ${REGION}`,
    ]);
  });

  it('on Ctrl-C stops waiting, creates nothing more and deletes what it created', async () => {
    answerHealthyStage(3);
    interruptOnFirstDescribe(DRILL_CLUSTER, 1);
    const { code, err: errors, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(130);
    expect(errors).toEqual([
      'restore-drill: interrupted; deleting what the drill created (Ctrl-C again to leave now)',
    ]);
    expect(mocks.rds.commandCalls(CreateDBInstanceCommand)).toHaveLength(0);
    expect(lines.find((line) => line.startsWith('FAIL  cluster answers'))).toContain('interrupted');
    // Both were still being created: the drill waited until AWS would delete them, then did.
    expect(inputs(mocks.dynamoDb.commandCalls(DeleteTableCommand))).toHaveLength(2);
    expect(world.now(DRILL_TABLE)).toBeUndefined();
    expect(inputs(mocks.rds.commandCalls(DeleteDBClusterCommand)).length).toBeGreaterThanOrEqual(2);
    expect(world.now(DRILL_CLUSTER)).toBeUndefined();
  });

  it('after a Ctrl-C between steps starts no further step', async () => {
    mocks.rds.on(EnableHttpEndpointCommand).callsFake(() => {
      interrupt();
      return { ResourceArn: DRILL_CLUSTER_ARN, HttpEndpointEnabled: true };
    });
    const { code } = await run(['--stage', 'prod']);
    expect(code).toBe(130);
    expect(mocks.rdsData.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
    deletedEverything();
  });

  it('after a Ctrl-C reads no further Scan page', async () => {
    mocks.dynamoDb.on(ScanCommand).callsFake(() => {
      interrupt();
      return { Count: 40, LastEvaluatedKey: { pk: { S: 'next' }, sk: { S: 'META' } } };
    });
    const { code, out: lines } = await run(['--stage', 'prod']);
    expect(code).toBe(130);
    expect(mocks.dynamoDb.commandCalls(ScanCommand)).toHaveLength(1);
    expect(lines.find((line) => line.startsWith('FAIL  table answers'))).toContain('AbortError');
    // The cluster track stopped at its next wait; what it had created is gone too.
    expect(lines).toContain('Deleted everything the drill created.');
    expect(world.now(DRILL_TABLE)).toBeUndefined();
  });

  it('on a second Ctrl-C leaves at once and prints what is left to delete', async () => {
    interruptOnFirstDescribe(DRILL_INSTANCE, 2);
    await run(['--stage', 'prod']);
    expect(exit).toHaveBeenCalledWith(130);
    const left = err.indexOf('restore-drill: left behind; delete them with:');
    expect(err.slice(left + 1)).toEqual(
      expect.arrayContaining([
        `  aws rds delete-db-instance --db-instance-identifier ${DRILL_INSTANCE} --skip-final-snapshot --region ${REGION}`,
        `  aws rds delete-db-cluster --db-cluster-identifier ${DRILL_CLUSTER} --skip-final-snapshot --delete-automated-backups --region ${REGION}`,
      ]),
    );
  });

  it('without credentials says so in one line and exits 2', async () => {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const { code, out: lines, err: errors } = await run(['--stage', 'prod']);
    expect(code).toBe(2);
    expect(lines).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^restore-drill: no usable AWS credentials \(CredentialsProviderError: /);
    expect(mocks.cloudFormation.calls()).toHaveLength(0);
  });

  it('without a region says so in one line and exits 2', async () => {
    const { code, err: errors } = await run(['--stage', 'prod'], {
      resolveRegion: () => Promise.resolve(undefined),
    });
    expect(code).toBe(2);
    expect(errors).toEqual([expect.stringMatching(/^restore-drill: no AWS region; export AWS_REGION=/)]);
  });
});
