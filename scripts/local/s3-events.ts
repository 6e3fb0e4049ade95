/**
 * The EventBridge "Object Created" event that S3 sends for the photo bucket (the upload-complete
 * handler's input), built for local invocations from a key and size or from s3rver's notification.
 */
import { randomUUID } from 'node:crypto';
import type { S3ObjectCreatedNotificationEvent } from 'aws-lambda';
import type { S3rverEvent } from 's3rver';
import { LOCAL_REGION } from './engines';

export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string;
  readonly sequencer?: string;
}

export function objectCreatedEvent(object: CreatedObject): S3ObjectCreatedNotificationEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail: {
      version: '0',
      bucket: { name: object.bucket },
      object: {
        key: object.key,
        size: object.size,
        etag: object.etag ?? 'etag',
        // s3rver keeps no versions: the handler then acts on the current object.
        'version-id': '',
        sequencer: object.sequencer ?? '0',
      },
      'request-id': 'request',
      requester: '123456789012',
      'source-ip-address': '127.0.0.1',
      reason: 'PutObject',
    },
  };
}

/** EventBridge events for the objects an s3rver notification reports as created (puts, copies, posts). */
export function objectCreatedEventsFrom(notification: S3rverEvent): S3ObjectCreatedNotificationEvent[] {
  return notification.Records.filter((record) => record.eventName.startsWith('ObjectCreated:')).map(
    (record) =>
      objectCreatedEvent({
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: record.s3.object.size ?? 0,
        ...(record.s3.object.eTag ? { etag: record.s3.object.eTag } : {}),
        sequencer: record.s3.object.sequencer,
      }),
  );
}
