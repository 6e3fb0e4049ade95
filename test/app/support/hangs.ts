/**
 * Hung dependencies for the hang tests: a black hole (a TCP server that accepts and never answers),
 * the real engines frozen with SIGSTOP, an S3 emulator in a process of its own (the shared one runs
 * inside the test process, which cannot freeze itself), and handler modules loaded afresh against
 * other endpoints, as a Lambda environment configured with them would be.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Pool } from 'pg';
import type Redis from 'ioredis';
import type * as PhotosApi from '../../../lambda/handlers/photos-api';
import type * as ProfilesApi from '../../../lambda/handlers/profiles-api';
import type * as StreamProcessor from '../../../lambda/handlers/stream-processor';
import type * as UploadComplete from '../../../lambda/handlers/upload-complete';
import { FUNCTIONS, type FunctionKey } from '../../../contract/functions';
import { freePort } from '../../../scripts/local/engines';
import type { StreamReader } from '../../../scripts/local/dynamodb-stream';
import { createUpload } from './photos';

/** Each function's Lambda timeout, from its declaration (contract/functions.ts). */
export const FUNCTION_TIMEOUT_MS = Object.fromEntries(
  Object.entries(FUNCTIONS).map(([key, fn]) => [key, fn.timeoutSeconds * 1000]),
) as Record<FunctionKey, number>;

// ---------------------------------------------------------------- black hole

export interface BlackHole {
  readonly port: number;
  readonly url: string;
  /** Drops every accepted connection, so that clients waiting on one see it end. */
  close(): Promise<void>;
}

/**
 * A black hole on a free port of 127.0.0.1, or at `at`: another loopback address can take the port
 * of a real engine (which listens on 127.0.0.1 only), so one host name can be sent into it alone.
 */
export async function openBlackHole(
  at: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('black hole has no port'));
    });
  });
  return {
    port,
    url: `http://${at.host}:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- frozen engines

const frozen: number[] = [];

/**
 * Freezes the processes for the duration of `work`, then resumes them. Only for processes this test
 * run started; `thawAll` (in afterEach) resumes them if a test times out before its finally runs.
 */
export async function whileFrozen<T>(pids: readonly number[], work: () => Promise<T>): Promise<T> {
  for (const pid of pids) {
    process.kill(pid, 'SIGSTOP');
    frozen.push(pid);
  }
  try {
    return await work();
  } finally {
    thawAll();
  }
}

export function thawAll(): void {
  for (const pid of frozen.splice(0).reverse()) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already gone: nothing to resume.
    }
  }
}

/** The Java process of DynamoDB Local, as the app test setup started it. */
export function dynamoDbPids(): number[] {
  const pid = Number(process.env.TEST_DYNAMODB_PID);
  if (!Number.isInteger(pid) || pid <= 0)
    throw new Error('TEST_DYNAMODB_PID is not set by the app test setup');
  return [pid];
}

/** The server on the test Redis port (started by the setup, or restarted on it by a fault test). */
export async function redisPids(redis: Redis): Promise<number[]> {
  const match = /process_id:(\d+)/.exec(await redis.info('server'));
  if (!match) throw new Error('redis INFO names no process_id');
  return [Number(match[1])];
}

/**
 * Every process of the test cluster: the postmaster (whose PID file is in the test's data
 * directory) first, so that it forks no new backend, then the backends and background workers,
 * which would otherwise go on serving the connections they already hold.
 */
export async function postgresPids(admin: Pool): Promise<number[]> {
  const dataDir = process.env.TEST_PG_DATA_DIR;
  if (!dataDir) throw new Error('TEST_PG_DATA_DIR is not set by the app test setup');
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  return [postmaster, ...rows.map((row) => row.pid).filter((pid) => pid !== postmaster)];
}

// ---------------------------------------------------------------- S3 emulator in its own process

export interface S3Process {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

// Plain JavaScript for `node -e`: argv holds s3rver's entry point, directory, port and bucket.
const S3RVER_SCRIPT = `
const [, entry, directory, port, bucket] = process.argv;
const S3rver = require(entry);
new S3rver({ address: '127.0.0.1', port: Number(port), silent: true, directory, configureBuckets: [{ name: bucket }] })
  .run()
  .then(() => process.stdout.write('ready\\n'), (error) => { console.error(error); process.exit(1); });
`;

export async function startS3Process(bucketName: string): Promise<S3Process> {
  const directory = mkdtempSync(join(tmpdir(), 'photo-sharing-s3-hang-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['-e', S3RVER_SCRIPT, require.resolve('s3rver'), directory, String(port), bucketName],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver process did not start within 10 s')), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver process exited with ${String(code)}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- handlers against other endpoints

export interface IsolatedHandlers {
  readonly photosApi: typeof PhotosApi.handler;
  readonly profilesApi: typeof ProfilesApi.handler;
  readonly uploadComplete: typeof UploadComplete.handler;
  readonly streamProcessor: typeof StreamProcessor.handler;
  /** Closes their pools and caches; call after the black holes are closed. */
  dispose(): Promise<void>;
}

/**
 * Loads fresh copies of the handler modules with these environment variables, and keeps both while
 * `work` runs: the SDK resolves an endpoint from the environment on a client's first request, and
 * the stream processor loads its S3 adapter on its first deletion. Nothing else may call the shared
 * handlers or stores meanwhile.
 */
export async function withHandlersAt<T>(
  environment: Record<string, string>,
  work: (handlers: IsolatedHandlers) => Promise<T>,
  loaded: IsolatedHandlers[],
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));
  Object.assign(process.env, environment);
  let result: { value: T } | undefined;
  try {
    await jest.isolateModulesAsync(async () => {
      /* eslint-disable @typescript-eslint/no-require-imports -- a fresh module registry per environment */
      const photos = require('../../../lambda/handlers/photos-api') as typeof PhotosApi;
      const profiles = require('../../../lambda/handlers/profiles-api') as typeof ProfilesApi;
      const uploads = require('../../../lambda/handlers/upload-complete') as typeof UploadComplete;
      const stream = require('../../../lambda/handlers/stream-processor') as typeof StreamProcessor;
      /* eslint-enable @typescript-eslint/no-require-imports */
      const handlers: IsolatedHandlers = {
        photosApi: photos.handler,
        profilesApi: profiles.handler,
        uploadComplete: uploads.handler,
        streamProcessor: stream.handler,
        dispose: async () => {
          await Promise.all([profiles.dispose(), stream.dispose()]);
        },
      };
      loaded.push(handlers);
      result = { value: await work(handlers) };
    });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  if (!result) throw new Error('handler modules did not run');
  return result.value;
}

// ---------------------------------------------------------------- timing

export interface Timed<T> {
  readonly ms: number;
  readonly outcome: PromiseSettledResult<T>;
}

/** Runs the calls at once (a hang costs the same whether waited for in turn or together). */
export async function timedAll<T>(calls: readonly (() => Promise<T>)[]): Promise<Timed<T>[]> {
  return Promise.all(
    calls.map(async (call) => {
      const started = Date.now();
      const [outcome] = await Promise.allSettled([call()]);
      return { ms: Date.now() - started, outcome: outcome as PromiseSettledResult<T> };
    }),
  );
}

// ---------------------------------------------------------------- stream records

/** The INSERT stream records of `count` new PENDING photos of the owner. */
export async function pendingPhotoInserts(
  stream: StreamReader,
  owner: string,
  count: number,
): Promise<DynamoDBRecord[]> {
  const keys = new Set<string>();
  for (let index = 0; index < count; index += 1) keys.add(`PHOTO#${(await createUpload(owner)).photoId}`);
  return (await stream.read()).filter(
    (record) => record.eventName === 'INSERT' && keys.has(record.dynamodb?.Keys?.pk?.S ?? ''),
  );
}

let sequence = 800_000_000_000_000_000_000n;

/**
 * The record of a later change of a PENDING photo, from its INSERT record: READY (the stream
 * processor counts it: PostgreSQL, then Redis) or REMOVE (it deletes the object: S3).
 */
export function laterChange(insert: DynamoDBRecord, change: 'READY' | 'REMOVE'): DynamoDBRecord {
  const image = insert.dynamodb?.NewImage;
  if (!image) throw new Error('INSERT record without a new image');
  sequence += 1n;
  const common = {
    Keys: insert.dynamodb?.Keys,
    SequenceNumber: String(sequence),
    StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
  };
  return change === 'READY'
    ? {
        ...insert,
        eventID: `ready-${sequence}`,
        eventName: 'MODIFY',
        dynamodb: { ...common, OldImage: image, NewImage: { ...image, status: { S: 'READY' } } },
      }
    : {
        ...insert,
        eventID: `remove-${sequence}`,
        eventName: 'REMOVE',
        dynamodb: { ...common, OldImage: image },
      };
}
