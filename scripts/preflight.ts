/**
 * Checks the account and region a stage is about to be deployed to, with the
 * caller's own credentials, so that a first `cdk deploy` does not fail
 * half-way. Read-only: it only calls Describe/Get/List APIs.
 *
 *   npm run preflight                  # the default stage (dev)
 *   npm run preflight -- --stage prod
 *
 * Exit code: 0 nothing blocks, 1 some check failed, 2 the preflight could not
 * run (no credentials, no region, bad arguments).
 */
import { DEFAULT_STAGE, loadStageConfig, STAGE_NAMES, type StageConfig } from '../lib/config';
import { checkCredentials } from './preflight/account-checks';
import { createClients, resolveRegion, type PreflightClients } from './preflight/clients';
import { errorMessage } from './preflight/errors';
import { exitCodeOf, formatResults, summary } from './preflight/report';
import { runChecks } from './preflight/run';
import { LIB_REGIONS, type RegionKnowledge } from './preflight/service-checks';
import { synthStageNeeds, type StageNeeds } from './preflight/stage-needs';

export const USAGE = `usage: npm run preflight -- [--stage ${STAGE_NAMES.join('|')}] [--help]`;

export interface PreflightDeps {
  readonly resolveRegion: () => Promise<string | undefined>;
  readonly createClients: (region: string) => PreflightClients;
  readonly stageNeeds: (config: StageConfig) => StageNeeds;
  readonly regions: RegionKnowledge;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const DEFAULT_DEPS: PreflightDeps = {
  resolveRegion,
  createClients,
  stageNeeds: synthStageNeeds,
  regions: LIB_REGIONS,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

type Parsed = { readonly help: true } | { readonly help: false; readonly stage: string };

function parseArgs(argv: readonly string[]): Parsed {
  let stage: string = DEFAULT_STAGE;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--stage') stage = argv[++i] ?? '';
    else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  if (!(STAGE_NAMES as readonly string[]).includes(stage)) {
    throw new Error(`unknown stage "${stage}"; ${USAGE}`);
  }
  return { help: false, stage };
}

/** Runs the preflight and returns the exit code; every failure to run is one line, never a stack trace. */
export async function main(argv: readonly string[], deps: PreflightDeps = DEFAULT_DEPS): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.help) {
      deps.out(USAGE);
      deps.out('Checks, with your AWS credentials and region, what a first `cdk deploy` of the stage needs.');
      return 0;
    }
    const config = loadStageConfig(parsed.stage);
    // A stage pinned to a Region deploys there whatever the profile's Region, so it is checked there.
    const region = config.region ?? (await deps.resolveRegion());
    if (!region) {
      deps.err(
        'preflight: no AWS region; export AWS_REGION=eu-west-1 (or set `region` in your AWS profile: aws configure set region eu-west-1 --profile NAME)',
      );
      return 2;
    }
    const clients = deps.createClients(region);
    const credentials = await checkCredentials(clients, region);
    if (credentials.kind !== 'ok') {
      deps.err(credentials.line);
      return 2;
    }
    const needs = deps.stageNeeds(config);
    const results = [
      credentials.result,
      ...(await runChecks({
        clients,
        region,
        account: credentials.account,
        needs,
        regions: deps.regions,
        clientsIn: deps.createClients,
      })),
    ];
    deps.out(`Preflight of stage ${config.stage} in ${region}, account ${credentials.account}`);
    for (const line of formatResults(results)) deps.out(line);
    deps.out(summary(results));
    return exitCodeOf(results);
  } catch (error) {
    deps.err(`preflight: ${errorMessage(error)}`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
