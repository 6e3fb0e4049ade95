/**
 * The AWS half of `npm run restore-drill`: finds the stage's photo table and profile cluster,
 * restores each to a point in time into new resources, checks that they answer, times every step
 * and deletes what it created. Clients, clock and waits are injected, so the unit tests run it
 * against mocks in milliseconds.
 */
import {
  paginateListStackResources,
  type CloudFormationClient,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  paginateScan,
  RestoreTableToPointInTimeCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  EnableHttpEndpointCommand,
  RestoreDBClusterToPointInTimeCommand,
  waitUntilDBClusterAvailable,
  waitUntilDBClusterDeleted,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiSqlRunner, type DataApiRetryPolicy } from '../../lambda/adapters/data-api-sql-runner';
import { describeError, errorMessage, errorName } from '../preflight/errors';
import { fail, formatResults, ok, type CheckResult } from '../preflight/report';
import {
  dataStackName,
  DELETION_ORDER,
  deleteCommands,
  describeCommand,
  drillNames,
  drillStamp,
  drillTags,
  formatSteps,
  outsideWindow,
  type DrillArgs,
  type DrillNames,
  type DrillResource,
  type ResourceKind,
  type StepTiming,
} from './plan';

export interface DrillClients {
  readonly cloudFormation: CloudFormationClient;
  readonly dynamoDb: DynamoDBClient;
  readonly rds: RDSClient;
  readonly rdsData: RDSDataClient;
}

/** How one kind of wait polls, in seconds, as the SDK waiters take them. */
export interface WaitLimits {
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly maxWaitTime: number;
}

export interface DrillWaits {
  readonly table: WaitLimits;
  readonly cluster: WaitLimits;
  readonly instance: WaitLimits;
  readonly deletion: WaitLimits;
}

export const DEFAULT_WAITS: DrillWaits = {
  // "The restore can take several hours to complete" (DynamoDB developer guide, PITR restores).
  table: { minDelay: 20, maxDelay: 120, maxWaitTime: 6 * 3600 },
  cluster: { minDelay: 30, maxDelay: 120, maxWaitTime: 3 * 3600 },
  instance: { minDelay: 30, maxDelay: 120, maxWaitTime: 2 * 3600 },
  deletion: { minDelay: 15, maxDelay: 60, maxWaitTime: 3600 },
};

/** The profile check also waits out a mid-rotation admin secret, as the schema migrations do. */
export const DRILL_DATA_API_RETRY: DataApiRetryPolicy = {
  maxElapsedMs: 120_000,
  baseDelayMs: 2_000,
  maxDelayMs: 15_000,
};

/** Scan pages (up to 1 MB each) the item count reads at most: a bound on its time and its cost. */
export const MAX_SCAN_PAGES = 100;
export const PROFILES_QUERY = 'SELECT count(*) AS profiles FROM profiles';

/** The drill could not start (nothing was created): the CLI exits 2, as for bad arguments. */
export class DrillSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillSetupError';
  }
}

/**
 * What the drill has created and not deleted yet. The CLI reads it on a second Ctrl-C to print
 * what is left, so it is kept current while the drill runs.
 */
export class DrillLedger {
  private readonly held = new Map<ResourceKind, string>();

  add(kind: ResourceKind, name: string): void {
    this.held.set(kind, name);
  }

  remove(kind: ResourceKind): void {
    this.held.delete(kind);
  }

  name(kind: ResourceKind): string | undefined {
    return this.held.get(kind);
  }

  /** In deletion order. */
  get resources(): DrillResource[] {
    return DELETION_ORDER.flatMap((kind) => {
      const name = this.held.get(kind);
      return name === undefined ? [] : [{ kind, name }];
    });
  }
}

export interface DrillRequest extends DrillArgs {
  readonly region: string;
}

export interface DrillIo {
  readonly out: (line: string) => void;
  readonly now: () => Date;
  readonly waits: DrillWaits;
  readonly dataApiRetry: DataApiRetryPolicy;
  /** Aborted on Ctrl-C: the waits stop, then what was created is deleted (kept with --keep). */
  readonly signal: AbortSignal;
  readonly ledger: DrillLedger;
}

export interface DrillOutcome {
  /** 0: both copies answered and nothing is left behind (or --keep); 1 otherwise. */
  readonly exitCode: 0 | 1;
}

/** The source cluster's settings the copy takes, each checked to be there. */
interface SourceCluster {
  readonly identifier: string;
  readonly engine: string;
  readonly database: string;
  readonly subnetGroup: string;
  readonly securityGroupIds: string[];
  readonly port?: number;
  readonly parameterGroup?: string;
  readonly iamAuthentication?: boolean;
  readonly scaling: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  readonly latestRestorableTime?: Date;
}

interface StageSources {
  readonly table: string;
  readonly cluster: SourceCluster;
  readonly secretArn: string;
}

/** Times each step, in the order the steps start, and prints when each starts and ends. */
class StepClock {
  private readonly timings: Array<{ step: string; seconds: number; ok: boolean }> = [];

  constructor(
    private readonly now: () => Date,
    private readonly out: (line: string) => void,
  ) {}

  get steps(): readonly StepTiming[] {
    return this.timings;
  }

  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const timing = { step, seconds: 0, ok: false };
    this.timings.push(timing);
    const started = this.now().getTime();
    this.out(`...    ${step}`);
    try {
      const result = await work();
      timing.ok = true;
      return result;
    } finally {
      timing.seconds = (this.now().getTime() - started) / 1000;
      this.out(`${timing.ok ? 'done  ' : 'FAILED'} ${step} (${Math.round(timing.seconds)} s)`);
    }
  }
}

/**
 * The one resource of `type` in the stack, its physical id. Should the stack ever hold several,
 * the logical id (the construct's path) tells them apart.
 */
function physicalId(
  resources: readonly StackResourceSummary[],
  stackName: string,
  type: string,
  logicalIdPart: string,
): string {
  const ofType = resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId);
  const found =
    ofType.length > 1 ? ofType.filter((r) => r.LogicalResourceId?.includes(logicalIdPart)) : ofType;
  if (found.length !== 1) {
    throw new DrillSetupError(
      `stack ${stackName} holds ${found.length} ${type} resources${ofType.length > 1 ? ` whose logical id contains ${logicalIdPart}` : ''}, expected one`,
    );
  }
  return found[0].PhysicalResourceId!;
}

/**
 * The Data stack names no table, cluster or secret in its outputs, so they are read from its
 * resources. ListStackResources pages through all of them; DescribeStackResources stops at 100.
 */
async function findStageResources(
  cloudFormation: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<{ table: string; cluster: string; secretArn: string }> {
  const resources: StackResourceSummary[] = [];
  try {
    for await (const page of paginateListStackResources(
      { client: cloudFormation },
      { StackName: stackName },
    )) {
      resources.push(...(page.StackResourceSummaries ?? []));
    }
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error))) {
      throw new DrillSetupError(`stack ${stackName} does not exist in ${region}; deploy the stage first`);
    }
    throw error;
  }
  return {
    table: physicalId(resources, stackName, 'AWS::DynamoDB::GlobalTable', 'PhotoTable'),
    cluster: physicalId(resources, stackName, 'AWS::RDS::DBCluster', 'ProfileDatabaseCluster'),
    secretArn: physicalId(
      resources,
      stackName,
      'AWS::SecretsManager::Secret',
      'ProfileDatabaseClusterSecret',
    ),
  };
}

async function tableWindow(dynamoDb: DynamoDBClient, table: string) {
  const answer = await dynamoDb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
  const pitr = answer.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED') {
    throw new DrillSetupError(`point-in-time recovery is not enabled on table ${table}`);
  }
  return { earliest: pitr.EarliestRestorableDateTime, latest: pitr.LatestRestorableDateTime };
}

async function describeSourceCluster(rds: RDSClient, identifier: string) {
  const answer = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
  const cluster = answer.DBClusters?.[0];
  const securityGroupIds = (cluster?.VpcSecurityGroups ?? []).flatMap((g) => g.VpcSecurityGroupId ?? []);
  const { Engine: engine, DatabaseName: database, DBSubnetGroup: subnetGroup } = cluster ?? {};
  if (!cluster || !engine || !database || !subnetGroup || securityGroupIds.length === 0) {
    throw new DrillSetupError(
      `cluster ${identifier} does not report its engine, database name, subnet group and security groups`,
    );
  }
  const scaling = cluster.ServerlessV2ScalingConfiguration;
  const source: SourceCluster = {
    identifier,
    engine,
    database,
    subnetGroup,
    securityGroupIds,
    port: cluster.Port,
    parameterGroup: cluster.DBClusterParameterGroup,
    iamAuthentication: cluster.IAMDatabaseAuthenticationEnabled,
    scaling: {
      MinCapacity: scaling?.MinCapacity,
      MaxCapacity: scaling?.MaxCapacity,
      // Auto-pause applies only to a cluster that may scale to 0 ACU.
      ...(scaling?.MinCapacity === 0 ? { SecondsUntilAutoPause: scaling.SecondsUntilAutoPause } : {}),
    },
    latestRestorableTime: cluster.LatestRestorableTime,
  };
  return {
    source,
    window: { earliest: cluster.EarliestRestorableTime, latest: cluster.LatestRestorableTime },
  };
}

/** Everything the drill needs before it creates anything; any failure here leaves nothing behind. */
async function prepare(clients: DrillClients, request: DrillRequest): Promise<StageSources> {
  const stackName = dataStackName(request.stage);
  const found = await findStageResources(clients.cloudFormation, stackName, request.region);
  const [table, cluster] = await Promise.all([
    tableWindow(clients.dynamoDb, found.table),
    describeSourceCluster(clients.rds, found.cluster),
  ]);
  if (request.to) {
    const outside = [
      outsideWindow(`table ${found.table}`, request.to, table),
      outsideWindow(`cluster ${found.cluster}`, request.to, cluster.window),
    ].filter((line) => line !== undefined);
    if (outside.length > 0) throw new DrillSetupError(outside.join('; '));
  }
  return { table: found.table, cluster: cluster.source, secretArn: found.secretArn };
}

/**
 * Sends a create request and records the resource in the ledger when it succeeded, and also when
 * its outcome is unknown (a timeout, a 5xx), since the resource may exist then. A refusal (4xx:
 * the name is taken, a parameter is wrong) records nothing, so cleanup never deletes a resource
 * this drill did not create, such as another drill's table of the same minute.
 */
async function create<T>(ledger: DrillLedger, kind: ResourceKind, name: string, request: () => Promise<T>) {
  try {
    const created = await request();
    ledger.add(kind, name);
    return created;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
      ?.httpStatusCode;
    if (status === undefined || status >= 500) ledger.add(kind, name);
    throw error;
  }
}

/** Runs an SDK waiter for `what`; its errors (a JSON dump of the last answer) become one line. */
async function waitFor(what: string, limits: WaitLimits, describe: string, wait: () => Promise<unknown>) {
  try {
    await wait();
  } catch (error) {
    const name = errorName(error);
    if (name === 'TimeoutError') {
      throw new Error(`gave up waiting for ${what} after ${Math.round(limits.maxWaitTime / 60)} min`, {
        cause: error,
      });
    }
    if (name === 'AbortError') throw new Error(`interrupted while waiting for ${what}`, { cause: error });
    throw new Error(
      `gave up waiting for ${what}: it reached a state it does not leave; see \`${describe}\``,
      {
        cause: error,
      },
    );
  }
}

interface Track {
  readonly clients: DrillClients;
  readonly request: DrillRequest;
  readonly io: DrillIo;
  readonly steps: StepClock;
  readonly names: DrillNames;
  readonly sources: StageSources;
}

const KEEP_TO_INSPECT = 're-run with --keep to inspect the restored copy';

/** An AWS error with its code; the drill's own errors (plain `Error`) by their message alone. */
const reason = (error: unknown) =>
  error instanceof Error && error.name === 'Error' ? error.message : describeError(error);

/** A step of a restore track: none starts after a Ctrl-C, so nothing new is created then. */
function step<T>(track: Track, name: string, work: () => Promise<T>): Promise<T> {
  track.io.signal.throwIfAborted();
  return track.steps.time(name, work);
}

async function countItems(track: Track): Promise<{ count: number; pages: number; complete: boolean }> {
  let count = 0;
  let pages = 0;
  const scan = paginateScan(
    { client: track.clients.dynamoDb },
    { TableName: track.names.table, Select: 'COUNT' },
  );
  for await (const page of scan) {
    track.io.signal.throwIfAborted();
    count += page.Count ?? 0;
    pages++;
    if (pages === MAX_SCAN_PAGES && page.LastEvaluatedKey) return { count, pages, complete: false };
  }
  return { count, pages, complete: true };
}

async function drillTable(track: Track): Promise<CheckResult> {
  const { clients, request, io, names, sources } = track;
  const name = 'table answers';
  const limits = io.waits.table;
  try {
    await step(track, 'table: restore until ACTIVE', async () => {
      const answer = await create(io.ledger, 'table', names.table, () =>
        clients.dynamoDb.send(
          new RestoreTableToPointInTimeCommand({
            SourceTableName: sources.table,
            TargetTableName: names.table,
            ...(request.to ? { RestoreDateTime: request.to } : { UseLatestRestorableTime: true }),
            // The copy has no auto scaling: provisioned capacity copied from the source would
            // throttle the count or bill idle capacity, so it reads on demand.
            BillingModeOverride: 'PAY_PER_REQUEST',
          }),
        ),
      );
      const restoredTo = answer.TableDescription?.RestoreSummary?.RestoreDateTime;
      io.out(
        `table ${names.table}: restoring ${sources.table} to ${restoredTo?.toISOString() ?? 'its latest restorable time'}`,
      );
      await waitFor(
        'the table to be ACTIVE',
        limits,
        describeCommand({ kind: 'table', name: names.table }, request.region),
        () =>
          waitUntilTableExists(
            { client: clients.dynamoDb, ...limits, abortSignal: io.signal },
            { TableName: names.table },
          ),
      );
    });
    const counted = await step(track, 'table: count items (Scan)', () => countItems(track));
    const pages = `${counted.pages} page${counted.pages === 1 ? '' : 's'}`;
    return ok(
      name,
      counted.complete
        ? `${names.table}: ${counted.count} items (Scan, Select COUNT, ${pages})`
        : `${names.table}: at least ${counted.count} items (stopped after ${pages} of Scan)`,
    );
  } catch (error) {
    return fail(name, `${names.table}: ${reason(error)}`, KEEP_TO_INSPECT);
  }
}

async function drillCluster(track: Track): Promise<CheckResult> {
  const { clients, request, io, names, sources } = track;
  const name = 'cluster answers';
  const source = sources.cluster;
  const tags = drillTags(request.stage);
  const describeCluster = describeCommand({ kind: 'cluster', name: names.cluster }, request.region);
  try {
    const clusterArn = await step(track, 'cluster: restore until available', async () => {
      const answer = await create(io.ledger, 'cluster', names.cluster, () =>
        clients.rds.send(
          new RestoreDBClusterToPointInTimeCommand({
            DBClusterIdentifier: names.cluster,
            SourceDBClusterIdentifier: source.identifier,
            RestoreType: 'full-copy',
            ...(request.to ? { RestoreToTime: request.to } : { UseLatestRestorableTime: true }),
            // Without these the copy lands in the default security group (RDS API reference).
            DBSubnetGroupName: source.subnetGroup,
            VpcSecurityGroupIds: source.securityGroupIds,
            Port: source.port,
            DBClusterParameterGroupName: source.parameterGroup,
            EnableIAMDatabaseAuthentication: source.iamAuthentication,
            ServerlessV2ScalingConfiguration: source.scaling,
            DeletionProtection: false,
            Tags: tags,
          }),
        ),
      );
      const to =
        request.to?.toISOString() ??
        `its latest restorable time (${source.latestRestorableTime?.toISOString() ?? 'unknown'} at the start)`;
      io.out(`cluster ${names.cluster}: restoring ${source.identifier} to ${to}`);
      await waitFor('the cluster to be available', io.waits.cluster, describeCluster, () =>
        waitUntilDBClusterAvailable(
          { client: clients.rds, ...io.waits.cluster, abortSignal: io.signal },
          { DBClusterIdentifier: names.cluster },
        ),
      );
      const arn = answer.DBCluster?.DBClusterArn;
      if (!arn) throw new Error(`RestoreDBClusterToPointInTime returned no ARN for ${names.cluster}`);
      return arn;
    });

    // RDS restores the cluster only; the instances are created afterwards (RDS API reference).
    await step(track, 'cluster: create db.serverless instance', async () => {
      await create(io.ledger, 'instance', names.instance, () =>
        clients.rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: names.instance,
            DBClusterIdentifier: names.cluster,
            DBInstanceClass: 'db.serverless',
            Engine: source.engine,
            PubliclyAccessible: false,
            Tags: tags,
          }),
        ),
      );
      await waitFor(
        'the instance to be available',
        io.waits.instance,
        describeCommand({ kind: 'instance', name: names.instance }, request.region),
        () =>
          waitUntilDBInstanceAvailable(
            { client: clients.rds, ...io.waits.instance, abortSignal: io.signal },
            { DBInstanceIdentifier: names.instance },
          ),
      );
    });

    // RestoreDBClusterToPointInTime has no EnableHttpEndpoint; Serverless v2 switches it on here.
    await step(track, 'cluster: enable the Data API', () =>
      clients.rds.send(new EnableHttpEndpointCommand({ ResourceArn: clusterArn })),
    );

    const rows = await step(track, 'cluster: count profiles (Data API)', () =>
      new DataApiSqlRunner(
        clients.rdsData,
        { resourceArn: clusterArn, secretArn: sources.secretArn, database: source.database },
        io.dataApiRetry,
      ).execute(PROFILES_QUERY),
    );
    const profiles = rows[0]?.profiles;
    if (typeof profiles !== 'number') {
      return fail(
        name,
        `${names.cluster}: ${PROFILES_QUERY} returned ${JSON.stringify(rows)}`,
        KEEP_TO_INSPECT,
      );
    }
    return ok(name, `${names.cluster}: ${profiles} profiles (${PROFILES_QUERY} through the Data API)`);
  } catch (error) {
    // The copy holds the admin password of its restore point, the secret holds today's.
    const fix = /password authentication failed/i.test(errorMessage(error))
      ? `the admin secret rotated after the restore point, so it no longer opens the copy; on a kept copy, give it its own secret: aws rds modify-db-cluster --db-cluster-identifier ${names.cluster} --manage-master-user-password --apply-immediately --region ${request.region}`
      : KEEP_TO_INSPECT;
    return fail(name, `${names.cluster}: ${reason(error)}`, fix);
  }
}

/**
 * Deletes, or, when the resource is still being created (the drill was interrupted), waits until
 * it settles and deletes it then: DynamoDB and RDS refuse to delete a resource in that state.
 * Returns false when the resource did not exist.
 */
async function deleteSettled(
  remove: () => Promise<unknown>,
  errors: { readonly busy: string; readonly notFound: string },
  settle: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await remove();
  } catch (error) {
    if (errorName(error) === errors.notFound) return false;
    if (errorName(error) !== errors.busy) throw error;
    await settle();
    await remove();
  }
  return true;
}

async function deleteTable(track: Track, name: string): Promise<void> {
  const client = track.clients.dynamoDb;
  const { table, deletion } = track.io.waits;
  const describe = describeCommand({ kind: 'table', name }, track.request.region);
  const input = { TableName: name };
  const existed = await deleteSettled(
    () => client.send(new DeleteTableCommand(input)),
    { busy: 'ResourceInUseException', notFound: 'ResourceNotFoundException' },
    () =>
      waitFor('the table to be ACTIVE', table, describe, () =>
        waitUntilTableExists({ client, ...table }, input),
      ),
  );
  if (!existed) return;
  await waitFor('the table to be deleted', deletion, describe, () =>
    waitUntilTableNotExists({ client, ...deletion }, input),
  );
}

async function deleteInstance(track: Track, name: string): Promise<void> {
  const client = track.clients.rds;
  const { instance, deletion } = track.io.waits;
  const describe = describeCommand({ kind: 'instance', name }, track.request.region);
  const input = { DBInstanceIdentifier: name };
  const existed = await deleteSettled(
    () => client.send(new DeleteDBInstanceCommand({ ...input, SkipFinalSnapshot: true })),
    { busy: 'InvalidDBInstanceStateFault', notFound: 'DBInstanceNotFoundFault' },
    () =>
      waitFor('the instance to be available', instance, describe, () =>
        waitUntilDBInstanceAvailable({ client, ...instance }, input),
      ),
  );
  if (!existed) return;
  await waitFor('the instance to be deleted', deletion, describe, () =>
    waitUntilDBInstanceDeleted({ client, ...deletion }, input),
  );
}

async function deleteCluster(track: Track, name: string): Promise<void> {
  const client = track.clients.rds;
  const { cluster, deletion } = track.io.waits;
  const describe = describeCommand({ kind: 'cluster', name }, track.request.region);
  const input = { DBClusterIdentifier: name };
  const existed = await deleteSettled(
    // A drill's backups are worth nothing; retained ones would be billed.
    () =>
      client.send(
        new DeleteDBClusterCommand({ ...input, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
      ),
    { busy: 'InvalidDBClusterStateFault', notFound: 'DBClusterNotFoundFault' },
    () =>
      waitFor('the cluster to be available', cluster, describe, () =>
        waitUntilDBClusterAvailable({ client, ...cluster }, input),
      ),
  );
  if (!existed) return;
  await waitFor('the cluster to be deleted', deletion, describe, () =>
    waitUntilDBClusterDeleted({ client, ...deletion }, input),
  );
}

/** Deletes what the ledger holds (not interruptible: a second Ctrl-C leaves through the CLI instead). */
async function cleanUp(track: Track): Promise<void> {
  const { ledger, out } = track.io;
  const remove = async (kind: ResourceKind, work: (name: string) => Promise<void>) => {
    const name = ledger.name(kind);
    if (name === undefined) return;
    try {
      await track.steps.time(`cleanup: delete ${kind}`, () => work(name));
      ledger.remove(kind);
    } catch (error) {
      out(`could not delete ${kind} ${name}: ${describeError(error)}`);
    }
  };
  await Promise.all([
    remove('table', (name) => deleteTable(track, name)),
    (async () => {
      await remove('instance', (name) => deleteInstance(track, name));
      // A cluster cannot be deleted while it still has an instance.
      if (ledger.name('instance') === undefined) {
        await remove('cluster', (name) => deleteCluster(track, name));
      }
    })(),
  ]);
}

/**
 * Runs the drill: the table and the cluster are restored side by side (each takes minutes to
 * hours), then both copies are deleted whatever the checks found, unless --keep. Throws only
 * before it creates anything (DrillSetupError, or an AWS error while finding the stage).
 */
export async function runDrill(
  clients: DrillClients,
  request: DrillRequest,
  io: DrillIo,
): Promise<DrillOutcome> {
  const startedAt = io.now();
  const steps = new StepClock(io.now, io.out);
  const sources = await steps.time('find the stage resources', () => prepare(clients, request));
  const names = drillNames(
    { table: sources.table, cluster: sources.cluster.identifier },
    drillStamp(startedAt),
  );
  const track: Track = { clients, request, io, steps, names, sources };
  let checks: CheckResult[];
  try {
    checks = await Promise.all([drillTable(track), drillCluster(track)]);
  } finally {
    if (!request.keep) await cleanUp(track);
  }

  for (const line of formatResults(checks)) io.out(line);
  io.out('');
  for (const line of formatSteps(steps.steps)) io.out(line);
  io.out('');
  const left = io.ledger.resources;
  if (left.length > 0) {
    io.out(request.keep ? 'Kept (--keep); delete them with:' : 'Left behind; delete them with:');
    for (const command of deleteCommands(left, request.region)) io.out(`  ${command}`);
  } else {
    io.out('Deleted everything the drill created.');
  }
  const passed = checks.every((c) => c.status === 'ok') && (request.keep || left.length === 0);
  io.out(passed ? 'Restore drill passed.' : 'Restore drill FAILED.');
  return { exitCode: passed ? 0 : 1 };
}
