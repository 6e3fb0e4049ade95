/**
 * Deletes on the local S3 (s3rver) racing uploads under the same prefix, as a user's next upload
 * meets the delete of their previous photo: s3rver removed the directory a delete left empty, and
 * a PUT that had just made sure of it then failed to open its file there, which ended the process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startS3rver } from '../../scripts/local/engines';
import type { S3Engine } from '../../scripts/local/engines';

const BUCKET = 'photos-local';
let engine: S3Engine;
let s3: S3Client;

beforeAll(async () => {
  engine = await startS3rver([BUCKET]);
  s3 = new S3Client({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: engine.endpoint,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  s3?.destroy();
  await engine?.stop();
});

const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'image/jpeg' }));
const remove = (key: string) => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
const keysUnder = async (prefix: string, delimiter?: string) => {
  const page = await s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, Delimiter: delimiter }),
  );
  return {
    keys: (page.Contents ?? []).map((object) => object.Key),
    prefixes: (page.CommonPrefixes ?? []).map((common) => common.Prefix),
  };
};

describe('s3rver as the local S3', () => {
  it('keeps the directory of a deleted key, and lists neither it nor the key', async () => {
    await put('photos/alice/1', 'first');
    await remove('photos/alice/1');
    expect(fs.existsSync(path.join(engine.dataDir, BUCKET, 'photos', 'alice'))).toBe(true);
    expect(await keysUnder('photos/')).toEqual({ keys: [], prefixes: [] });
    expect(await keysUnder('photos/', '/')).toEqual({ keys: [], prefixes: [] });
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'photos/alice/1' }))).rejects.toThrow(
      /does not exist/,
    );
  });

  it('takes an upload under a prefix while the last object there is deleted, and stays up', async () => {
    for (let round = 0; round < 100; round += 1) {
      await put(`photos/bob/${round}`, `photo ${round}`);
      await Promise.all([remove(`photos/bob/${round}`), put(`photos/bob/${round + 1}`, 'next')]);
      await remove(`photos/bob/${round + 1}`);
    }
    await put('photos/bob/last', 'last');
    expect(await keysUnder('photos/bob/')).toEqual({ keys: ['photos/bob/last'], prefixes: [] });
  });
});
