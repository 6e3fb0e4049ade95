/**
 * Capacity model of a stage: the API request rate each part of the request path sustains for the
 * default request mix, which part saturates first, and the setting that raises it. The inputs come
 * from the stage config and its synthesized templates (built in-process, offline); the arithmetic,
 * its sources and its assumptions are in scripts/capacity/model.ts.
 *
 *   npm run capacity                   # the default stage (dev)
 *   npm run capacity -- --stage prod
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_STAGE, loadStageConfig, STAGE_NAMES, type StageConfig } from '../lib/config';
import { buildPhotoApp } from '../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from './cdk-context';
import {
  advice,
  ASSUMPTIONS,
  bottleneck,
  DEFAULT_REQUEST_MIX,
  durationsBelowMeasurement,
  formatRps,
  handlerOf,
  labelOf,
  partCapacities,
  PROCESS_PHOTO_MS,
  uploadsPerUserPerSecond,
  type CapacityInputs,
  type FunctionName,
  type PartCapacity,
  type StreamReader,
} from './capacity/model';

/** The templates the inputs are read from. */
export interface StageTemplates {
  readonly data: Template;
  readonly api: Template;
}

type Properties = Record<string, unknown>;

function propertiesOf(template: Template, type: string): Array<[string, Properties]> {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Properties }).Properties ?? {},
  ]);
}

/** The one resource of a type (the app has one API stage, cluster, proxy and cache); `optional`: or none. */
function onlyOne(template: Template, type: string): Properties;
function onlyOne(template: Template, type: string, optional: 'optional'): Properties | undefined;
function onlyOne(template: Template, type: string, optional?: 'optional'): Properties | undefined {
  const found = propertiesOf(template, type);
  if (found.length === 0 && optional) return undefined;
  if (found.length !== 1) throw new Error(`Expected one ${type} in the template, found ${found.length}`);
  return found[0][1];
}

function numberAt(props: Properties, setting: string, ...keys: string[]): number {
  const value = keys.reduce<unknown>((node, key) => (node as Properties | undefined)?.[key], props);
  if (typeof value !== 'number')
    throw new Error(`${setting} (${keys.join('.')}) is not a number in the template`);
  return value;
}

/**
 * Reads the model's inputs: what the templates set (throttle, reserved concurrency, proxy pool,
 * capacity range, stream mapping, cache node) and, from the config, what no template holds.
 */
export function capacityInputs(config: StageConfig, templates: StageTemplates): CapacityInputs {
  const stage = onlyOne(templates.api, 'AWS::ApiGatewayV2::Stage');
  const functions = propertiesOf(templates.api, 'AWS::Lambda::Function').map(([id, props]) => ({
    id,
    name: (props.Environment as { Variables?: Properties } | undefined)?.Variables?.POWERTOOLS_SERVICE_NAME,
    reserved: props.ReservedConcurrentExecutions,
  }));
  const reservedConcurrency: Partial<Record<FunctionName, number>> = {};
  for (const fn of functions) {
    if (typeof fn.name === 'string' && typeof fn.reserved === 'number') {
      reservedConcurrency[fn.name as FunctionName] = fn.reserved;
    }
  }
  const mappings = propertiesOf(templates.api, 'AWS::Lambda::EventSourceMapping');
  const streamMapping = (reader: StreamReader): { parallelizationFactor: number } => {
    const fn = functions.find((candidate) => candidate.name === reader);
    const own = mappings.filter(
      ([, props]) => (props.FunctionName as { Ref?: string } | undefined)?.Ref === fn?.id,
    );
    if (own.length !== 1)
      throw new Error(`Expected one event source mapping of ${reader}, found ${own.length}`);
    return { parallelizationFactor: (own[0][1].ParallelizationFactor as number | undefined) ?? 1 };
  };
  const cluster = onlyOne(templates.data, 'AWS::RDS::DBCluster');
  const proxyPool = onlyOne(templates.data, 'AWS::RDS::DBProxyTargetGroup', 'optional');
  const cache = onlyOne(templates.data, 'AWS::ElastiCache::ReplicationGroup');
  return {
    stage: config.stage,
    api: {
      rateLimit: numberAt(stage, 'API throttle rate', 'DefaultRouteSettings', 'ThrottlingRateLimit'),
      burstLimit: numberAt(stage, 'API throttle burst', 'DefaultRouteSettings', 'ThrottlingBurstLimit'),
    },
    reservedConcurrency,
    database: {
      ...(proxyPool
        ? {
            // 100 is RDS Proxy's default when the pool configuration leaves it out.
            proxyMaxConnectionsPercent:
              ((proxyPool.ConnectionPoolConfigurationInfo as Properties | undefined)
                ?.MaxConnectionsPercent as number | undefined) ?? 100,
          }
        : {}),
      minCapacity: numberAt(cluster, 'Aurora minimum', 'ServerlessV2ScalingConfiguration', 'MinCapacity'),
      maxCapacity: numberAt(cluster, 'Aurora maximum', 'ServerlessV2ScalingConfiguration', 'MaxCapacity'),
    },
    streams: {
      'stream-processor': streamMapping('stream-processor'),
      'process-photo': streamMapping('process-photo'),
    },
    cache: { nodeType: String(cache.CacheNodeType) },
    photos: {
      billing: config.photos.billing,
      feedShards: config.photos.feedShards,
      maxPendingUploadsPerUser: config.photos.maxPendingUploadsPerUser,
    },
  };
}

/** Builds the stage in-process without bundling, the way the tests do, and returns its templates. */
export function synthTemplates(config: StageConfig): StageTemplates {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
  const stacks = buildPhotoApp(app, config);
  return { data: Template.fromStack(stacks.data), api: Template.fromStack(stacks.api) };
}

interface BenchResults {
  readonly generatedAt: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string };
  readonly handlers: ReadonlyArray<{ readonly name: string; readonly p50: number }>;
}

const BENCH_RESULTS = path.join(__dirname, '..', 'bench', 'results.json');

function readBench(): BenchResults | undefined {
  return fs.existsSync(BENCH_RESULTS)
    ? (JSON.parse(fs.readFileSync(BENCH_RESULTS, 'utf8')) as BenchResults)
    : undefined;
}

function parseArgs(argv: string[]): { stage: string } {
  let stage: string = DEFAULT_STAGE;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--stage') stage = argv[++i] ?? '';
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else throw new Error(`Unknown argument ${arg}; use --stage ${STAGE_NAMES.join('|')}`);
  }
  return { stage };
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(
  inputs: CapacityInputs,
  parts: readonly PartCapacity[],
  bench: BenchResults | undefined,
): string {
  const sorted = [...parts].sort((a, b) => a.sustainableRps - b.sustainableRps);
  const first = bottleneck(parts);
  const pending = inputs.photos.maxPendingUploadsPerUser;
  const out = [
    `Stage ${inputs.stage}: API requests per second each part sustains, default request mix`,
    '',
    table(
      ['part', 'rps', 'per API request'],
      sorted.map((p) => [p.part, formatRps(p.sustainableRps), p.perRequest]),
    ),
    '',
    advice(parts),
    `Beyond it: ${first.whenExceeded}.`,
    '',
    'Capacity of each part, and what raises it:',
    ...sorted.flatMap((p) => [`  ${p.part}: ${p.capacity}.`, `    raise: ${p.knob}`]),
    '',
    `Per user: ${pending} pending uploads (photos.maxPendingUploadsPerUser), each held ${ASSUMPTIONS.uploadSeconds} s (assumed), = ${uploadsPerUserPerSecond(pending, ASSUMPTIONS.uploadSeconds)} uploads/s for one user; beyond it POST /photos answers 429.`,
    '',
    'Request mix (DEFAULT_REQUEST_MIX in scripts/capacity/model.ts; warm Lambda durations in AWS, assumed):',
    table(
      [
        'request',
        'share',
        'handler ms',
        'triggered ms',
        'SQL',
        'cache',
        'RCU',
        'WCU',
        'feed W',
        'feed pages',
      ],
      DEFAULT_REQUEST_MIX.map((k) => [
        labelOf(k),
        `${(k.share * 100).toFixed(1)}%`,
        `${handlerOf(k)} ${k.handlerMs}`,
        Object.entries(k.triggeredMs ?? {})
          .map(([fn, ms]) => `${fn} ${ms}`)
          .join(', ') || '-',
        ...[
          k.databaseStatements,
          k.cacheCommands,
          k.tableReadUnits,
          k.tableWriteUnits,
          k.feedWrites,
          k.feedPages,
        ].map(String),
      ]),
    ),
    '',
    `Assumptions (ASSUMPTIONS): account concurrency ${ASSUMPTIONS.accountConcurrency}, ${ASSUMPTIONS.streamShards} stream shard (both stream readers scale with the shards), ${PROCESS_PHOTO_MS} ms of process-photo per photo, ${ASSUMPTIONS.databaseStatementMs} ms per SQL statement, ${ASSUMPTIONS.cacheCommandBytes} B per cache command, ${ASSUMPTIONS.photoItemBytes} B per photo item.`,
    "Not modelled: Aurora CPU at maximum capacity and the cache nodes' CPU, which depend on the queries; a load test shows them (auroraCpu, cacheEngineCpu alarms).",
  ];
  if (bench) {
    const measured = Object.fromEntries(bench.handlers.map((h) => [h.name, h.p50]));
    const rows = DEFAULT_REQUEST_MIX.flatMap((k) =>
      k.measuredAs !== undefined && measured[k.measuredAs] !== undefined
        ? [[labelOf(k), String(k.handlerMs), measured[k.measuredAs].toFixed(2)]]
        : [],
    );
    out.push(
      '',
      `Benchmark (bench/results.json of ${bench.generatedAt.slice(0, 10)}, ${bench.machine.cpu}, ${bench.machine.cores} cores, Node ${bench.machine.node}):`,
      'handlers in-process against loopback engines, so a floor under the Lambda durations above, not a stand-in for them.',
      table(['request', 'assumed ms', 'measured p50 ms'], rows),
      ...durationsBelowMeasurement(measured).map(
        (d) =>
          `  WARNING: ${d.label} is assumed at ${d.assumedMs} ms, below the ${d.measuredP50Ms.toFixed(2)} ms measured on loopback`,
      ),
    );
  }
  return out.join('\n');
}

function main(): void {
  const config = loadStageConfig(parseArgs(process.argv.slice(2)).stage);
  const inputs = capacityInputs(config, synthTemplates(config));
  console.log(report(inputs, partCapacities(inputs), readBench()));
}

if (require.main === module) {
  main();
}
