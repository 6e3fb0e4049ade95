/**
 * One hung dependency, in a process of its own (a fresh Lambda environment): opens a black hole (a
 * TCP server that accepts and never answers), points the one dependency at it, loads the handler
 * and times a single call. The other dependencies are the benchmark's live engines, whose
 * environment this process inherits. Prints one JSON line: { ms, outcome }.
 *
 *   tsx scripts/bench/hang-probe.ts <dependency> <scenario JSON>
 */
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { localLambdaContext } from '../local/lambda-context';
import { objectCreatedEvent } from '../local/s3-events';
import { httpEvent } from '../../test/app/support/http';
import { HANG_DEPENDENCIES, type HangDependency, type HangScenario } from './hang-scenarios';

async function openBlackHole(): Promise<{ port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('black hole has no port');
  return { port: address.port, sockets };
}

async function probe(
  dependency: HangDependency,
  scenario: HangScenario,
): Promise<{ ms: number; outcome: string }> {
  const hole = await openBlackHole();
  const at = `http://127.0.0.1:${hole.port}`;
  const overrides: Record<HangDependency, Record<string, string>> = {
    DynamoDB: { AWS_ENDPOINT_URL_DYNAMODB: at },
    S3: { AWS_ENDPOINT_URL_S3: at },
    PostgreSQL: { DB_PORT: String(hole.port) },
    Redis: { CACHE_PORT: String(hole.port) },
  };
  Object.assign(process.env, overrides[dependency]);
  const context = localLambdaContext('hang-probe');
  const started = { at: 0 };
  const call = async (): Promise<string> => {
    switch (dependency) {
      case 'DynamoDB': {
        const { handler } = await import('../../lambda/handlers/photos-api.js');
        started.at = performance.now();
        const response = await handler(httpEvent('GET /feed', { caller: scenario.caller }), context);
        return `GET /feed answered ${response.statusCode}`;
      }
      case 'PostgreSQL': {
        // The caller's own profile is always read from the database (read-your-writes).
        const { handler } = await import('../../lambda/handlers/profiles-api.js');
        started.at = performance.now();
        const response = await handler(httpEvent('GET /me', { caller: scenario.profileUserId }), context);
        return `GET /me answered ${response.statusCode}`;
      }
      case 'Redis': {
        const { handler } = await import('../../lambda/handlers/profiles-api.js');
        const event = httpEvent('GET /users/{userId}', {
          caller: scenario.caller,
          pathParameters: { userId: scenario.profileUserId },
        });
        started.at = performance.now();
        const response = await handler(event, context);
        return `GET /users/{userId} answered ${response.statusCode}`;
      }
      case 'S3': {
        const { handler } = await import('../../lambda/handlers/upload-complete.js');
        const event = objectCreatedEvent({
          bucket: scenario.bucketName,
          key: scenario.pendingObjectKey,
          size: scenario.pendingObjectSize,
        });
        started.at = performance.now();
        try {
          await handler(event, context);
          return 'upload-complete succeeded';
        } catch (error) {
          return `upload-complete failed: ${(error as Error).message}`;
        }
      }
    }
  };
  const outcome = await call();
  return { ms: performance.now() - started.at, outcome };
}

const [dependency, scenario] = process.argv.slice(2);
if (!HANG_DEPENDENCIES.includes(dependency as HangDependency) || !scenario) {
  console.error(`usage: hang-probe.ts <${HANG_DEPENDENCIES.join('|')}> <scenario JSON>`);
  process.exit(2);
}
probe(dependency as HangDependency, JSON.parse(scenario) as HangScenario).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // The hung connections would hold the process open.
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
