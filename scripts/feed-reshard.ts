/**
 * The reshard step of the feed index: moves every feed entry that is not on a shard the stage
 * reads onto its shard (lambda/adapters/photo-table.ts: a hash of the photo id modulo
 * `photos.feedShards`). It drains `FEED`, the one partition of the feed before it was sharded, and
 * the shards above the count after lowering it. Each move is one conditional UpdateItem of the
 * photo item's `gsi2pk`: a photo deleted or moved meanwhile is left alone, and a second run moves
 * nothing, so the step can be stopped and run again at any time.
 *
 *   npx tsx scripts/feed-reshard.ts --stage prod --table <photo table name> [--rate 100]
 *
 * It uses the shell's AWS credentials and Region (AWS_PROFILE, AWS_REGION); for the local dev
 * server, set AWS_ENDPOINT_URL_DYNAMODB to its DynamoDB Local endpoint. Run it while the stage
 * reads the old partitions (`photos.readLegacyFeedPartition`, or the old, higher shard count), until
 * it reports nothing moved; then deploy the stage without them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_FEED_SHARDS } from '../contract/environment';
import { STAGE_NAMES, loadStageConfig } from '../lib/config';
import {
  FEED_INDEX,
  LEGACY_FEED_PK,
  createDocumentClient,
  feedShardOf,
  feedShardPk,
} from '../lambda/adapters/photo-table';
import { awsConfig } from '../lambda/shared/env';

export interface ReshardOptions {
  readonly tableName: string;
  /** The stage's `photos.feedShards`. */
  readonly shards: number;
  /**
   * Moves per second at most. Each move deletes one entry from the drained partition and writes
   * one to a shard (up to 2 write units each): 100 a second keep the drained partition at a fifth
   * of its 1,000 write units, beside the live traffic.
   */
  readonly movesPerSecond: number;
}

export interface ReshardResult {
  /** Entries moved onto their shard. */
  readonly moved: number;
  /** Entries whose photo was deleted or moved meanwhile, left alone. */
  readonly skipped: number;
}

/** The partitions no reader of `shards` shards reads once the legacy partition is off. */
export function partitionsToDrain(shards: number): string[] {
  const above = Array.from({ length: MAX_FEED_SHARDS - shards }, (_, index) => feedShardPk(shards + index));
  return [LEGACY_FEED_PK, ...above];
}

export async function reshardFeed(
  documents: DynamoDBDocumentClient,
  options: ReshardOptions,
): Promise<ReshardResult> {
  let moved = 0;
  let skipped = 0;
  const started = Date.now();
  for (const partition of partitionsToDrain(options.shards)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: options.tableName,
          IndexName: FEED_INDEX,
          KeyConditionExpression: 'gsi2pk = :partition',
          ExpressionAttributeValues: { ':partition': partition },
          ProjectionExpression: 'pk, sk, photoId',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const target = feedShardPk(feedShardOf(String(item.photoId), options.shards));
        if (await moveEntry(documents, options.tableName, item, partition, target)) moved += 1;
        else skipped += 1;
        // Paced from the start, so that a slow call is not made up for by a burst.
        const due = started + ((moved + skipped) * 1000) / options.movesPerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  return { moved, skipped };
}

/** False when the photo is gone or no longer on `from` (the index is read eventually consistent). */
async function moveEntry(
  documents: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  from: string,
  to: string,
): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET gsi2pk = :to',
        ConditionExpression: 'gsi2pk = :from',
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

function parseOptions(argv: readonly string[]): ReshardOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stage: { type: 'string' },
      table: { type: 'string' },
      rate: { type: 'string', default: '100' },
    },
    strict: true,
  });
  if (values.table === undefined || values.stage === undefined) {
    throw new Error(
      `Usage: npx tsx scripts/feed-reshard.ts --stage <${STAGE_NAMES.join('|')}> --table <photo table name> [--rate 100]`,
    );
  }
  const movesPerSecond = Number(values.rate);
  if (!Number.isFinite(movesPerSecond) || movesPerSecond <= 0) {
    throw new Error(`--rate must be a positive number of moves per second (got ${values.rate})`);
  }
  return {
    tableName: values.table,
    shards: loadStageConfig(values.stage).photos.feedShards,
    movesPerSecond,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const documents = createDocumentClient(awsConfig().region);
  try {
    console.log(
      `Moving the feed entries of ${options.tableName} outside FEED#0 .. FEED#${options.shards - 1} ` +
        `onto their shards, at most ${options.movesPerSecond} a second ...`,
    );
    const { moved, skipped } = await reshardFeed(documents, options);
    console.log(`Moved ${moved}; left ${skipped} that were deleted or moved meanwhile.`);
    console.log(
      moved === 0
        ? 'Nothing left to move: the stage can stop reading the old partitions (photos.readLegacyFeedPartition: false).'
        : 'Run it again until it moves nothing.',
    );
  } finally {
    documents.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
