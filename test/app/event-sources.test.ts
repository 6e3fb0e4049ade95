/**
 * The dev server's event deliveries against the real engines and handlers: the stream poller
 * honours the stream processor's partial batch failures (retry from the first failed record,
 * bounded retries, then skip), and s3rver's notifications reach the upload-complete handler.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { S3rverEvent } from 's3rver';
import { dispose as disposeProfiles, handler as profilesApi } from '../../lambda/handlers/profiles-api';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { handler as uploadComplete } from '../../lambda/handlers/upload-complete';
import { StreamReader } from '../../scripts/local/dynamodb-stream';
import { ObjectCreatedDelivery, StreamPoller } from '../../scripts/local/event-sources';
import { objectCreatedEventsFrom } from '../../scripts/local/s3-events';
import { httpEvent, invoke } from './support/http';
import { createReadyPhoto, createUpload, imageBytes, newUserId, putBytes } from './support/photos';
import { Stores, bucketName, dynamoDbEndpoint, tableName } from './support/stores';

const stores = new Stores();

afterAll(() => Promise.all([stores.close(), disposeProfiles(), disposeStream()]));

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function s3rverNotification(eventName: string, key: string, size: number): S3rverEvent {
  return {
    Records: [
      {
        eventName,
        eventTime: new Date().toISOString(),
        s3: { bucket: { name: bucketName() }, object: { key, size, sequencer: '1' } },
      },
    ],
  };
}

describe('StreamPoller', () => {
  it('retries from the first failed record, skips it after the retries, and goes on', async () => {
    const reader = new StreamReader(tableName(), dynamoDbEndpoint());
    await reader.start();
    const user = newUserId();
    await invoke(profilesApi, httpEvent('PUT /me', { caller: user, body: { displayName: 'Poller' } }));
    // A real record the real stream processor cannot read, written before a real photo's records.
    const junkKey = { pk: `PHOTO#junk-${user}`, sk: 'PHOTO' };
    await stores.documents.send(
      new PutCommand({ TableName: tableName(), Item: { ...junkKey, note: 'junk' } }),
    );
    const photo = await createReadyPhoto(user);

    const batches: string[][] = [];
    const responses: DynamoDBBatchResponse[] = [];
    const recording = async (event: DynamoDBStreamEvent, context: Context) => {
      batches.push(event.Records.map((record) => record.dynamodb?.Keys?.pk?.S ?? ''));
      const response = await streamProcessor(event, context);
      responses.push(response);
      return response;
    };
    const lines: string[] = [];
    const poller = new StreamPoller(reader, recording, (line) => lines.push(line), {
      maxRetries: 2,
      retryDelayMs: 10,
      pollIntervalMs: 20,
    });
    poller.start();
    try {
      await eventually(async () => (await stores.photoCount(user)) === 1);
      await eventually(() => Promise.resolve(lines.some((line) => line.includes('skipped after 2 retries'))));
    } finally {
      await poller.stop();
    }

    // The first attempt and two retries start at the junk record; then the batch goes on without it.
    const [first] = batches;
    expect(first?.[0]).toBe(junkKey.pk);
    expect(first).toContain(`PHOTO#${photo.photoId}`);
    expect(batches.slice(0, 4)).toEqual([first, first, first, first?.slice(1)]);
    expect(responses.slice(0, 3).map((response) => response.batchItemFailures.length)).toEqual([1, 1, 1]);
    expect(responses[3]?.batchItemFailures).toEqual([]);
    expect(await stores.photoCount(user)).toBe(1);

    await stores.documents.send(new DeleteCommand({ TableName: tableName(), Key: junkKey }));
  });
});

describe('ObjectCreatedDelivery', () => {
  it("turns s3rver's object-created notifications into EventBridge events and ignores removals", () => {
    const events = objectCreatedEventsFrom({
      Records: [
        ...s3rverNotification('ObjectCreated:Put', 'photos/a/b', 42).Records,
        ...s3rverNotification('ObjectRemoved:Delete', 'photos/a/c', 0).Records,
      ],
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      'detail-type': 'Object Created',
      source: 'aws.s3',
      detail: { bucket: { name: bucketName() }, object: { key: 'photos/a/b', size: 42 } },
    });
  });

  it('delivers only keys under its prefix, as the upload rule routes photo keys only', async () => {
    const keys: string[] = [];
    const delivery = new ObjectCreatedDelivery(
      (event) => {
        keys.push(event.detail.object.key);
        return Promise.resolve(undefined);
      },
      () => undefined,
      { keyPrefix: 'photos/' },
    );
    delivery.deliver({
      Records: [
        ...s3rverNotification('ObjectCreated:Put', 'renditions/a/b/thumbnail.webp', 42).Records,
        ...s3rverNotification('ObjectCreated:Put', 'photos/a/b', 42).Records,
      ],
    });
    await delivery.stop();
    expect(keys).toEqual(['photos/a/b']);
  });

  it('invokes the upload-complete handler, which marks the photo verified (PROCESSING)', async () => {
    const user = newUserId();
    const upload = await createUpload(user, { contentType: 'image/png', sizeBytes: 100 });
    expect(await putBytes(upload, imageBytes(100, 'image/png'))).toBe(200);
    const lines: string[] = [];
    const delivery = new ObjectCreatedDelivery(uploadComplete, (line) => lines.push(line));
    delivery.deliver(s3rverNotification('ObjectCreated:Put', upload.objectKey, 100));
    await delivery.stop();
    expect(lines).toEqual([expect.stringMatching(/-> upload-complete MARK_PROCESSING \d+ ms$/)]);
    expect((await stores.photoItem(upload.photoId))?.status).toBe('PROCESSING');
  });
});
