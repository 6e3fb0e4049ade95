/**
 * Proves that the stage's data can be restored: restores the photo table and the profile cluster
 * to a point in time into new resources, checks that both answer (an item count, a profile
 * count through the Data API), prints how long each step took and deletes the copies.
 *
 *   npm run restore-drill -- --stage prod                        # to the latest restorable time
 *   npm run restore-drill -- --stage prod --to 2025-06-01T09:30Z
 *   npm run restore-drill -- --stage dev --keep                  # leave the copies, print how to delete them
 *
 * It uses the caller's credentials and region, and creates billed resources for as long as it
 * runs (a Serverless v2 instance, an on-demand table). Ctrl-C stops the waits and deletes what
 * was created; a second Ctrl-C leaves at once and prints the commands that delete the rest.
 *
 * Exit code: 0 both copies answered and were deleted (or kept), 1 a check or a deletion failed,
 * 2 the drill could not start (no credentials, no region, bad arguments, stage not deployed),
 * 130 interrupted.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { STSClient } from '@aws-sdk/client-sts';
import { createDataApiClient, type DataApiRetryPolicy } from '../lambda/adapters/data-api-sql-runner';
import { checkCredentials } from './preflight/account-checks';
import { resolveRegion } from './preflight/clients';
import { describeError, errorMessage } from './preflight/errors';
import { deleteCommands, parseArgs, USAGE, type ParsedArgs } from './restore-drill/plan';
import {
  DRILL_DATA_API_RETRY,
  DEFAULT_WAITS,
  DrillLedger,
  DrillSetupError,
  runDrill,
  type DrillClients,
  type DrillWaits,
} from './restore-drill/run';

const COMMAND = 'restore-drill';

export interface RestoreDrillDeps {
  readonly resolveRegion: () => Promise<string | undefined>;
  readonly createClients: (region: string) => DrillClients & { readonly sts: STSClient };
  readonly now: () => Date;
  readonly waits: DrillWaits;
  readonly dataApiRetry: DataApiRetryPolicy;
  /** Calls `handler` on each Ctrl-C; returns the function that stops listening. */
  readonly onInterrupt: (handler: () => void) => () => void;
  /** Leaves at once (the second Ctrl-C). */
  readonly exit: (code: number) => void;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** One request may take a minute (a Data API statement ends itself after 45 s); one retry. */
const CLIENT_CONFIG = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
} as const;

export function createClients(region: string): DrillClients & { readonly sts: STSClient } {
  const config = { ...CLIENT_CONFIG, region };
  return {
    sts: new STSClient(config),
    cloudFormation: new CloudFormationClient(config),
    dynamoDb: new DynamoDBClient(config),
    rds: new RDSClient(config),
    rdsData: createDataApiClient(region),
  };
}

const DEFAULT_DEPS: RestoreDrillDeps = {
  resolveRegion,
  createClients,
  now: () => new Date(),
  waits: DEFAULT_WAITS,
  dataApiRetry: DRILL_DATA_API_RETRY,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
  exit: (code) => process.exit(code),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Runs the drill and returns the exit code; a failure to start is one line, never a stack trace. */
export async function main(argv: readonly string[], deps: RestoreDrillDeps = DEFAULT_DEPS): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, deps.now());
  } catch (error) {
    deps.err(`${COMMAND}: ${errorMessage(error)}`);
    return 2;
  }
  if (parsed.help) {
    deps.out(USAGE);
    deps.out(
      "Restores the stage's table and cluster to a point in time into new resources, checks them, then deletes them.",
    );
    return 0;
  }
  const region = await deps.resolveRegion();
  if (!region) {
    deps.err(
      `${COMMAND}: no AWS region; export AWS_REGION=eu-west-1 (or set \`region\` in your AWS profile: aws configure set region eu-west-1 --profile NAME)`,
    );
    return 2;
  }
  const clients = deps.createClients(region);
  const credentials = await checkCredentials(clients, region, COMMAND);
  if (credentials.kind !== 'ok') {
    deps.err(credentials.line);
    return 2;
  }

  const controller = new AbortController();
  const ledger = new DrillLedger();
  let interrupts = 0;
  const stopListening = deps.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      deps.err(
        parsed.keep
          ? `${COMMAND}: interrupted; stopping (--keep: nothing is deleted)`
          : `${COMMAND}: interrupted; deleting what the drill created (Ctrl-C again to leave now)`,
      );
      controller.abort();
      return;
    }
    const left = ledger.resources;
    if (left.length > 0) {
      deps.err(`${COMMAND}: left behind; delete them with:`);
      for (const command of deleteCommands(left, region)) deps.err(`  ${command}`);
    }
    deps.exit(130);
  });
  try {
    deps.out(`Restore drill of stage ${parsed.stage} in ${region}, account ${credentials.account}`);
    const outcome = await runDrill(
      clients,
      { stage: parsed.stage, to: parsed.to, keep: parsed.keep, region },
      {
        out: deps.out,
        now: deps.now,
        waits: deps.waits,
        dataApiRetry: deps.dataApiRetry,
        signal: controller.signal,
        ledger,
      },
    );
    return interrupts > 0 ? 130 : outcome.exitCode;
  } catch (error) {
    // runDrill throws only before it creates anything: the drill did not start.
    deps.err(`${COMMAND}: ${error instanceof DrillSetupError ? error.message : describeError(error)}`);
    return 2;
  } finally {
    stopListening();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
