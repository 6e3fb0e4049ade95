/** The RDS Data API SqlRunner's mapping of parameters, results and transactions (no emulator exists). */
import {
  BadRequestException,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  DatabaseResumingException,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DataApiSqlRunner,
  isTransientDataApiError,
  toRows,
  toSqlParameters,
} from '../../lambda/adapters/data-api-sql-runner';
import { applyMigrations } from '../../lambda/domain/schema-migrations';
import { migrations } from '../../lambda/migrations';

const target = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:db',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin',
  database: 'photos',
};
const rdsData = mockClient(RDSDataClient);
const runner = new DataApiSqlRunner(new RDSDataClient({ region: 'us-east-1' }), target);

beforeEach(() => rdsData.reset());

describe('Data API parameter mapping', () => {
  it('maps each JS type to its typed field', () => {
    expect(toSqlParameters({ s: 'text', i: 42, d: 1.5, t: true, f: false, n: null })).toEqual([
      { name: 's', value: { stringValue: 'text' } },
      { name: 'i', value: { longValue: 42 } },
      { name: 'd', value: { doubleValue: 1.5 } },
      { name: 't', value: { booleanValue: true } },
      { name: 'f', value: { booleanValue: false } },
      { name: 'n', value: { isNull: true } },
    ]);
    expect(toSqlParameters()).toEqual([]);
  });

  it('maps records to objects keyed by column label', () => {
    expect(
      toRows(
        [
          [
            { stringValue: 'a' },
            { longValue: 1 },
            { isNull: true },
            { booleanValue: false },
            { doubleValue: 0.5 },
          ],
          [
            { stringValue: 'b' },
            { longValue: 2 },
            { stringValue: 'x' },
            { booleanValue: true },
            { doubleValue: 2 },
          ],
        ],
        [{ label: 'id' }, { name: 'n' }, { label: 'maybe' }, { label: 'flag' }, { label: 'ratio' }],
      ),
    ).toEqual([
      { id: 'a', n: 1, maybe: null, flag: false, ratio: 0.5 },
      { id: 'b', n: 2, maybe: 'x', flag: true, ratio: 2 },
    ]);
    expect(toRows(undefined, undefined)).toEqual([]);
    expect(() => toRows([[{ blobValue: new Uint8Array([1]) }]], [{ label: 'b' }])).toThrow(/Unsupported/);
  });

  it('sends the target, the SQL and typed parameters, and asks for column metadata', async () => {
    rdsData.on(ExecuteStatementCommand).resolves({
      records: [[{ stringValue: '0001-create-profiles' }]],
      columnMetadata: [{ label: 'id', name: 'id' }],
    });
    await expect(
      runner.execute('SELECT id FROM schema_migrations WHERE id = :id', { id: '0001-create-profiles' }),
    ).resolves.toEqual([{ id: '0001-create-profiles' }]);
    expect(rdsData.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      ...target,
      sql: 'SELECT id FROM schema_migrations WHERE id = :id',
      includeResultMetadata: true,
      parameters: [{ name: 'id', value: { stringValue: '0001-create-profiles' } }],
    });
  });
});

describe('Data API transactions', () => {
  it('runs the work inside the transaction and commits it', async () => {
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
    rdsData.on(ExecuteStatementCommand).resolves({});
    rdsData.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
    await runner.transaction((tx) => tx.execute('SELECT 1'));
    expect(rdsData.commandCalls(BeginTransactionCommand)[0]?.args[0].input).toEqual(target);
    expect(rdsData.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toMatchObject({
      transactionId: 'tx-1',
    });
    expect(rdsData.commandCalls(CommitTransactionCommand)[0]?.args[0].input).toEqual({
      resourceArn: target.resourceArn,
      secretArn: target.secretArn,
      transactionId: 'tx-1',
    });
    expect(rdsData.commandCalls(RollbackTransactionCommand)).toHaveLength(0);
  });

  it('rolls back and rethrows when the work fails', async () => {
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: 'tx-2' });
    rdsData.on(ExecuteStatementCommand).rejects(new Error('syntax error'));
    rdsData.on(RollbackTransactionCommand).resolves({});
    await expect(runner.transaction((tx) => tx.execute('SELEC 1'))).rejects.toThrow('syntax error');
    expect(rdsData.commandCalls(RollbackTransactionCommand)[0]?.args[0].input).toMatchObject({
      transactionId: 'tx-2',
    });
    expect(rdsData.commandCalls(CommitTransactionCommand)).toHaveLength(0);
  });

  it('applies the real migrations statement by statement, each migration in its own transaction', async () => {
    let transactions = 0;
    rdsData.on(BeginTransactionCommand).callsFake(() => ({ transactionId: `tx-${(transactions += 1)}` }));
    rdsData.on(ExecuteStatementCommand).resolves({ records: [] });
    rdsData.on(CommitTransactionCommand).resolves({});
    const report = await applyMigrations(runner, migrations);
    expect(report.applied).toEqual(['0001-create-profiles', '0002-create-app-user']);
    expect(rdsData.commandCalls(CommitTransactionCommand)).toHaveLength(2);
    const statements = rdsData.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input);
    const migrationStatements = statements
      .filter((input) => input.transactionId === 'tx-1')
      .map((input) => input.sql);
    expect(migrationStatements).toEqual(expect.arrayContaining([...(migrations[0]?.sql ?? [])]));
    // One statement per call (dollar-quoted bodies may contain semicolons of their own).
    for (const input of statements) {
      const outside = (input.sql ?? '').replace(/\$\$[\s\S]*?\$\$/g, '');
      expect(outside.trim().replace(/;$/, '')).not.toContain(';');
    }
  });
});

/** A runner on a fake clock: each back-off advances the clock instead of waiting. */
function runnerOnFakeClock(maxElapsedMs = 180_000) {
  const clock = { now: 0, sleeps: [] as number[] };
  const retrying = new DataApiSqlRunner(new RDSDataClient({ region: 'us-east-1' }), target, {
    maxElapsedMs,
    baseDelayMs: 1_000,
    maxDelayMs: 15_000,
    now: () => clock.now,
    sleep: (ms) => {
      clock.sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
  });
  return { clock, retrying };
}

const resuming = () =>
  new DatabaseResumingException({
    message: 'The database is resuming after being auto-paused.',
    $metadata: {},
  });
const authFailure = () =>
  new BadRequestException({
    message: 'FATAL: password authentication failed for user "photos_admin"',
    $metadata: {},
  });

describe('Data API retries of errors that pass', () => {
  it('classifies resuming, unavailable and sign-in failures as transient, and SQL errors as final', () => {
    expect(isTransientDataApiError(resuming())).toBe(true);
    expect(isTransientDataApiError(authFailure())).toBe(true);
    expect(
      isTransientDataApiError(
        new DatabaseErrorException({ message: 'password authentication failed for user "x"', $metadata: {} }),
      ),
    ).toBe(true);
    expect(
      isTransientDataApiError(
        new DatabaseErrorException({ message: 'ERROR: syntax error at or near "SELEC"', $metadata: {} }),
      ),
    ).toBe(false);
    expect(isTransientDataApiError(new Error('password authentication failed'))).toBe(false);
  });

  it('waits out a resuming database and a rotation in progress, then answers', async () => {
    const { clock, retrying } = runnerOnFakeClock();
    rdsData
      .on(ExecuteStatementCommand)
      .rejectsOnce(resuming())
      .rejectsOnce(authFailure())
      .rejectsOnce(authFailure())
      .resolves({ records: [[{ longValue: 1 }]], columnMetadata: [{ label: 'one' }] });
    await expect(retrying.execute('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    expect(rdsData.commandCalls(ExecuteStatementCommand)).toHaveLength(4);
    // Capped exponential back-off with jitter: at most 1 s, 2 s, 4 s.
    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(1_000 * 2 ** i));
  });

  it('retries the start of a transaction, so a migration begins once sign-in works again', async () => {
    const { retrying } = runnerOnFakeClock();
    rdsData.on(BeginTransactionCommand).rejectsOnce(authFailure()).resolves({ transactionId: 'tx-9' });
    rdsData.on(ExecuteStatementCommand).resolves({ records: [] });
    rdsData.on(CommitTransactionCommand).resolves({});
    await retrying.transaction((tx) => tx.execute('CREATE TABLE t (id int)'));
    expect(rdsData.commandCalls(BeginTransactionCommand)).toHaveLength(2);
    expect(rdsData.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });

  it('gives up with the last error once the deadline would pass, well inside the function timeout', async () => {
    const { clock, retrying } = runnerOnFakeClock(180_000);
    rdsData.on(ExecuteStatementCommand).rejects(authFailure());
    await expect(retrying.execute('SELECT 1')).rejects.toThrow('password authentication failed');
    expect(clock.now).toBeLessThanOrEqual(180_000);
    const calls = rdsData.commandCalls(ExecuteStatementCommand).length;
    expect(calls).toBeGreaterThan(5);
    expect(calls).toBeLessThan(200);
  });

  it('fails at once on an error that does not pass, and never retries inside a transaction', async () => {
    const { clock, retrying } = runnerOnFakeClock();
    rdsData
      .on(ExecuteStatementCommand)
      .rejects(new DatabaseErrorException({ message: 'ERROR: syntax error', $metadata: {} }));
    await expect(retrying.execute('SELEC 1')).rejects.toThrow('syntax error');
    expect(rdsData.commandCalls(ExecuteStatementCommand)).toHaveLength(1);

    rdsData.reset();
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: 'tx-3' });
    rdsData.on(ExecuteStatementCommand).rejects(resuming());
    rdsData.on(RollbackTransactionCommand).resolves({});
    await expect(retrying.transaction((tx) => tx.execute('SELECT 1'))).rejects.toThrow('resuming');
    expect(rdsData.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
    expect(clock.sleeps).toHaveLength(0);
  });
});
