/**
 * `npm run dev` as a child process on a free port, exactly as a developer starts it: its own
 * engines, its own event loop. The local-run test and the load run (scripts/bench/load.ts) use it;
 * a load generator in the same process as the server would share its event loop and skew both.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './engines';

const ROOT = join(__dirname, '..', '..');
/** What printBanner (dev-server.ts) prints once the server is ready. */
const READY = /ready on (http:\/\/localhost:\d+)/;
const ENGINES =
  /engines DynamoDB Local (http:\/\/\S+), S3 \(s3rver\) (http:\/\/\S+), PostgreSQL 127\.0\.0\.1:(\d+), Redis 127\.0\.0\.1:(\d+)/;
/** The dev server gives up on a hung engine after 30 s; SIGKILL only after that. */
const STOP_TIMEOUT_MS = 30_000;

/** Where the dev server's engines listen, as its banner says. */
export interface DevServerEngines {
  readonly dynamoDbEndpoint: string;
  readonly s3Endpoint: string;
  readonly postgresPort: number;
  readonly redisPort: number;
}

export interface DevServerProcess {
  readonly url: string;
  readonly engines: DevServerEngines;
  /** Everything it printed (stdout and stderr) so far. */
  output(): string;
  /** SIGTERM, as Ctrl-C would be; resolves with the exit code once it (and its engines) stopped. */
  stop(): Promise<number | null>;
}

export interface DevServerProcessOptions {
  /** Added to this process's environment, e.g. POWERTOOLS_LOG_LEVEL. */
  readonly env?: Record<string, string>;
  /** @default 60 s: DynamoDB Local (Java) and PostgreSQL start cold. */
  readonly readyTimeoutMs?: number;
}

function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

function waitForOutput(
  child: ChildProcess,
  output: () => string,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`dev server not ready within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const check = (): void => {
      const match = pattern.exec(output());
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const exited = (code: number | null): void => {
      cleanup();
      reject(new Error(`dev server exited with ${String(code)}:\n${output()}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', exited);
    };
    child.stdout?.on('data', check);
    child.once('exit', exited);
    check();
  });
}

export async function startDevServerProcess(
  options: DevServerProcessOptions = {},
): Promise<DevServerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/local/dev-server.ts', '--port', String(port)],
    { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let printed = '';
  // Read continuously: stdout is a pipe, and the server blocks on a full one (a line per request).
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
  }
  const output = (): string => printed;
  try {
    // The banner prints the URL, then the engines: once the engines line is there, both are.
    const engines = await waitForOutput(child, output, ENGINES, options.readyTimeoutMs ?? 60_000);
    const ready = READY.exec(output());
    if (!ready) throw new Error(`dev server banner without its URL:\n${output()}`);
    return {
      url: ready[1],
      engines: {
        dynamoDbEndpoint: engines[1],
        s3Endpoint: engines[2],
        postgresPort: Number(engines[3]),
        redisPort: Number(engines[4]),
      },
      output,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
