import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AppFunction } from './app-function';

export interface UploadEventsProps {
  /** The bucket whose object-created events are routed (EventBridge notifications on). */
  readonly bucket: s3.IBucket;
  /** Only keys under this prefix are routed. */
  readonly keyPrefix: string;
  /** The upload-complete handler. */
  readonly handler: AppFunction;
  /** Receives events EventBridge could not deliver (the handler's own failures go to its DLQ). */
  readonly deadLetterQueue: sqs.IQueue;
  /** Route the events (off in a standby Region, whose replica bucket receives replicated objects). @default true */
  readonly enabled?: boolean;
}

/**
 * Routes S3 "Object Created" events for photo keys from EventBridge to the
 * upload-complete handler, with retries and a dead-letter queue for events
 * that cannot be delivered. Using EventBridge rather than a bucket notification
 * keeps the bucket's stack free of any reference to the handler's stack.
 */
export class UploadEvents extends Construct {
  /** The rule. */
  public readonly rule: events.Rule;
  /** Events that could not be delivered. */
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: UploadEventsProps) {
    super(scope, id);
    if (!props.keyPrefix.endsWith('/')) {
      throw new Error('UploadEvents: keyPrefix must end with "/"');
    }
    this.deadLetterQueue = props.deadLetterQueue;
    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: 'Photo uploads: S3 Object Created events for photo keys',
      ...(props.enabled === false ? { enabled: false } : {}),
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucket.bucketName] },
          object: { key: [{ prefix: props.keyPrefix }] },
        },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.handler.function, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
  }
}
