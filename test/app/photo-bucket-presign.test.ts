/**
 * What the presigned URLs bind. s3rver does not verify signatures, so this is checked here, on the
 * URLs themselves: signed headers, expiry, and signatures that change with type and size, and
 * (support/sigv4.ts) which requests S3 would accept with them.
 */
import { S3PhotoObjectStore, createS3Client } from '../../lambda/adapters/photo-bucket';
import { s3WouldAccept } from './support/sigv4';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

function store(): S3PhotoObjectStore {
  return new S3PhotoObjectStore(
    createS3Client({ region: 'eu-west-1', forcePathStyle: false, credentials }),
    'photo-bucket',
  );
}

// URLs as in AWS, not pointing at the local emulator.
const localEndpoint = process.env.AWS_ENDPOINT_URL_S3;
beforeAll(() => {
  delete process.env.AWS_ENDPOINT_URL_S3;
  jest.useFakeTimers({
    now: new Date('2026-11-23T12:00:00Z'),
    doNotFake: [
      'nextTick',
      'setImmediate',
      'setTimeout',
      'setInterval',
      'clearTimeout',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });
});
afterAll(() => {
  jest.useRealTimers();
  process.env.AWS_ENDPOINT_URL_S3 = localEndpoint;
});

const upload = (contentType: string, sizeBytes: number) =>
  store().presignUpload({ objectKey: 'photos/u/p', contentType, sizeBytes, expiresInSeconds: 300 });

describe('presigned upload', () => {
  it('signs Content-Type, Content-Length and If-None-Match and nothing the client cannot send', async () => {
    const { url, method, headers } = await upload('image/png', 1234);
    expect(method).toBe('PUT');
    expect(headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234', 'If-None-Match': '*' });
    const parsed = new URL(url);
    expect(parsed.host).toBe('photo-bucket.s3.eu-west-1.amazonaws.com');
    expect(parsed.pathname).toBe('/photos/u/p');
    expect(parsed.searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host;if-none-match',
    );
    // A header, not a query parameter: S3 applies conditional-write semantics to the header only.
    expect(parsed.searchParams.has('If-None-Match')).toBe(false);
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(parsed.searchParams.get('X-Amz-Date')).toBe('20261123T120000Z');
    // No SDK checksum of the empty presigning body, which the real upload could never match.
    expect([...parsed.searchParams.keys()].filter((key) => /checksum/i.test(key))).toEqual([]);
  });

  it('yields a different signature for any other type or size, so S3 refuses a swapped upload', async () => {
    const signature = async (contentType: string, size: number) =>
      new URL((await upload(contentType, size)).url).searchParams.get('X-Amz-Signature');
    const original = await signature('image/png', 1234);
    expect(await signature('image/png', 1234)).toBe(original);
    expect(await signature('image/jpeg', 1234)).not.toBe(original);
    expect(await signature('image/png', 1235)).not.toBe(original);
  });

  it('is accepted by S3 only with If-None-Match: *, so the URL can create the object but never replace it', async () => {
    const { url, method, headers } = await upload('image/jpeg', 2048);
    const secret = credentials.secretAccessKey;
    expect(s3WouldAccept(url, { method, headers }, secret)).toBe(true);

    const unconditional = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name !== 'If-None-Match'),
    );
    expect(s3WouldAccept(url, { method, headers: unconditional }, secret)).toBe(false);
    expect(s3WouldAccept(url, { method, headers: { ...headers, 'If-None-Match': '"etag"' } }, secret)).toBe(
      false,
    );
    expect(s3WouldAccept(url, { method, headers: { ...headers, 'Content-Type': 'image/png' } }, secret)).toBe(
      false,
    );
    expect(s3WouldAccept(url, { method, headers: { ...headers, 'Content-Length': '2049' } }, secret)).toBe(
      false,
    );
  });
});

describe('presigned download', () => {
  it('is a GET URL that expires after the configured time', async () => {
    const url = new URL(await store().presignDownload('photos/u/p', 120));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });
});
