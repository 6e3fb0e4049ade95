/**
 * Latency of a feed page of 20 by shard count, on DynamoDB Local: the same number of READY photos
 * written through the repository the handlers use, over 1 shard (one partition, as the feed was
 * before it was sharded), over each shipped stage's `photos.feedShards`, and over 4. What is timed
 * is `listFeed(20)` alone: the parallel queries, one per shard, and their merge.
 *
 * The rounds go round-robin over the shard counts, so that each sees the same machine. DynamoDB
 * Local runs every query on this machine's two cores, so the figures show what the extra queries
 * cost here, not DynamoDB's latency, where shards are separate partitions queried in parallel.
 *
 *   npx tsx scripts/bench/feed.ts [--quick]
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DYNAMODB_DEADLINE, DynamoPhotoRepository } from '../../lambda/adapters/photo-table';
import { sdkDeadlineConfig } from '../../lambda/adapters/sdk-deadline';
import { newPendingPhoto } from '../../lambda/domain/photos';
import { STAGES } from '../../lib/config';
import { LOCAL_CREDENTIALS, LOCAL_REGION, createPhotoTable, startDynamoDbLocal } from '../local/engines';
import { latency, type Figure } from './stats';

/** The sizes processing records for a 4:3 photo: the feed reads them with every item. */
const SEEDED_RENDITIONS = { thumbnail: { width: 256, height: 192 }, display: { width: 1600, height: 1200 } };

export interface FeedBenchOptions {
  /** Timed pages per shard count. */
  readonly iterations: number;
  /** Untimed pages per shard count before them. */
  readonly warmup: number;
  /** READY photos in each table. */
  readonly photos: number;
}

const PAGE_SIZE = 20;
const ROUNDS = 10;

/** 1 (the unsharded layout), every shipped stage's count, and 4. */
export function benchedShardCounts(): number[] {
  return [...new Set([1, ...STAGES.map((stage) => stage.photos.feedShards), 4])].sort((a, b) => a - b);
}

/** Measures on a DynamoDB Local that is already running (the handler benchmark's, for one). */
export async function measureFeed(dynamoDbEndpoint: string, options: FeedBenchOptions): Promise<Figure[]> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamoDbEndpoint,
      credentials: LOCAL_CREDENTIALS,
      ...sdkDeadlineConfig(DYNAMODB_DEADLINE),
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  try {
    const feeds = await Promise.all(
      benchedShardCounts().map(async (shards) => {
        const tableName = `feed-bench-${shards}-${randomUUID()}`;
        await createPhotoTable(dynamoDbEndpoint, tableName);
        const repository = new DynamoPhotoRepository(documents, tableName, {
          shards,
          readLegacyPartition: false,
        });
        await seed(repository, options.photos);
        return { shards, repository, samples: [] as number[] };
      }),
    );
    const perRound = Math.ceil(options.iterations / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const feed of feeds) {
        const calls = (round === 0 ? options.warmup : 0) + perRound;
        for (let call = 0; call < calls; call++) {
          const started = performance.now();
          const page = await feed.repository.listFeed(PAGE_SIZE);
          const elapsed = performance.now() - started;
          if (page.items.length !== PAGE_SIZE) {
            throw new Error(`expected a feed page of ${PAGE_SIZE}, got ${page.items.length}`);
          }
          if (round > 0 || call >= options.warmup) feed.samples.push(elapsed);
        }
      }
    }
    return feeds.map(({ shards, samples }) =>
      latency(
        `feed page of ${PAGE_SIZE} over ${shards} shard${shards === 1 ? ' (the unsharded layout)' : 's'}`,
        samples,
      ),
    );
  } finally {
    documents.destroy();
  }
}

/** READY photos a second apart, as uploads make them (PENDING, then READY). */
async function seed(repository: DynamoPhotoRepository, count: number): Promise<void> {
  const start = Date.now() - count * 1000;
  for (let i = 0; i < count; i++) {
    const now = new Date(start + i * 1000);
    const photo = newPendingPhoto({
      photoId: randomUUID(),
      ownerId: randomUUID(),
      request: { contentType: 'image/jpeg', sizeBytes: 1024 },
      now,
      pendingTtlSeconds: 3600,
    });
    const verified =
      (await repository.createPending(photo, 20)) && (await repository.markProcessing(photo.photoId, now, 0));
    if (!verified || !(await repository.markReady(photo.photoId, now, SEEDED_RENDITIONS))) {
      throw new Error('seeding the feed failed');
    }
  }
}

/** Starts DynamoDB Local, measures, and always stops it again. */
export async function benchFeed(options: FeedBenchOptions): Promise<Figure[]> {
  const dynamoDb = await startDynamoDbLocal();
  try {
    return await measureFeed(dynamoDb.endpoint, options);
  } finally {
    await dynamoDb.stop();
  }
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  benchFeed(
    quick ? { iterations: 50, warmup: 10, photos: 60 } : { iterations: 1000, warmup: 100, photos: 200 },
  )
    .then((figures) => {
      for (const figure of figures) {
        console.log(
          `${figure.name}: p50 ${figure.p50?.toFixed(2)} ms, p99 ${figure.p99?.toFixed(2)} ms (${figure.runs} pages)`,
        );
      }
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
