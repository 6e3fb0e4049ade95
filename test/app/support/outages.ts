/**
 * A PostgreSQL outage that outlasts the stream's retries, and what the stream processor kept for
 * the reconciler meanwhile (the photo table's pending-change items).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { startPostgresServer, stopPostgresServer } from '../../../scripts/local/engines';
import { streamEvent } from '../../../scripts/local/dynamodb-stream';
import { handler as streamProcessor } from '../../../lambda/handlers/stream-processor';
import { PENDING_CHANGES_PK } from '../../../lambda/adapters/pending-change-table';
import { lambdaContext } from './http';
import type { Stores } from './stores';

/** The first delivery and the 5 retries of the event source mapping (photo-stream-processor.ts). */
export const DELIVERIES = 6;

const pgPort = (): number => Number(process.env.DB_PORT);
const pgDataDir = (): string => process.env.TEST_PG_DATA_DIR as string;

/** Runs work with PostgreSQL stopped, and starts it again on the same port whatever happens. */
export async function whilePostgresDown<T>(work: () => Promise<T>): Promise<T> {
  await stopPostgresServer(pgDataDir());
  try {
    return await work();
  } finally {
    await startPostgresServer(pgDataDir(), pgPort());
  }
}

/** Starts PostgreSQL if a failed test left it stopped (for the next test file). */
export const ensurePostgresRunning = (): Promise<void> =>
  startPostgresServer(pgDataDir(), pgPort()).catch(() => undefined);

/** Delivers the batch as often as Lambda would; returns the records failed on each delivery. */
export async function deliverUntilExhausted(records: DynamoDBRecord[]): Promise<string[][]> {
  const failures: string[][] = [];
  for (let delivery = 0; delivery < DELIVERIES; delivery += 1) {
    const response = await streamProcessor(streamEvent(records), lambdaContext);
    failures.push(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  }
  return failures;
}

/** The pending changes the table holds for these photos, without their keys, by photo id. */
export async function pendingChangesOf(stores: Stores, photoIds: readonly string[]): Promise<unknown[]> {
  return (
    (await stores.items())
      .filter((item) => item.pk === PENDING_CHANGES_PK && photoIds.includes(item.photoId as string))
      // createdAt is a clock reading: only its type is compared.
      .map(({ pk: _pk, sk: _sk, createdAt, ...change }): Record<string, unknown> => ({
        ...change,
        createdAt: typeof createdAt,
      }))
      .sort((a, b) => String(a.photoId).localeCompare(String(b.photoId)))
  );
}
