/**
 * The asynchronous deliveries that AWS makes in the deployed architecture, done locally:
 * - S3 "Object Created" (EventBridge) to the upload-complete handler, retried on error;
 * - the table's stream to the stream processor, and (filtered to verified photos) to the processing
 *   function, as Lambda's event source mappings do: in order, in batches, retried from the first
 *   record the handler reports as failed (ReportBatchItemFailures), with bounded retries after which
 *   the record is skipped, as the mapping's on-failure destination would take it.
 */
import { FUNCTIONS } from '../../contract/functions';
import type { FunctionDeclaration } from '../../contract/functions';
import { randomUUID } from 'node:crypto';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  S3ObjectCreatedNotificationEvent,
} from 'aws-lambda';
import type { S3rverEvent } from 's3rver';
import type { StreamReader } from './dynamodb-stream';
import { streamEvent } from './dynamodb-stream';
import { localLambdaContext } from './lambda-context';
import { objectCreatedEventsFrom } from './s3-events';

export type EventLog = (line: string) => void;

const elapsed = (started: number): string => `${Date.now() - started} ms`;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A sleep that `wake` cuts short, so that stopping does not wait for a poll interval. */
class Pause {
  private wakeUp: (() => void) | undefined;

  for(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  wake(): void {
    this.wakeUp?.();
  }
}

export type UploadCompleteHandler = (
  event: S3ObjectCreatedNotificationEvent,
  context: Context,
) => Promise<unknown>;

/** EventBridge retries failed deliveries with backoff; locally a few attempts are enough. */
export class ObjectCreatedDelivery {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly handler: UploadCompleteHandler,
    private readonly log: EventLog,
    private readonly options: {
      readonly maxAttempts?: number;
      readonly retryDelayMs?: number;
      /** Only keys under it are delivered, as the EventBridge rule's pattern does. @default - every key */
      readonly keyPrefix?: string;
    } = {},
  ) {}

  /** s3rver's notification listener: one delivery per created object, not awaited by s3rver. */
  readonly deliver = (notification: S3rverEvent): void => {
    if (this.stopped) return;
    const prefix = this.options.keyPrefix ?? '';
    for (const event of objectCreatedEventsFrom(notification)) {
      if (!event.detail.object.key.startsWith(prefix)) continue;
      const delivery = this.deliverOne(event).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  };

  /** Stops taking events and waits for the deliveries under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliverOne(event: S3ObjectCreatedNotificationEvent): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const key = event.detail.object.key;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const started = Date.now();
      try {
        const result = (await this.handler(
          event,
          localLambdaContext(FUNCTIONS.uploadComplete.name, { requestId: randomUUID() }),
        )) as { action?: string } | undefined;
        this.log(
          `  event  S3 Object Created ${key} -> ${FUNCTIONS.uploadComplete.name} ${result?.action ?? 'ignored'} ${elapsed(started)}`,
        );
        return;
      } catch (error) {
        const retry = attempt < maxAttempts && !this.stopped;
        this.log(
          `  event  S3 Object Created ${key} -> ${FUNCTIONS.uploadComplete.name} failed (${describe(error)})${retry ? ', retrying' : ', giving up'}`,
        );
        if (!retry) return;
        await new Promise((resolve) =>
          setTimeout(resolve, (this.options.retryDelayMs ?? 200) * 2 ** (attempt - 1)),
        );
      }
    }
  }
}

export type StreamProcessorHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  /** @default 100, the event source mapping's default for DynamoDB */
  readonly batchSize?: number;
  /** Retries of a failing record before it is skipped. @default 3 */
  readonly maxRetries?: number;
  /** Between reads of an idle stream. @default 200 */
  readonly pollIntervalMs?: number;
  /** First retry delay, doubled on each retry. @default 200 */
  readonly retryDelayMs?: number;
  /** The function the records go to: its name in the log, its timeout. @default the stream processor */
  readonly function?: FunctionDeclaration;
  /** Only records it accepts reach the function, as with the mapping's filter criteria. @default - all */
  readonly filter?: (record: DynamoDBRecord) => boolean;
}

/** Reads the stream continuously and feeds the stream processor, as the event source mapping does. */
export class StreamPoller {
  private readonly pause = new Pause();
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly reader: StreamReader,
    private readonly handler: StreamProcessorHandler,
    private readonly log: EventLog,
    private readonly options: StreamPollerOptions = {},
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pause.wake();
    await this.running;
  }

  /**
   * The index of the first record to retry: -1 when the batch succeeded, 0 when the handler threw
   * or reported an identifier that is not in the batch (Lambda then retries the whole batch).
   */
  private async invoke(batch: DynamoDBRecord[]): Promise<number> {
    const started = Date.now();
    const fn = this.options.function ?? FUNCTIONS.streamProcessor;
    let response: DynamoDBBatchResponse | void;
    try {
      response = await this.handler(
        streamEvent(batch),
        localLambdaContext(fn.name, {
          requestId: randomUUID(),
          timeoutMs: fn.timeoutSeconds * 1000,
          countDown: true,
        }),
      );
    } catch (error) {
      this.log(`  event  stream ${batch.length} record(s) -> ${fn.name} threw (${describe(error)})`);
      return 0;
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) {
      this.log(`  event  stream ${batch.length} record(s) -> ${fn.name} ok ${elapsed(started)}`);
      return -1;
    }
    const positions = failures.map(({ itemIdentifier }) =>
      batch.findIndex((record) => record.dynamodb?.SequenceNumber === itemIdentifier),
    );
    const first = positions.includes(-1) ? 0 : Math.min(...positions);
    this.log(
      `  event  stream ${batch.length} record(s) -> ${fn.name} reported ${failures.length} failure(s) ${elapsed(started)}`,
    );
    return first;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    const maxRetries = this.options.maxRetries ?? 3;
    const retryDelayMs = this.options.retryDelayMs ?? 200;
    let pending: DynamoDBRecord[] = [];
    let retries = 0;
    while (!this.stopped) {
      try {
        // From the oldest record the stream still holds: after a restart with kept data, records
        // seen before are replayed, which the idempotent stream processor absorbs.
        if (pending.length === 0) {
          const filter = this.options.filter;
          const records = await this.reader.read();
          pending = filter ? records.filter(filter) : records;
        }
        if (pending.length === 0) {
          await this.pause.for(this.options.pollIntervalMs ?? 200);
          continue;
        }
        const batch = pending.slice(0, batchSize);
        const failedAt = await this.invoke(batch);
        if (failedAt < 0) {
          pending = pending.slice(batch.length);
          retries = 0;
        } else if (retries >= maxRetries) {
          const record = batch[failedAt];
          this.log(
            `  event  stream record ${record?.dynamodb?.SequenceNumber ?? '?'} skipped after ${retries} retries (in AWS: the on-failure queue)`,
          );
          pending = pending.slice(failedAt + 1);
          retries = 0;
        } else {
          pending = pending.slice(failedAt);
          retries += 1;
          await this.pause.for(retryDelayMs * 2 ** (retries - 1));
        }
      } catch (error) {
        if (this.stopped) return;
        this.log(`  event  stream read failed (${describe(error)}), retrying`);
        await this.pause.for(1000);
      }
    }
  }
}
