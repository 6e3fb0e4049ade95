/**
 * A load run against the local dev server, with the data's invariants checked afterwards.
 *
 *   npx tsx scripts/bench/load.ts [--seconds 60] [--users 20] [--readers 10] [--quick]
 *   npx tsx scripts/bench/load.ts --url URL --dynamodb URL --s3 URL ...   (a server already running)
 *
 * Two drivers run at the same time for the duration:
 * - the flow: `users` simulated users, each walking PUT /me, POST /photos, the upload to S3, GET
 *   /photos/{photoId} until READY, its own listing, the feed, and every third walk a DELETE. Each
 *   step needs the previous one's answer, the upload goes to another host (S3) and the wait is a
 *   loop, none of which autocannon's fixed per-connection request sequence can express, so the
 *   walks are plain requests, each timed to the end of its body;
 * - the read mix: autocannon, one instance per read route (its latency histogram is per instance),
 *   `readers` connections in all, each connection one of the users reading the feed, another
 *   user's profile and listing, or its own profile, back to back, while the data changes under it.
 * Both run in this process and the server in its own (the way `npm run dev` runs), on one machine:
 * the figures are the whole stack's on this machine, load generator included, not Lambda's.
 *
 * Afterwards it waits until upload-complete and the stream processor have caught up, and checks
 * the invariants (load-invariants.ts). Any violated invariant fails the run.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ROUTE_KEYS } from '../../contract/routes';
import type { RouteKey } from '../../contract/routes';
import { startDevServerProcess } from '../local/dev-server-process';
import type { DevServerProcess } from '../local/dev-server-process';
import { DEV_SERVER_NAMES } from '../local/dev-server-names';
import { checkInvariants, settle } from './load-invariants';
import type { InvariantResult, LoadTarget, SettleResult } from './load-invariants';
import { ApiUser, FlowRecorder, READY_POLL_MS, S3_UPLOAD } from './load-user';
import type { FlowStep, StepSamples } from './load-user';
import { percentile, round } from './stats';

export type { InvariantResult, LoadTarget, SettleResult };

export interface LoadOptions {
  /** How long walks start and autocannon fires; walks under way at the end finish. */
  readonly durationSeconds: number;
  /** Simulated users walking the flow, one request at a time each. */
  readonly users: number;
  /** autocannon connections in all, split over the read routes, at least one each. @default users */
  readonly readers?: number;
  /** Every n-th walk of a user deletes that user's oldest photo. @default 3 */
  readonly deleteEvery?: number;
  /** An API already running; without one, a dev server is started for the run and stopped after. */
  readonly target?: LoadTarget;
  /** Bound on the wait for the asynchronous work before the checks. @default 30 s */
  readonly settleTimeoutMs?: number;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

/**
 * `full` is the README's run; `quick` keeps the code path alive in CI (`npm run bench -- --quick`).
 *
 * The full run's connections are sized to this 2-core machine, which the server, the engines and
 * the load generator share: it saturates near 280 req/s whatever the number of connections, so
 * connections beyond that only queue. With 20 readers beside the 20 users, writes queued in
 * DynamoDB Local up to the DynamoDB client's 1 s attempt deadline (POST /photos p99 1.06 s), and
 * one run had 20 POST /photos answered 503 after three timed-out attempts; with 10 readers the
 * same 280 req/s had a POST /photos p99 of 0.64 s and no 5xx. A load that overruns the engines
 * measures their queue, not the app.
 */
export const LOAD_PRESETS = {
  full: { durationSeconds: 60, users: 20, readers: 10 },
  quick: { durationSeconds: 5, users: 3, readers: 4 },
} as const satisfies Record<string, LoadOptions>;

/** The read mix: one autocannon instance per route, each with its own latency histogram. */
const READ_ROUTES = [
  'GET /feed',
  'GET /users/{userId}/photos',
  'GET /users/{userId}',
  'GET /me',
] as const satisfies readonly RouteKey[];
type ReadRoute = (typeof READ_ROUTES)[number];

export interface RouteFigure {
  readonly route: FlowStep;
  /** `flow`: the users' walks; `autocannon`: the read mix. */
  readonly driver: 'flow' | 'autocannon';
  readonly requests: number;
  /** Over the driver's own duration (autocannon's, or the walks' until the last one ended). */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** No answer (connection error, timeout) or another status than the route's success. */
  readonly errors: number;
  readonly count5xx: number;
}

export interface LoadResult {
  /** Settled, and every invariant holds. */
  readonly passed: boolean;
  readonly url: string;
  readonly users: number;
  readonly readers: number;
  /** The machine's cores and its 1, 5 and 15 minute load averages as the clock started. */
  readonly machine: { readonly cores: number; readonly loadAverage: readonly number[] };
  /** Wall time of the load, from the first request to the last walk's end. */
  readonly elapsedSeconds: number;
  readonly totals: {
    readonly requests: number;
    readonly perSecond: number;
    readonly errors: number;
    readonly count5xx: number;
  };
  /** Flow rows in route-table order, then the read mix's. */
  readonly routes: RouteFigure[];
  /** The timed walks; `failures` also names those of the warm-up walk (one per user, untimed). */
  readonly walks: {
    readonly completed: number;
    readonly failed: number;
    readonly failures: Record<string, number>;
  };
  /** From the end of the S3 upload until a GET saw the photo READY (S3 event, upload-complete). */
  readonly uploadToReady?: { readonly p50Ms: number; readonly p99Ms: number; readonly photos: number };
  readonly settle: SettleResult;
  readonly invariants: InvariantResult[];
  /** The users the checks covered: the walkers and the settle probe. */
  readonly userIds: readonly string[];
}

/** The target of a dev server started by startDevServerProcess. */
export function devServerTarget(server: DevServerProcess): LoadTarget {
  return {
    url: server.url,
    stores: {
      dynamoDbEndpoint: server.engines.dynamoDbEndpoint,
      s3Endpoint: server.engines.s3Endpoint,
      tableName: DEV_SERVER_NAMES.tableName,
      bucketName: DEV_SERVER_NAMES.bucketName,
    },
  };
}

const add = (counts: Map<string, number>, key: string, count: number): void => {
  counts.set(key, (counts.get(key) ?? 0) + count);
};

const count5xxOf = (statuses: Iterable<[number, number]>): number =>
  [...statuses].reduce((sum, [status, count]) => sum + (status >= 500 ? count : 0), 0);

function flowFigure(route: FlowStep, samples: StepSamples, seconds: number): RouteFigure {
  const sorted = [...samples.latenciesMs].sort((a, b) => a - b);
  return {
    route,
    driver: 'flow',
    requests: sorted.length,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors: samples.errors,
    count5xx: count5xxOf(samples.statuses),
  };
}

function readFigure(route: ReadRoute, result: autocannon.Result): RouteFigure {
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(
    ([status, { count }]) => [Number(status), count ?? 0] as [number, number],
  );
  const answered = statuses.reduce((sum, [, count]) => sum + count, 0);
  const ok = statuses.find(([status]) => status === 200)?.[1] ?? 0;
  return {
    route,
    driver: 'autocannon',
    requests: answered + result.errors,
    perSecond: (answered + result.errors) / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: answered - ok + result.errors,
    count5xx: count5xxOf(statuses),
  };
}

function readPath(route: ReadRoute, viewed: ApiUser): string {
  switch (route) {
    case 'GET /feed':
      return '/feed?limit=20';
    case 'GET /users/{userId}/photos':
      return `/users/${viewed.userId}/photos?limit=20`;
    case 'GET /users/{userId}':
      return `/users/${viewed.userId}`;
    case 'GET /me':
      return '/me';
  }
}

/** One autocannon instance per read route; connection k reads as user k and views user k + 1. */
function readMix(
  url: string,
  users: readonly ApiUser[],
  readers: number,
  seconds: number,
): Promise<RouteFigure[]> {
  return Promise.all(
    READ_ROUTES.map(async (route, index) => {
      const connections = Math.max(
        1,
        Math.floor(readers / READ_ROUTES.length) + (index < readers % READ_ROUTES.length ? 1 : 0),
      );
      let next = 0;
      const result = await autocannon({
        url,
        connections,
        duration: seconds,
        setupClient: (client) => {
          const reader = users[next % users.length];
          const viewed = users[(next + 1) % users.length];
          next += 1;
          // The whole sequence (of one request): setRequest would change only the first one.
          client.setRequests([
            {
              method: 'GET',
              path: readPath(route, viewed),
              headers: { authorization: `Bearer ${reader.token}` },
            },
          ]);
        },
      });
      return readFigure(route, result);
    }),
  );
}

const flowOrder = (route: FlowStep): number =>
  route === S3_UPLOAD ? ROUTE_KEYS.indexOf('POST /photos') + 0.5 : ROUTE_KEYS.indexOf(route);

async function loadTarget(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => undefined);
  const readers = options.readers ?? options.users;
  const runId = `load-${randomUUID().slice(0, 8)}`;
  const deleteEvery = options.deleteEvery ?? 3;
  // Before the clock, one walk each (its PUT /me signs the user up, so the readers' profiles
  // exist) warms up the server's, DynamoDB Local's and s3rver's code paths: JIT, connection pools.
  const warmup = new FlowRecorder();
  const warmupFailures = new Map<string, number>();
  const users = await Promise.all(
    Array.from({ length: options.users }, async (_, index) => {
      const user = await ApiUser.signIn(target.url, `${runId}-${index}`);
      user.measureWith(warmup);
      await user.tryWalk(0, deleteEvery, warmupFailures);
      return user;
    }),
  );
  const recorder = new FlowRecorder();
  for (const user of users) user.measureWith(recorder);

  log(
    `Load: ${options.users} users walking the flow and ${readers} autocannon readers for ${options.durationSeconds} s ...`,
  );
  const machine = { cores: availableParallelism(), loadAverage: loadavg().map((load) => round(load, 2)) };
  const started = Date.now();
  const deadline = started + options.durationSeconds * 1000;
  const [walks, reads] = await Promise.all([
    Promise.all(users.map((user) => user.walkUntil(deadline, deleteEvery))),
    readMix(target.url, users, readers, options.durationSeconds),
  ]);
  const elapsedSeconds = (Date.now() - started) / 1000;

  const flows = [...recorder.steps]
    .sort(([a], [b]) => flowOrder(a) - flowOrder(b))
    .map(([route, samples]) => flowFigure(route, samples, elapsedSeconds));
  const routes = [...flows, ...reads];
  const requests = routes.reduce((sum, route) => sum + route.requests, 0);
  const totals = {
    requests,
    perSecond: requests / elapsedSeconds,
    errors: routes.reduce((sum, route) => sum + route.errors, 0),
    count5xx: routes.reduce((sum, route) => sum + route.count5xx, 0),
  };
  const failures = new Map<string, number>();
  for (const walk of walks) for (const [reason, count] of walk.failures) add(failures, reason, count);
  // The warm-up's answers are not in the figures, but a 5xx is a 5xx.
  for (const [reason, count] of warmupFailures) add(failures, `warm-up ${reason}`, count);
  const warmup5xx = [...warmup.steps.values()].reduce(
    (sum, samples) => sum + count5xxOf(samples.statuses),
    0,
  );
  const ready = [...recorder.uploadToReadyMs].sort((a, b) => a - b);

  log('Waiting for the uploads and the stream to settle ...');
  const probeUserId = `${runId}-settle`;
  const settled = await settle(target, probeUserId, options.settleTimeoutMs ?? 30_000);
  log(`Checking the invariants (${settled.settled ? 'settled' : 'NOT settled'} in ${settled.ms} ms) ...`);
  const userIds = [...users.map((user) => user.userId), probeUserId];
  const invariants = await checkInvariants(target, { userIds, count5xx: totals.count5xx + warmup5xx });
  return {
    passed: settled.settled && invariants.every((invariant) => invariant.passed),
    url: target.url,
    users: options.users,
    readers,
    machine,
    elapsedSeconds,
    totals,
    routes,
    walks: {
      completed: walks.reduce((sum, walk) => sum + walk.completed, 0),
      failed: walks.reduce((sum, walk) => sum + walk.failed, 0),
      failures: Object.fromEntries(failures),
    },
    ...(ready.length > 0
      ? {
          uploadToReady: { p50Ms: percentile(ready, 50), p99Ms: percentile(ready, 99), photos: ready.length },
        }
      : {}),
    settle: settled,
    invariants,
    userIds,
  };
}

/** Runs the load against `options.target`, or against a dev server started (and stopped) for it. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.target) return loadTarget(options.target, options);
  options.log?.('Starting the dev server (npm run dev) ...');
  const server = await startDevServerProcess();
  try {
    return await loadTarget(devServerTarget(server), options);
  } finally {
    const code = await server.stop();
    if (code !== 0)
      options.log?.(`The dev server exited with ${String(code)}:\n${server.output().slice(-2000)}`);
  }
}

/** The result as a table of routes, then the walks, the wait and the invariants. */
export function formatLoadResult(result: LoadResult): string {
  const header = ['Route', 'Driver', 'Requests', 'Req/s', 'p50 ms', 'p99 ms', 'Errors', '5xx'];
  const row = (figure: RouteFigure): string[] => [
    figure.route,
    figure.driver,
    String(figure.requests),
    String(round(figure.perSecond, 1)),
    String(round(figure.p50Ms, 1)),
    String(round(figure.p99Ms, 1)),
    String(figure.errors),
    String(figure.count5xx),
  ];
  const { totals } = result;
  const cells = [
    ...result.routes.map(row),
    [
      'all',
      '',
      String(totals.requests),
      String(round(totals.perSecond, 1)),
      '',
      '',
      String(totals.errors),
      String(totals.count5xx),
    ],
  ];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i].length)));
  const line = (cell: readonly string[]): string =>
    `| ${cell.map((value, i) => (i < 2 ? value.padEnd(widths[i]) : value.padStart(widths[i]))).join(' | ')} |`;
  const failures = Object.entries(result.walks.failures).map(([reason, count]) => `${count} x ${reason}`);
  return [
    `Load on ${result.url}: ${result.users} users walking the flow, ${result.readers} autocannon readers, ${round(result.elapsedSeconds, 1)} s`,
    `Machine: ${result.machine.cores} cores, load average ${result.machine.loadAverage.join(' ')} at the start`,
    '',
    line(header),
    `| ${widths.map((width, i) => (i < 2 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`,
    ...cells.map(line),
    '',
    `Walks: ${result.walks.completed} completed, ${result.walks.failed} failed${failures.length > 0 ? ` (${failures.join('; ')})` : ''}`,
    result.uploadToReady
      ? `Upload to READY seen: p50 ${round(result.uploadToReady.p50Ms, 1)} ms, p99 ${round(result.uploadToReady.p99Ms, 1)} ms (${result.uploadToReady.photos} photos, polled every ${READY_POLL_MS} ms)`
      : 'Upload to READY seen: no photo became READY',
    `Settled: ${result.settle.settled ? 'yes' : 'NO'} in ${result.settle.ms} ms (${result.settle.detail})`,
    'Invariants:',
    ...result.invariants.map(
      (invariant) => `  ${invariant.passed ? 'ok  ' : 'FAIL'} ${invariant.name}: ${invariant.detail}`,
    ),
    result.passed ? 'All invariants hold.' : 'The run FAILED.',
  ].join('\n');
}

function usage(): string {
  return [
    'Usage: npx tsx scripts/bench/load.ts [--seconds N] [--users N] [--readers N] [--quick]',
    '                                     [--url URL --dynamodb URL --s3 URL]',
    `  --seconds   duration (default ${LOAD_PRESETS.full.durationSeconds}; --quick: ${LOAD_PRESETS.quick.durationSeconds})`,
    `  --users     users walking the flow (default ${LOAD_PRESETS.full.users}; --quick: ${LOAD_PRESETS.quick.users})`,
    `  --readers   autocannon connections over the read routes (default ${LOAD_PRESETS.full.readers}; --quick: ${LOAD_PRESETS.quick.readers})`,
    '  --url, --dynamodb, --s3   a running `npm run dev` and its engines (its banner prints them);',
    '              without them a dev server is started for the run',
  ].join('\n');
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, not ${raw}`);
  return value;
}

function parseOptions(argv: readonly string[]): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string' },
      users: { type: 'string' },
      readers: { type: 'string' },
      quick: { type: 'boolean' },
      url: { type: 'string' },
      dynamodb: { type: 'string' },
      s3: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const preset = values.quick ? LOAD_PRESETS.quick : LOAD_PRESETS.full;
  const users = positive('users', values.users, preset.users);
  const given = [values.url, values.dynamodb, values.s3].filter((value) => value !== undefined).length;
  if (given !== 0 && given !== 3) throw new Error('--url, --dynamodb and --s3 go together');
  return {
    durationSeconds: positive('seconds', values.seconds, preset.durationSeconds),
    users,
    readers: positive('readers', values.readers, preset.readers),
    ...(values.url && values.dynamodb && values.s3
      ? {
          target: {
            url: values.url.replace(/\/+$/, ''),
            stores: {
              dynamoDbEndpoint: values.dynamodb,
              s3Endpoint: values.s3,
              tableName: DEV_SERVER_NAMES.tableName,
              bucketName: DEV_SERVER_NAMES.bucketName,
            },
          },
        }
      : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  };
}

async function main(): Promise<void> {
  let options: LoadOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage()}\n`);
    process.exit(2);
  }
  const result = await runLoad(options);
  process.stdout.write(`\n${formatLoadResult(result)}\n`);
  if (!result.passed) process.exitCode = 1;
}

if (require.main === module)
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    // Idle keep-alive sockets of the clients must not hold the process open.
    .finally(() => process.exit());
