import type { EnvironmentGroup, VariablesOf } from '../../contract/environment';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { entryOf, FUNCTIONS, type FunctionKey } from '../../contract/functions';
import { APP_METRICS_NAMESPACE } from '../../lib/app-metrics';
import { handlerBuildOptions } from '../../lib/constructs/app-function';
import { driversMissingFrom, writeFloorEntry } from './floor';
import { summarize, type Figure } from './stats';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Jest and cdk write a lot; spawnSync's default 1 MiB would kill them. */
const OUTPUT_LIMIT = 64 * 1024 * 1024;

/** Wall time of a test command. */
export function benchCommand(name: string, command: string, args: string[], runs: number): Figure {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: OUTPUT_LIMIT,
      env: { ...process.env, CI: 'true' },
    });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
      throw new Error(`${name} failed:\n${result.stdout}\n${result.stderr}`);
    }
    samples.push(elapsed);
  }
  return summarize(name, 's', samples);
}

export interface BundleFigure {
  readonly handler: string;
  readonly bytes: number;
  /** Carries `pg` or the Redis client, which earns it the larger budget. */
  readonly carriesDriver: boolean;
  readonly file: string;
  /** The function it is deployed as. */
  readonly functionKey: FunctionKey;
  readonly metafile: Metafile;
}

/**
 * Bundles one entry (a handler, lambda/handlers/<name>.ts, or a benchmark module) into `outfile`
 * with the options AppFunction bundles its handler with (handlerBuildOptions: APP_BUNDLING), so
 * the benchmark and the runtime-SDK test measure exactly what is deployed.
 */
export async function bundleEntry(entry: string, outfile: string): Promise<Metafile> {
  const result = await build({ ...handlerBuildOptions(entry, outfile), metafile: true, logLevel: 'silent' });
  return result.metafile;
}

/** Bundles the handler of lambda/handlers/<handler>.ts as it is deployed. */
export function bundleHandler(handler: string, outfile: string): Promise<Metafile> {
  return bundleEntry(path.join(ROOT, 'lambda', 'handlers', `${handler}.ts`), outfile);
}

/** The size of index.js in a bundle's metafile (the source map is a separate file, as deployed). */
function bundleBytes(metafile: Metafile, what: string): number {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('/index.js'));
  if (!output) throw new Error(`esbuild wrote no bundle for ${what}`);
  return output[1].bytes;
}

/** Bundles every function's handler exactly as AppFunction does (APP_BUNDLING, CommonJS). */
export async function benchBundles(outDir: string): Promise<BundleFigure[]> {
  const figures: BundleFigure[] = [];
  const keys = (Object.keys(FUNCTIONS) as FunctionKey[]).sort((a, b) =>
    FUNCTIONS[a].name.localeCompare(FUNCTIONS[b].name),
  );
  for (const functionKey of keys) {
    const handler = FUNCTIONS[functionKey].name;
    const file = path.join(outDir, handler, 'index.js');
    const metafile = await bundleEntry(path.join(ROOT, entryOf(FUNCTIONS[functionKey])), file);
    figures.push({
      handler,
      bytes: bundleBytes(metafile, handler),
      carriesDriver: Object.keys(metafile.inputs).some((i) => /node_modules\/(pg|ioredis)\//.test(i)),
      file,
      functionKey,
      metafile,
    });
  }
  return figures;
}

/** A module whose init is timed: a handler bundle or a floor bundle. */
export interface InitModule {
  readonly name: string;
  readonly file: string;
  /** Its POWERTOOLS_SERVICE_NAME, as deployed. */
  readonly serviceName: string;
}

/**
 * Bundles the floor module of each function (scripts/bench/floor.ts) with the same options, after
 * checking that the floor loads no driver its handler lacks.
 */
export async function benchFloors(bundles: readonly BundleFigure[], outDir: string): Promise<InitModule[]> {
  const floors: InitModule[] = [];
  for (const bundle of bundles) {
    const missing = driversMissingFrom(bundle.metafile, bundle.functionKey);
    if (missing.length > 0) {
      throw new Error(`The floor of ${bundle.handler} loads what its bundle does not: ${missing.join(', ')}`);
    }
    const entry = writeFloorEntry(path.join(outDir, 'entries'), bundle.functionKey);
    const file = path.join(outDir, bundle.handler, 'index.js');
    await bundleEntry(entry, file);
    floors.push({ name: `floor of ${bundle.handler}`, file, serviceName: bundle.handler });
  }
  return floors;
}

/** A handler's init, its floor's, and their ratio (median of the per-sample ratios). */
export interface InitFigure {
  readonly handler: string;
  readonly init: Figure;
  readonly floor?: Figure;
  readonly overFloor?: Figure;
}

function fastest(attempts: number, time: () => number): number {
  let best = Infinity;
  for (let attempt = 0; attempt < attempts; attempt++) best = Math.min(best, time());
  return best;
}

/**
 * Module init time: a fresh Node process (with the NODE_OPTIONS that AppFunction deploys, so the
 * source map is loaded as in Lambda) loads the bundle and runs its module-scope setup (environment
 * parsing, client construction), without network; the time from before `require` to after it.
 *
 * The runs go round-robin over the handlers, so that every handler sees the same machine (a
 * shared VM drifts by 20 % within minutes), and the environment is the function's own, not this
 * shell's (variables such as NODE_OPTIONS or NODE_EXTRA_CA_CERTS would change what Node loads).
 *
 * One sample of a handler with a floor is `attempts` loads of each, alternating, and the fastest
 * of each: other load on the machine only ever adds time to a load, so the fastest of a few back to
 * back is the closest to what the module itself costs. On this 2-core machine single pairs ranged
 * from 0.5x to 1.9x for one and the same bundle; the fastest of three ranged from 0.94x to 1.20x.
 */
export function benchInits(
  pairs: readonly { readonly handler: InitModule; readonly floor?: InitModule }[],
  runs: number,
  attempts = 1,
): InitFigure[] {
  // Typed by the contract: every variable any function reads (contract/environment.ts).
  const variables: VariablesOf<EnvironmentGroup> = {
    TABLE_NAME: 'bench-table',
    FEED_SHARDS: '2',
    FEED_READ_LEGACY_PARTITION: 'false',
    BUCKET_NAME: 'bench-bucket',
    UPLOAD_URL_EXPIRY_SECONDS: '300',
    DOWNLOAD_URL_EXPIRY_SECONDS: '300',
    PENDING_UPLOAD_TTL_SECONDS: '3600',
    MAX_PENDING_UPLOADS_PER_USER: '20',
    DB_HOST: '127.0.0.1',
    DB_READER_HOST: '127.0.0.1',
    DB_PORT: '9',
    DB_NAME: 'photos',
    DB_USER: 'app_user',
    DB_TLS: 'false',
    CACHE_HOST: '127.0.0.1',
    CACHE_PORT: '9',
    CACHE_TLS: 'false',
    CACHE_ID: 'photoapp-bench-cache',
    CACHE_IAM_USER: 'photoapp-bench-app',
    CACHE_TTL_SECONDS: '300',
    DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:bench',
    DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
  };
  const env: NodeJS.ProcessEnv = {
    ...variables,
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: APP_METRICS_NAMESPACE,
  };
  const timeInit = (target: InitModule): number => {
    const probe = [
      'const t0 = process.hrtime.bigint();',
      `require(${JSON.stringify(target.file)});`,
      'const t1 = process.hrtime.bigint();',
      'process.stdout.write(String(Number(t1 - t0) / 1e6));',
      'process.exit(0);',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--enable-source-maps', '-e', probe], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, POWERTOOLS_SERVICE_NAME: target.serviceName },
    });
    if (result.status !== 0) throw new Error(`init of ${target.name} failed:\n${result.stderr}`);
    return Number(result.stdout);
  };
  const inits = pairs.map(() => [] as number[]);
  const floors = pairs.map(() => [] as number[]);
  const ratios = pairs.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (let offset = 0; offset < pairs.length; offset++) {
      const index = (run + offset) % pairs.length;
      const { handler, floor } = pairs[index];
      if (!floor) {
        inits[index].push(fastest(attempts, () => timeInit(handler)));
        continue;
      }
      // Handler and floor back to back, in alternating order: the ratio of a sample sees one
      // moment of the machine, so drift and other load cancel out of it.
      let handlerMs = Infinity;
      let floorMs = Infinity;
      for (let attempt = 0; attempt < attempts; attempt++) {
        const handlerFirst = (run + attempt) % 2 === 0;
        const first = timeInit(handlerFirst ? handler : floor);
        const second = timeInit(handlerFirst ? floor : handler);
        handlerMs = Math.min(handlerMs, handlerFirst ? first : second);
        floorMs = Math.min(floorMs, handlerFirst ? second : first);
      }
      inits[index].push(handlerMs);
      floors[index].push(floorMs);
      ratios[index].push(handlerMs / floorMs);
    }
  }
  return pairs.map(({ handler, floor }, index) => ({
    handler: handler.name,
    init: summarize(`init ${handler.name}`, 'ms', inits[index]),
    ...(floor
      ? {
          floor: summarize(`init ${floor.name}`, 'ms', floors[index]),
          overFloor: summarize(`init ${handler.name} / its floor`, 'x', ratios[index]),
        }
      : {}),
  }));
}
