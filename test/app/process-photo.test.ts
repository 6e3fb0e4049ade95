/**
 * The processing function against DynamoDB Local and s3rver, fed the table's real stream records:
 * renditions of photos this test makes (with a phone's EXIF, GPS included), READY with a URL per
 * rendition, each bad input REJECTED with its reason and nothing else changed, replays harmless,
 * and renditions deleted with their photo.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3PhotoObjectStore } from '../../lambda/adapters/photo-bucket';
import { DependencyUnavailableError } from '../../lambda/shared/errors';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import sharp from 'sharp';
import { MAX_PHOTO_BYTES } from '../../contract/limits';
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { handler as processPhoto, photoToProcess } from '../../lambda/handlers/process-photo';
import { dispose as disposeStream, handler as streamProcessor } from '../../lambda/handlers/stream-processor';
import { renditionKeysOf } from '../../lambda/domain/renditions';
import { StreamReader, streamEvent } from '../../scripts/local/dynamodb-stream';
import { SAMPLE_MARKER, animatedWebp, pixelBomb, samplePhoto } from '../../scripts/local/sample-photos';
import { httpEvent, invoke, lambdaContext } from './support/http';
import { IMAGE_SIGNATURES, createUpload, newUserId, notifyUpload, putBytes } from './support/photos';
import { Stores, bucketName, dynamoDbEndpoint, tableName } from './support/stores';

const stores = new Stores();
const stream = new StreamReader(tableName(), dynamoDbEndpoint());

beforeAll(() => stream.start());
afterAll(() => Promise.all([stores.close(), disposeStream()]));

/** The photo's records on the real stream since the last read. */
async function recordsOf(photoId: string): Promise<DynamoDBRecord[]> {
  return (await stream.read()).filter((record) => record.dynamodb?.Keys?.pk?.S === `PHOTO#${photoId}`);
}

/** Uploads the bytes as the declared type and runs upload-complete; the photo's stream records. */
async function uploadVerified(owner: string, bytes: Buffer, contentType: string) {
  const upload = await createUpload(owner, { contentType, sizeBytes: bytes.length });
  expect(await putBytes(upload, bytes)).toBe(200);
  await notifyUpload(upload.objectKey, bytes.length);
  return { upload, records: await recordsOf(upload.photoId) };
}

/** Feeds the records to the processing function as the filtered event source mapping would. */
async function process(records: DynamoDBRecord[]): Promise<string[]> {
  const matching = records.filter((record) => photoToProcess(record) !== undefined);
  const response = await processPhoto(streamEvent(matching), lambdaContext);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

const getPhoto = (caller: string, photoId: string) =>
  invoke(photosApi, httpEvent('GET /photos/{photoId}', { caller, pathParameters: { photoId } }));

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('process-photo', () => {
  it('makes oriented renditions without any metadata but the colour profile, then marks the photo READY', async () => {
    const owner = newUserId();
    const original = await samplePhoto({ width: 2000, height: 1500, orientation: 6, iccProfile: true });
    const { upload, records } = await uploadVerified(owner, original, 'image/jpeg');
    expect((await stores.photoItem(upload.photoId))?.status).toBe('PROCESSING');
    // Only upload-complete's PENDING -> PROCESSING write starts processing.
    expect(records.map(photoToProcess)).toEqual([undefined, upload.photoId]);

    expect(await process(records)).toEqual([]);
    expect(await stores.photoItem(upload.photoId)).toMatchObject({
      status: 'READY',
      renditions: '192x256,1200x1600',
    });
    const keys = renditionKeysOf({ ownerId: owner, photoId: upload.photoId });
    for (const key of keys) {
      const metadata = await sharp(await stores.objectBytes(key)).metadata();
      expect(metadata.format).toBe(key.endsWith('.webp') ? 'webp' : 'jpeg');
      expect([metadata.exif, metadata.xmp, metadata.iptc, metadata.orientation]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(metadata.icc).toBeDefined();
    }
    // The original is kept as uploaded, for its owner.
    expect((await stores.objectBytes(upload.objectKey)).equals(original)).toBe(true);
  });

  it('serves a URL per rendition to anyone, and the original only to its owner', async () => {
    const owner = newUserId();
    const { upload, records } = await uploadVerified(owner, await samplePhoto(), 'image/jpeg');
    await process(records);

    const other = await getPhoto(newUserId(), upload.photoId);
    expect(other.statusCode).toBe(200);
    expect(other.json.downloadUrl).toBeUndefined();
    expect(Object.keys(other.json.renditions)).toEqual(['thumbnail', 'display']);
    const thumbnail = await download(other.json.renditions.thumbnail.webp);
    const metadata = await sharp(thumbnail).metadata();
    expect([metadata.format, metadata.width, metadata.height, metadata.exif]).toEqual([
      'webp',
      256,
      192,
      undefined,
    ]);
    expect(thumbnail.includes(Buffer.from(SAMPLE_MARKER))).toBe(false);
    expect((await sharp(await download(other.json.renditions.display.jpeg)).metadata()).format).toBe('jpeg');

    const mine = await getPhoto(owner, upload.photoId);
    const originalBytes = await download(mine.json.downloadUrl);
    expect((await sharp(originalBytes).metadata()).exif).toBeDefined();
  });

  it('lists and feeds the thumbnail', async () => {
    const owner = newUserId();
    const { upload, records } = await uploadVerified(owner, await samplePhoto(), 'image/jpeg');
    await process(records);
    const listing = await invoke(
      photosApi,
      httpEvent('GET /users/{userId}/photos', { caller: owner, pathParameters: { userId: owner } }),
    );
    expect(listing.json.items).toEqual([
      expect.objectContaining({
        photoId: upload.photoId,
        thumbnail: { width: 256, height: 192, webp: expect.any(String), jpeg: expect.any(String) },
      }),
    ]);
    const feed = await invoke(photosApi, httpEvent('GET /feed', { caller: owner, query: { limit: '100' } }));
    const ours = (feed.json.items as { photoId: string; thumbnail?: { jpeg: string } }[]).find(
      (item) => item.photoId === upload.photoId,
    );
    expect((await sharp(await download(ours!.thumbnail!.jpeg)).metadata()).width).toBe(256);
  });

  it('changes nothing when the same records are delivered again', async () => {
    const { upload, records } = await uploadVerified(newUserId(), await samplePhoto(), 'image/jpeg');
    await process(records);
    const before = await stores.snapshot();
    // The same bytes written again would leave the same ETags: the writes themselves are counted.
    const sends = jest.spyOn(S3Client.prototype, 'send');
    try {
      expect(await process(records)).toEqual([]);
      const writes = sends.mock.calls.filter(([command]) => command instanceof PutObjectCommand);
      expect(writes).toEqual([]);
    } finally {
      sends.mockRestore();
    }
    await stores.expectUnchanged(before);
    expect((await stores.photoItem(upload.photoId))?.status).toBe('READY');
  });

  it('reports the record for a retry, and stays PROCESSING, when S3 refuses a rendition; the retry finishes it', async () => {
    const owner = newUserId();
    const { upload, records } = await uploadVerified(owner, await samplePhoto(), 'image/jpeg');
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store as `this`
    const put = S3PhotoObjectStore.prototype.putRendition;
    let puts = 0;
    // The third rendition's PUT fails as S3 would at its worst: the first two are written already.
    const refused = jest
      .spyOn(S3PhotoObjectStore.prototype, 'putRendition')
      .mockImplementation(async function (this: S3PhotoObjectStore, key, bytes, contentType) {
        puts += 1;
        if (puts === 3) throw new DependencyUnavailableError('Photo storage');
        return put.call(this, key, bytes, contentType);
      });
    try {
      expect(await process(records)).toHaveLength(1);
    } finally {
      refused.mockRestore();
    }
    expect(puts).toBe(3);
    expect((await stores.photoItem(upload.photoId))?.status).toBe('PROCESSING');
    expect(await process(records)).toEqual([]);
    expect((await stores.photoItem(upload.photoId))?.status).toBe('READY');
    const keys = renditionKeysOf({ ownerId: owner, photoId: upload.photoId });
    expect((await stores.objectKeys()).filter((key) => key.includes(upload.photoId))).toEqual(
      [upload.objectKey, ...keys].sort(),
    );
  });

  describe('rejects bad input with its reason, deletes the original and changes nothing else', () => {
    async function expectRejected(
      records: DynamoDBRecord[],
      upload: { photoId: string; objectKey: string },
      owner: string,
      reason: string | RegExp,
    ): Promise<void> {
      const before = await stores.snapshot();
      expect(await process(records)).toEqual([]);
      const item = await stores.photoItem(upload.photoId);
      expect(item).toMatchObject({ status: 'REJECTED' });
      expect(item?.rejectionReason).toEqual(
        typeof reason === 'string' ? reason : expect.stringMatching(reason),
      );
      const rejected = await getPhoto(owner, upload.photoId);
      expect(rejected.json).toEqual({
        photo: expect.objectContaining({ status: 'REJECTED', rejectionReason: item?.rejectionReason }),
      });
      // What changed: this photo's item, and its original is gone. No rendition was written.
      await stores.expectUnchanged(before, {
        itemPks: [`PHOTO#${upload.photoId}`],
        objectKeys: [upload.objectKey],
      });
      expect(await stores.objectExists(upload.objectKey)).toBe(false);
      for (const key of renditionKeysOf({ ownerId: owner, photoId: upload.photoId })) {
        expect(await stores.objectExists(key)).toBe(false);
      }
      // A replay of the same records changes nothing more.
      const settled = await stores.snapshot();
      expect(await process(records)).toEqual([]);
      await stores.expectUnchanged(settled);
    }

    it('a decompression bomb (50,000 x 50,000 pixels in 69 bytes), without decoding it', async () => {
      const owner = newUserId();
      const { upload, records } = await uploadVerified(owner, pixelBomb(), 'image/png');
      await expectRejected(
        records,
        upload,
        owner,
        'image is 50000 x 50000 = 2500000000 pixels, over the limit of 64000000',
      );
    });

    it('an animated image', async () => {
      const owner = newUserId();
      const { upload, records } = await uploadVerified(owner, await animatedWebp(3), 'image/webp');
      await expectRejected(records, upload, owner, 'animated images are not supported (3 frames)');
    });

    it('a corrupt (truncated) file', async () => {
      const owner = newUserId();
      const whole = await samplePhoto({ width: 800, height: 600 });
      const { upload, records } = await uploadVerified(
        owner,
        whole.subarray(0, whole.length / 2),
        'image/jpeg',
      );
      await expectRejected(
        records,
        upload,
        owner,
        /^image could not be decoded: .*premature end of JPEG image/,
      );
    });

    it('a file whose bytes are not the declared type, even past the first-bytes check', async () => {
      const owner = newUserId();
      const png = await samplePhoto({ format: 'png' });
      // Bytes that start as a JPEG would (upload-complete's check) and are a PNG after that.
      const disguised = Buffer.concat([IMAGE_SIGNATURES['image/jpeg'], png]);
      const { upload, records } = await uploadVerified(owner, disguised, 'image/jpeg');
      await expectRejected(records, upload, owner, /^image could not be decoded: /);
    });

    it('a file of another type than declared, when it reached processing unverified', async () => {
      const owner = newUserId();
      const png = await samplePhoto({ format: 'png' });
      const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: png.length });
      await stores.s3.send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: upload.objectKey,
          Body: png,
          ContentType: 'image/jpeg',
        }),
      );
      const records = await markProcessing(upload.photoId);
      await expectRejected(records, upload, owner, 'content is png, not the declared image/jpeg');
    });

    it('an input over the size limit, without reading it', async () => {
      const owner = newUserId();
      const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: MAX_PHOTO_BYTES });
      const oversized = Buffer.concat([await samplePhoto(), Buffer.alloc(MAX_PHOTO_BYTES)]);
      await stores.s3.send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: upload.objectKey,
          Body: oversized,
          ContentType: 'image/jpeg',
        }),
      );
      const records = await markProcessing(upload.photoId);
      await expectRejected(
        records,
        upload,
        owner,
        `input is ${oversized.length} bytes, over the limit of ${MAX_PHOTO_BYTES}`,
      );
    });

    it('a HEIC photo, which the image library cannot decode (an upload from before POST /photos refused HEIC)', async () => {
      const owner = newUserId();
      const heic = Buffer.concat([IMAGE_SIGNATURES['image/heic'], Buffer.alloc(64)]);
      const upload = await createUpload(owner, { contentType: 'image/jpeg', sizeBytes: heic.length });
      // What an upload accepted as image/heic before then left: its item and its object.
      await stores.documents.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: `PHOTO#${upload.photoId}`, sk: 'PHOTO' },
          UpdateExpression: 'SET contentType = :heic',
          ExpressionAttributeValues: { ':heic': 'image/heic' },
        }),
      );
      await stores.s3.send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: upload.objectKey,
          Body: heic,
          ContentType: 'image/heic',
        }),
      );
      const records = await markProcessing(upload.photoId);
      await expectRejected(
        records,
        upload,
        owner,
        'image/heic images cannot be decoded here; upload JPEG, PNG or WebP',
      );
    });
  });

  it('deletes the renditions with their photo', async () => {
    const owner = newUserId();
    const { upload, records } = await uploadVerified(owner, await samplePhoto(), 'image/jpeg');
    await process(records);
    const keys = renditionKeysOf({ ownerId: owner, photoId: upload.photoId });
    await stream.read();
    const deleted = await invoke(
      photosApi,
      httpEvent('DELETE /photos/{photoId}', { caller: owner, pathParameters: { photoId: upload.photoId } }),
    );
    expect(deleted.statusCode).toBe(204);
    const removal = await recordsOf(upload.photoId);
    expect(removal.map((record) => record.eventName)).toContain('REMOVE');
    const response = await streamProcessor(streamEvent(removal), lambdaContext);
    expect(response.batchItemFailures).toEqual([]);
    for (const key of [upload.objectKey, ...keys]) expect(await stores.objectExists(key)).toBe(false);
  });
});

/**
 * Sets a PENDING photo PROCESSING directly, as if its object had been verified: how an object that
 * never passed upload-complete's checks would reach processing. Returns its stream records.
 */
async function markProcessing(photoId: string): Promise<DynamoDBRecord[]> {
  await stores.documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `PHOTO#${photoId}`, sk: 'PHOTO' },
      UpdateExpression: 'SET #status = :processing',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':processing': 'PROCESSING' },
    }),
  );
  return recordsOf(photoId);
}
