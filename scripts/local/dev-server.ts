/**
 * `npm run dev`: the whole API on this machine. Starts the real engines the app tests use, creates
 * the table, the bucket and the schema (the real migrations), and serves the HTTP API on
 * http://localhost:3000 by passing API Gateway payload 2.0 events to the real handlers. A local
 * token issuer stands in for Cognito and the JWT authorizer, S3 object-created events invoke the
 * upload-complete handler, and the table's stream feeds the stream processor and, filtered to
 * verified photos, the processing function that makes their renditions.
 *
 *   npm run dev -- [--port 3000] [--data DIR]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { FUNCTIONS } from '../../contract/functions';
import { isUserId } from '../../lambda/domain/identifiers';
import { PHOTO_KEY_PREFIX } from '../../lambda/domain/photos';
import { startLocalEngines } from './engines';
import type { LocalEngines } from './engines';
import { DEV_SERVER_NAMES as NAMES } from './dev-server-names';
import { StreamReader } from './dynamodb-stream';
import { ObjectCreatedDelivery, StreamPoller } from './event-sources';
import type { ApiHandler, ApiRoute, MatchedRoute, RouteFunctionKey } from './http-api';
import {
  PayloadTooLargeError,
  apiRoutes,
  httpApiEvent,
  matchRoute,
  readBody,
  sendGatewayError,
  sendLambdaResult,
} from './http-api';
import { localLambdaContext } from './lambda-context';
import { handlerEnvironment, prepareStores } from './local-app';
import { LocalTokenIssuer } from './token-issuer';
import type { S3rverEvent } from 's3rver';

const TOKEN_PATH = '/local/token';
const AUDIENCE = 'local-app-client';
/** API Gateway's maximum integration timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;
/** The API functions' timeout, for the Lambda context. */
const FUNCTION_TIMEOUT_MS = 10_000;

export interface DevServerOptions {
  readonly port: number;
  /** Keeps the data between runs; otherwise temporary directories removed on exit. */
  readonly dataDir?: string;
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function usage(): string {
  return 'Usage: npm run dev -- [--port PORT] [--data DIR]\n  --port  HTTP port (default: $PORT or 3000)\n  --data  keep the data in DIR between runs (default: temporary, removed on exit)';
}

function parseOptions(argv: readonly string[]): DevServerOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    log(usage());
    process.exit(0);
  }
  const rawPort = values.port ?? process.env.PORT ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535)
    throw new Error(`Invalid port ${rawPort}.\n${usage()}`);
  return { port, ...(values.data ? { dataDir: values.data } : {}) };
}

/** The handler modules parse their environment when imported: import them once it is set. */
async function loadHandlers() {
  const [health, photos, profiles, uploadComplete, processPhoto, streamProcessor] = await Promise.all([
    import('../../lambda/handlers/health.js'),
    import('../../lambda/handlers/photos-api.js'),
    import('../../lambda/handlers/profiles-api.js'),
    import('../../lambda/handlers/upload-complete.js'),
    import('../../lambda/handlers/process-photo.js'),
    import('../../lambda/handlers/stream-processor.js'),
  ]);
  // Every function of the route table needs its module here, or this does not type-check.
  const routeHandlers: Record<RouteFunctionKey, ApiHandler> = {
    health: health.handler,
    photosApi: photos.handler,
    profilesApi: profiles.handler,
  };
  const routes = apiRoutes(routeHandlers);
  return {
    routes,
    uploadComplete: uploadComplete.handler,
    processPhoto: processPhoto.handler,
    /** The processing function's filter criteria (lib/stacks/api-stack.ts), as a predicate. */
    isPhotoToProcess: (record: Parameters<typeof processPhoto.photoToProcess>[0]) =>
      processPhoto.photoToProcess(record) !== undefined,
    streamProcessor: streamProcessor.handler,
    dispose: async () => {
      await Promise.allSettled([profiles.dispose(), streamProcessor.dispose()]);
    },
  };
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** POST /local/token {"sub": "alice"} -> {"token": "..."}: exists only in this local server. */
async function issueToken(issuer: LocalTokenIssuer, body: Buffer, response: ServerResponse): Promise<void> {
  let sub: unknown;
  try {
    sub = (JSON.parse(body.toString('utf8') || '{}') as { sub?: unknown }).sub;
  } catch {
    sendJson(response, 400, { message: 'Body must be JSON: {"sub": "alice"}' });
    return;
  }
  if (!isUserId(sub)) {
    sendJson(response, 400, { message: 'sub must be 1-128 characters of A-Z, a-z, 0-9, _ or -' });
    return;
  }
  sendJson(response, 200, { token: await issuer.issue(sub) });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const TIMED_OUT = Symbol('timed out');

async function invokeRoute(
  matched: MatchedRoute,
  request: IncomingMessage,
  body: Buffer,
  claims: Record<string, string>,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  const event = httpApiEvent({ request, body, matched, claims, requestId, receivedAt: new Date() });
  const context = localLambdaContext(matched.route.functionName, {
    requestId: randomUUID(),
    timeoutMs: FUNCTION_TIMEOUT_MS,
    countDown: true,
  });
  let result: unknown;
  try {
    result = await withTimeout(matched.route.handler(event, context), INTEGRATION_TIMEOUT_MS);
  } catch (error) {
    log(`  ${matched.route.functionName} threw: ${error instanceof Error ? error.message : String(error)}`);
    sendGatewayError(response, 500, 'Internal Server Error', requestId);
    return;
  }
  if (result === TIMED_OUT) sendGatewayError(response, 503, 'Service Unavailable', requestId);
  else sendLambdaResult(response, result, requestId);
}

function requestListener(routes: readonly ApiRoute[], issuer: LocalTokenIssuer) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = Date.now();
    const requestId = randomUUID();
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    response.on('finish', () => log(`${method} ${path} ${response.statusCode} ${Date.now() - started} ms`));
    try {
      const body = await readBody(request);
      if (method === 'POST' && path === TOKEN_PATH) return await issueToken(issuer, body, response);
      const matched = matchRoute(routes, method, path);
      if (!matched) return sendGatewayError(response, 404, 'Not Found', requestId);
      let claims: Record<string, string> = {};
      if (matched.route.authorization === 'JWT') {
        const verified = await issuer.verify(request.headers.authorization);
        if (!verified) return sendGatewayError(response, 401, 'Unauthorized', requestId);
        claims = verified;
      }
      await invokeRoute(matched, request, body, claims, response, requestId);
    } catch (error) {
      if (error instanceof PayloadTooLargeError)
        return sendGatewayError(response, 413, 'Request Entity Too Large', requestId);
      log(`  local server error: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) sendGatewayError(response, 500, 'Internal Server Error', requestId);
      else response.destroy();
    }
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the local issuer hands a token to anyone who asks.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export interface RunningDevServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const started = Date.now();
  // s3rver starts with the engines; its events reach the handler once that is loaded.
  let onS3Event: (event: S3rverEvent) => void = () => undefined;
  const engines: LocalEngines = await startLocalEngines({
    bucketNames: [NAMES.bucketName],
    databases: [NAMES.databaseName],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    // Ctrl-C reaches this process only: it closes the handlers' connections, then stops the engines.
    detached: true,
    onS3Event: (event) => onS3Event(event),
  });
  const stops: (() => Promise<void>)[] = [() => engines.stop()];
  const stop = async (): Promise<void> => {
    for (const step of stops.reverse())
      await step().catch((error: unknown) => log(`  stop: ${String(error)}`));
    stops.length = 0;
  };
  try {
    await prepareStores(engines, NAMES);
    Object.assign(process.env, handlerEnvironment(engines, NAMES), {
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });
    const handlers = await loadHandlers();
    stops.push(async () => {
      await handlers.dispose();
      // pg's Pool.end() resolves before its connections have said goodbye; a PostgreSQL stopped
      // right away would cut them, and the pool would log each as a failure.
      await new Promise((resolve) => setTimeout(resolve, 200));
    });

    // Renditions are written to the same bucket; the upload rule only routes photo keys.
    const uploads = new ObjectCreatedDelivery(handlers.uploadComplete, log, { keyPrefix: PHOTO_KEY_PREFIX });
    onS3Event = uploads.deliver;
    stops.push(() => uploads.stop());
    const poller = new StreamPoller(
      new StreamReader(NAMES.tableName, engines.dynamoDb.endpoint),
      handlers.streamProcessor,
      log,
    );
    poller.start();
    stops.push(() => poller.stop());
    // A reader of its own, as each event source mapping reads the stream on its own.
    const processing = new StreamPoller(
      new StreamReader(NAMES.tableName, engines.dynamoDb.endpoint),
      handlers.processPhoto,
      log,
      { function: FUNCTIONS.photoProcessor, filter: handlers.isPhotoToProcess, batchSize: 1 },
    );
    processing.start();
    stops.push(() => processing.stop());

    const url = `http://localhost:${options.port}`;
    const issuer = await LocalTokenIssuer.create(`${url}/local`, AUDIENCE);
    const listener = requestListener(handlers.routes, issuer);
    const server = createServer((request, response) => void listener(request, response));
    await listen(server, options.port);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    printBanner(url, engines, options, Date.now() - started);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function printBanner(url: string, engines: LocalEngines, options: DevServerOptions, ms: number): void {
  const data = options.dataDir
    ? `${options.dataDir} (kept between runs; Redis, a cache, starts empty)`
    : `temporary, removed on exit (DynamoDB in memory, S3 ${engines.s3.dataDir}, PostgreSQL ${engines.postgres.dataDir}); --data DIR keeps it`;
  log(
    [
      `Photo-sharing API ready on ${url} (${(ms / 1000).toFixed(1)} s)`,
      `  token   TOKEN=$(curl -s -X POST ${url}${TOKEN_PATH} -H 'content-type: application/json' -d '{"sub":"alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
      `  call    curl -H "Authorization: Bearer $TOKEN" ${url}/me`,
      `  smoke   npm run smoke -- --url ${url}`,
      `  data    ${data}`,
      `  engines DynamoDB Local ${engines.dynamoDb.endpoint}, S3 (s3rver) ${engines.s3.endpoint}, PostgreSQL 127.0.0.1:${engines.postgres.port}, Redis 127.0.0.1:${engines.redis.port}`,
      'Ctrl-C stops the server and the engines.',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startup = startDevServer(options);
  let stopping = false;
  const shutdown = (reason: string, exitCode: number): void => {
    if (stopping) return;
    stopping = true;
    log(`\n${reason}: stopping the server and the engines...`);
    // A hung engine must not keep the terminal: give up after a while.
    setTimeout(() => {
      log('Stopping took too long; exiting.');
      process.exit(1);
    }, 30_000).unref();
    void startup
      .then((running) => running.stop())
      .then(
        () => {
          log('Stopped.');
          process.exit(exitCode);
        },
        () => process.exit(1),
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => shutdown(signal, 0));
  // The engines run in their own process groups: a crash must still stop them.
  const crash = (error: unknown): void => {
    log(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    shutdown('Crash', 1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  try {
    await startup;
  } catch (error) {
    log(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

if (require.main === module) void main();
