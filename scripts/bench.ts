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
import { benchBundles, benchCommand, benchInits, benchSynth, ROOT, type BundleFigure } from './bench/build';
import { benchHandlers, type HandlerBench } from './bench/handlers';
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
  const digits = figure.unit === 'ms' ? 2 : 1;
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
  progress('cdk synth per stage (cold process, bundling)');
  const synth = STAGE_NAMES.map((stage) => benchSynth(stage, runs));

  progress('Tests');
  // CI runs the whole suite just before the quick mode: timing it again would only double the
  // cost, so quick mode times jest's start-up instead, which keeps this code path alive.
  const tests = options.quick
    ? [benchCommand('jest --listTests (quick-mode stand-in for npm test)', 'npx', ['jest', '--listTests'], 1)]
    : [
        benchCommand('npm test: infra tests', 'npx', ['jest', '--selectProjects', 'infra'], runs),
        benchCommand('npm test: whole suite', 'npm', ['test', '--silent'], runs),
      ];

  progress('Bundles and module init');
  const bundleDir = path.join(ROOT, 'bench', 'tmp', 'bundles');
  fs.rmSync(bundleDir, { recursive: true, force: true });
  const bundles = await benchBundles(bundleDir);
  const init = benchInits(bundles, options.quick ? 3 : 21);

  progress('Handlers on the local engines');
  const handlers = await benchHandlers(
    options.quick
      ? { iterations: 50, warmup: 10, batches: 5 }
      : { iterations: 1000, warmup: 100, batches: 200 },
  );
  const [cachedRead] = handlers.figures;

  const rows: Row[] = [
    ...synth.map((s) =>
      figureRow(s, { text: `< ${TARGETS.synthSeconds} s`, met: s.median < TARGETS.synthSeconds }),
    ),
    ...tests.map((t) => figureRow(t)),
    ...bundles.map(bundleRow),
    ...init.map((i) => figureRow(i, { text: `< ${TARGETS.initMs} ms`, met: i.median < TARGETS.initMs })),
    ...handlers.figures.map((f) =>
      f === cachedRead
        ? figureRow(f, {
            text: `p99 < ${TARGETS.cachedP99Ms} ms`,
            met: handlers.cachedP99Ms < TARGETS.cachedP99Ms,
          })
        : figureRow(f),
    ),
    {
      measure: 'profile read, uncached / cached at p50',
      result: `${round(handlers.cachedSpeedupP50, 1)}x`,
      spread: '',
      runs: '',
      target: `>= ${TARGETS.cachedVsUncachedP50Ratio}x`,
      met: handlers.cachedSpeedupP50 >= TARGETS.cachedVsUncachedP50Ratio,
    },
    {
      measure: 'ceiling of that ratio here: 2 + SELECT / GET',
      result: `${round(handlers.cachedSpeedupCeilingP50, 1)}x`,
      spread: '',
      runs: '',
      target: '',
    },
  ];
  console.log('');
  printTable(rows);
  const elapsedSeconds = round((Date.now() - started) / 1000, 1);
  console.log(`\nBenchmark took ${elapsedSeconds} s.`);

  const misses = checkTargets(synth, bundles, init, handlers);
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
      init,
      handlers: handlers.figures,
      cachedSpeedupP50: round(handlers.cachedSpeedupP50, 2),
      cachedSpeedupCeilingP50: round(handlers.cachedSpeedupCeilingP50, 2),
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

export function checkTargets(
  synth: readonly Figure[],
  bundles: readonly BundleFigure[],
  init: readonly Figure[],
  handlers: HandlerBench,
): string[] {
  const misses: string[] = [];
  for (const s of synth) {
    if (s.median >= TARGETS.synthSeconds) {
      misses.push(`${s.name}: ${round(s.median)} s >= ${TARGETS.synthSeconds} s`);
    }
  }
  for (const b of bundles) {
    const budget = b.carriesDriver ? TARGETS.driverBundleBytes : TARGETS.bundleBytes;
    if (b.bytes > budget)
      misses.push(`bundle ${b.handler}: ${round(b.bytes / 1024, 1)} KB > ${budget / 1024} KB`);
  }
  for (const i of init) {
    if (i.median >= TARGETS.initMs) misses.push(`${i.name}: ${round(i.median)} ms >= ${TARGETS.initMs} ms`);
  }
  if (handlers.cachedSpeedupP50 < TARGETS.cachedVsUncachedP50Ratio) {
    misses.push(
      `cached profile read only ${round(handlers.cachedSpeedupP50, 1)}x faster at p50 (target ${TARGETS.cachedVsUncachedP50Ratio}x)`,
    );
  }
  if (handlers.cachedP99Ms >= TARGETS.cachedP99Ms) {
    misses.push(`cached profile read p99 ${round(handlers.cachedP99Ms, 3)} ms >= ${TARGETS.cachedP99Ms} ms`);
  }
  return misses;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  // Idle keep-alive sockets of the handlers' SDK clients must not hold the process open.
  .finally(() => process.exit());
