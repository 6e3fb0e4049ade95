/**
 * The project's benchmark: every performance figure in the README comes from here, run on one
 * machine, as medians of repeated runs with min and max, and as ratios where possible.
 *
 *   npm run bench              full run: prints the table, writes bench/results.json
 *   npm run bench -- --check   the same, and exits non-zero if a target is missed
 *   npm run bench -- --quick   few iterations, writes nothing (CI runs it so the script cannot rot)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STAGE_NAMES } from '../lib/config';
import {
  benchBundles,
  benchCommand,
  benchFloors,
  benchInits,
  ROOT,
  type BundleFigure,
  type InitFigure,
} from './bench/build';
import { benchHandlers, type CacheBench } from './bench/handlers';
import { benchSynthRound } from './bench/synth';
import type { HangFigure } from './bench/hangs';
import { LOAD_PRESETS, runLoad, type LoadResult } from './bench/load';
import { round, type Figure } from './bench/stats';
import { TARGETS } from './bench/targets';

interface Options {
  readonly quick: boolean;
  readonly check: boolean;
}

export { TARGETS };

function parseArgs(argv: string[]): Options {
  const known = new Set(['--quick', '--check']);
  for (const arg of argv) {
    if (!known.has(arg)) throw new Error(`Unknown argument ${arg}; use --quick and/or --check`);
  }
  return { quick: argv.includes('--quick'), check: argv.includes('--check') };
}

/** One line of the printed table (and of the README's). */
interface Row {
  readonly measure: string;
  readonly result: string;
  readonly spread: string;
  readonly runs: string;
  readonly target: string;
  /** Undefined when the figure has no target. */
  readonly met?: boolean;
}

function figureRow(figure: Figure, target?: { text: string; met: boolean }): Row {
  // Ratios to a floor need two decimals: their targets sit at 1.15x.
  const digits = figure.unit === 'ms' || figure.unit === 'x' ? 2 : 1;
  const latencyRow = figure.p50 !== undefined;
  return {
    measure: figure.name,
    result: latencyRow
      ? `p50 ${round(figure.p50 ?? 0, 3)} ms, p99 ${round(figure.p99 ?? 0, 3)} ms`
      : `${round(figure.median, digits)} ${figure.unit}`,
    spread: `${round(figure.min, latencyRow ? 3 : digits)} .. ${round(figure.max, latencyRow ? 3 : digits)} ${figure.unit}`,
    runs: String(figure.runs),
    target: target?.text ?? '',
    ...(target ? { met: target.met } : {}),
  };
}

function printTable(rows: readonly Row[]): void {
  const cells = rows.map((r) => [
    r.measure,
    r.result,
    r.spread,
    r.runs,
    r.target === '' ? '' : `${r.target} ${r.met ? 'met' : 'MISSED'}`,
  ]);
  const header = ['Measure', 'Result (median)', 'Min .. max', 'Runs', 'Target'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const c of cells) console.log(line(c));
}

function bundleRow(b: BundleFigure): Row {
  const budget = b.carriesDriver ? TARGETS.driverBundleBytes : TARGETS.bundleBytes;
  return {
    measure: `bundle ${b.handler}${b.carriesDriver ? ' (carries pg/ioredis)' : ''}`,
    result: `${round(b.bytes / 1024, 1)} KB`,
    spread: '',
    runs: '1',
    target: `<= ${budget / 1024} KB`,
    met: b.bytes <= budget,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const runs = options.quick ? 1 : 3;
  const cpus = os.cpus();
  const machine = {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
  console.log(
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  if (options.quick) console.log('Quick mode: few iterations; the figures are not for the README.');

  const progress = (what: string) =>
    console.log(`[${round((Date.now() - started) / 1000, 1)} s] ${what} ...`);
  progress('cdk synth of a floor app and of each stage, round-robin (cold process, bundling)');
  const synth = benchSynthRound(STAGE_NAMES, runs);

  progress('Tests');
  // CI runs the whole suite just before the quick mode: timing it again would only double the
  // cost, so quick mode times jest's start-up instead, which keeps this code path alive.
  const tests = options.quick
    ? [benchCommand('jest --listTests (quick-mode stand-in for npm test)', 'npx', ['jest', '--listTests'], 1)]
    : // One run of the infra project: the whole suite takes minutes and .ci/run reports its time.
      [benchCommand('npm test: infra tests', 'npx', ['jest', '--selectProjects', 'infra'], 1)];

  progress('Bundles and module init (each handler and its floor, round-robin)');
  const bundleDir = path.join(ROOT, 'bench', 'tmp', 'bundles');
  fs.rmSync(bundleDir, { recursive: true, force: true });
  const bundles = await benchBundles(bundleDir);
  const floors = await benchFloors(bundles, path.join(bundleDir, 'floors'));
  const inits = benchInits(
    bundles.map((b, index) => ({
      handler: { name: b.handler, file: b.file, serviceName: b.handler },
      // The health function loads no SDK client: its floor would be an empty module.
      ...(b.functionKey === 'health' ? {} : { floor: floors[index] }),
    })),
    options.quick ? 3 : 15,
    options.quick ? 1 : 3,
  );

  progress('Handlers on the local engines, then each dependency hung');
  const handlers = await benchHandlers(
    options.quick
      ? { iterations: 50, warmup: 10, cacheWarmup: 50, batches: 5 }
      : { iterations: 5000, warmup: 100, cacheWarmup: 5000, batches: 200 },
  );

  progress('Feed pages over 1 and N shards (DynamoDB Local)');
  // Imported here: the table adapter loads the handlers' logger, which must see the environment
  // the handler benchmark set (silent logs) rather than this shell's.
  const { benchFeed } = await import('./bench/feed.js');
  const feed = await benchFeed(
    options.quick
      ? { iterations: 20, warmup: 5, photos: 60 }
      : { iterations: 1000, warmup: 100, photos: 200 },
  );

  const load = LOAD_PRESETS[options.quick ? 'quick' : 'full'];
  progress(`Load: ${load.users} users walking the flow for ${load.durationSeconds} s against the dev server`);
  const loadResult = await runLoad(load);

  const rows: Row[] = [
    figureRow(synth.floor),
    ...synth.stages.flatMap((stage) => [
      figureRow(stage.synth),
      figureRow(stage.overFloor, {
        text: `<= ${TARGETS.synthOverFloor}x`,
        met: stage.overFloor.median <= TARGETS.synthOverFloor,
      }),
    ]),
    ...tests.map((t) => figureRow(t)),
    ...bundles.map(bundleRow),
    ...inits.flatMap(initRows),
    ...handlers.figures.map((f) => figureRow(f)),
    ...cacheRows(handlers.cache),
    ...handlers.hangs.map(hangRow),
    ...feed.map((f) => figureRow(f)),
    ...loadRows(loadResult),
  ];
  console.log('');
  printTable(rows);
  const elapsedSeconds = round((Date.now() - started) / 1000, 1);
  console.log(`\nBenchmark took ${elapsedSeconds} s.`);

  const misses = checkTargets(rows);
  if (!options.quick) {
    const results = {
      generatedAt: new Date().toISOString(),
      mode: 'full',
      elapsedSeconds,
      machine,
      synth,
      tests,
      bundles: bundles.map((b) => ({
        handler: b.handler,
        kb: round(b.bytes / 1024, 1),
        carriesDriver: b.carriesDriver,
      })),
      init: inits,
      handlers: handlers.figures,
      cache: handlers.cache,
      hangs: handlers.hangs,
      feed,
      load: { ...loadResult, userIds: undefined },
      targets: TARGETS,
      misses,
    };
    fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log('Wrote bench/results.json');
  }

  if (misses.length > 0) {
    console.log(`\nTargets missed:\n${misses.map((m) => `  - ${m}`).join('\n')}`);
    if (options.check) process.exitCode = 1;
  } else {
    console.log('\nAll targets met.');
  }
}

/** Every row with a target it missed, as one line each. */
export function checkTargets(rows: readonly Row[]): string[] {
  return rows
    .filter((row) => row.met === false)
    .map((row) => `${row.measure}: ${row.result} (target ${row.target})`);
}

function initRows(figure: InitFigure): Row[] {
  if (!figure.floor || !figure.overFloor) {
    return [
      figureRow(figure.init, {
        text: `< ${TARGETS.healthInitMs} ms`,
        met: figure.init.median < TARGETS.healthInitMs,
      }),
    ];
  }
  return [
    figureRow(figure.init),
    figureRow(figure.floor),
    figureRow(figure.overFloor, {
      text: `<= ${TARGETS.initOverFloor}x`,
      met: figure.overFloor.median <= TARGETS.initOverFloor,
    }),
  ];
}

function cacheRows(cache: CacheBench): Row[] {
  const share = cache.hitMissRatioP50 / cache.ratioCeilingP50;
  return [
    {
      measure: 'cache hit: handler cost at p50 (hit - raw GET)',
      result: `${round(cache.handlerCostP50Ms * 1000, 0)} µs`,
      spread: '',
      runs: '',
      target: `<= ${TARGETS.cacheHandlerCostP50Ms * 1000} µs`,
      met: cache.handlerCostP50Ms <= TARGETS.cacheHandlerCostP50Ms,
    },
    {
      measure: 'cache hit: handler cost at p99 (hit - raw GET)',
      result: `${round(cache.handlerCostP99Ms, 3)} ms`,
      spread: `${round(cache.cachedTailWithGc * 100, 0)} % of the slowest 1 % hits overlap a GC`,
      runs: '',
      target: `<= ${TARGETS.cacheHandlerCostP99Ms} ms`,
      met: cache.handlerCostP99Ms <= TARGETS.cacheHandlerCostP99Ms,
    },
    {
      measure: 'profile read, miss / hit at p50',
      result: `${round(cache.hitMissRatioP50, 2)}x of ceiling ${round(cache.ratioCeilingP50, 2)}x (${round(share * 100, 0)} %)`,
      spread: '',
      runs: '',
      target: `>= ${TARGETS.hitMissShareOfCeiling * 100} % of 2 + SELECT / GET`,
      met: share >= TARGETS.hitMissShareOfCeiling,
    },
  ];
}

function loadRows(load: LoadResult): Row[] {
  return [
    ...load.routes.map((route) => ({
      measure: `load ${route.route} (${route.driver})`,
      result: `p50 ${round(route.p50Ms, 1)} ms, p99 ${round(route.p99Ms, 1)} ms`,
      spread: `${round(route.perSecond, 1)} req/s, ${route.errors} errors, ${route.count5xx} 5xx`,
      runs: String(route.requests),
      target: '',
    })),
    {
      measure: `load total (${load.users} users, ${round(load.elapsedSeconds, 0)} s)`,
      result: `${round(load.totals.perSecond, 1)} req/s`,
      spread: `${load.totals.errors} errors, ${load.totals.count5xx} 5xx`,
      runs: String(load.totals.requests),
      target: '',
    },
    ...load.invariants.map((invariant) => ({
      measure: `after the load: ${invariant.name}`,
      result: invariant.passed ? 'holds' : 'VIOLATED',
      spread: invariant.detail,
      runs: '',
      target: 'holds',
      met: invariant.passed,
    })),
    {
      measure: 'after the load: asynchronous work settled',
      result: load.settle.settled ? 'yes' : 'no',
      spread: '',
      runs: '',
      target: 'settled',
      met: load.settle.settled,
    },
  ];
}

function hangRow(hang: HangFigure): Row {
  return {
    measure: `${hang.dependency} hung: ${hang.function}`,
    result: `${round(hang.ms / 1000, 2)} s`,
    spread: hang.outcome,
    runs: '1',
    target: `< ${hang.timeoutMs / 1000} s (timeout), expected answer`,
    met: hang.met,
  };
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  // Idle keep-alive sockets of the handlers' SDK clients must not hold the process open.
  .finally(() => process.exit());
