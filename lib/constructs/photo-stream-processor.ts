import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AppFunction } from './app-function';
import { DeadLetterQueue } from './dead-letter-queue';

export interface PhotoStreamProcessorProps {
  /** The function that processes the batches. */
  readonly processor: AppFunction;
  /** The table whose stream is read. */
  readonly table: dynamodb.ITableV2;
  /** Read the stream (off in a standby Region: the active one processes every change). @default true */
  readonly enabled?: boolean;
  /** Records per batch. @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing batch (after bisecting) before it goes to the failure queue. @default 5 */
  readonly retryAttempts?: number;
  /** Records older than this are sent to the failure queue unprocessed. @default 6 hours */
  readonly maxRecordAge?: Duration;
  /** Concurrent batches per shard (records of one item stay in order). @default 1 */
  readonly parallelizationFactor?: number;
  /** Only records that match one of these reach the function (Lambda event filtering). @default - every record */
  readonly filters?: ReadonlyArray<Record<string, unknown>>;
  /** What the failure queue receives, in its own words. @default - the stream processor's batches */
  readonly failurePurpose?: string;
}

/**
 * Connects the stream processor to the photo table's stream with bounded
 * retries, bisect-on-error, a maximum record age, partial batch responses and
 * an encrypted SQS queue that receives the metadata of batches that still
 * fail, so one poisoned record can neither block the shard nor vanish.
 */
export class PhotoStreamProcessor extends Construct {
  /** Where the metadata of batches that exhausted their retries lands. */
  public readonly failureQueue: sqs.IQueue;
  /** The event source mapping. */
  public readonly eventSource: sources.DynamoEventSource;

  constructor(scope: Construct, id: string, props: PhotoStreamProcessorProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 5;
    if (retryAttempts < 0 || retryAttempts > 10) {
      throw new Error(
        'PhotoStreamProcessor: retryAttempts must be 0-10, so a poisoned batch cannot block the shard',
      );
    }
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
    if (maxRecordAge.toSeconds() < 60 || maxRecordAge.toSeconds() > 604800) {
      throw new Error('PhotoStreamProcessor: maxRecordAge must be between 1 minute and 7 days');
    }

    const parallelizationFactor = props.parallelizationFactor ?? 1;
    if (!Number.isInteger(parallelizationFactor) || parallelizationFactor < 1 || parallelizationFactor > 10) {
      throw new Error('PhotoStreamProcessor: parallelizationFactor must be an integer 1-10');
    }

    this.failureQueue = new DeadLetterQueue(this, 'FailureQueue', {
      purpose: props.failurePurpose ?? 'metadata of photo-table stream batches that exhausted their retries',
    }).queue;

    this.eventSource = new sources.DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize ?? 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts,
      maxRecordAge,
      reportBatchItemFailures: true,
      parallelizationFactor,
      filters: props.filters ? [...props.filters] : undefined,
      onFailure: new sources.SqsDlq(this.failureQueue),
      ...(props.enabled === false ? { enabled: false } : {}),
    });
    props.processor.function.addEventSource(this.eventSource);
  }
}
