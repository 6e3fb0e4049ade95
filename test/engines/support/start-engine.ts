/**
 * Starts engines, as the app tests and the dev server do, in a process of its own: the test gives
 * each case the environment (PATH, TMPDIR) to start in, and an unhandled 'error' event crashes this
 * process instead of passing unseen. Runs the cases one after the other; for each it prints one
 * line `RESULT <json>` (what the engine answered once started, or the error), after stopping what
 * it started.
 *
 * Usage: tsx start-engine.ts '<json Case[]>'
 */
import {
  EngineStartError,
  adminClient,
  freePort,
  startDynamoDbLocal,
  startLocalEngines,
  startPostgres,
  startPostgresServer,
  startRedisServer,
  startS3rver,
  stopRedisServer,
} from '../../../scripts/local/engines';

export type Scenario =
  | { readonly engine: 'postgres'; readonly packageDir?: string; readonly dataDir?: string }
  | { readonly engine: 'postgres-server'; readonly packageDir: string; readonly dataDir: string }
  | { readonly engine: 'redis'; readonly port?: number }
  | { readonly engine: 'dynamodb' }
  | { readonly engine: 's3'; readonly port?: number }
  | { readonly engine: 'all' };

export interface Case {
  readonly scenario: Scenario;
  /** Set in this process's environment for this case only. */
  readonly env?: Readonly<Record<string, string>>;
}

export type Outcome =
  | { readonly started: true; readonly answer?: string }
  | {
      readonly started: false;
      readonly engineStartError: boolean;
      readonly message: string;
      readonly stack: string;
    };

async function run(scenario: Scenario): Promise<string | undefined> {
  switch (scenario.engine) {
    case 'postgres': {
      const engine = await startPostgres({
        ...(scenario.packageDir ? { packageDir: scenario.packageDir } : {}),
        ...(scenario.dataDir ? { dataDir: scenario.dataDir } : {}),
      });
      try {
        const client = adminClient(engine.port, 'postgres');
        await client.connect();
        const result = await client.query<{ answer: string }>("SELECT 'up as ' || current_user AS answer");
        await client.end();
        return result.rows[0]?.answer;
      } finally {
        await engine.stop();
      }
    }
    case 'postgres-server':
      // Never gets as far as a running server in these tests.
      await startPostgresServer(scenario.dataDir, await freePort(), { packageDir: scenario.packageDir });
      return undefined;
    case 'redis': {
      const port = scenario.port ?? (await freePort());
      await startRedisServer(port);
      await stopRedisServer(port);
      return undefined;
    }
    case 'dynamodb':
      await (await startDynamoDbLocal()).stop();
      return undefined;
    case 's3':
      await (await startS3rver(['bucket'], scenario.port)).stop();
      return undefined;
    case 'all':
      await (await startLocalEngines({ bucketNames: ['bucket'], databases: ['photos'] })).stop();
      return undefined;
  }
}

async function outcomeOf(scenario: Scenario): Promise<Outcome> {
  try {
    const answer = await run(scenario);
    return { started: true, ...(answer === undefined ? {} : { answer }) };
  } catch (error) {
    const failure = error as Error;
    return {
      started: false,
      engineStartError: error instanceof EngineStartError,
      message: failure.message,
      stack: failure.stack ?? '',
    };
  }
}

async function main(): Promise<void> {
  const cases = JSON.parse(process.argv[2] ?? '') as Case[];
  for (const { scenario, env = {} } of cases) {
    const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    const outcome = await outcomeOf(scenario);
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    process.stdout.write(`RESULT ${JSON.stringify(outcome)}\n`);
  }
  // The AWS SDK's idle keep-alive sockets must not hold the process open.
  process.exit(0);
}

void main();
