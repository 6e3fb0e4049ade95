/** Pure rules: upload decisions, derived actions of stream changes, object keys, configuration. */
import type { Photo } from '../../lambda/domain/photos';
import {
  decideUploadOutcome,
  derivedActions,
  objectKeyFor,
  parseObjectKey,
} from '../../lambda/domain/photos';
import { detectImageType, imageSignatureMismatch } from '../../lambda/domain/image-signature';
import { FUNCTIONS } from '../../contract/functions';
import {
  ConfigurationError,
  cacheConfig,
  databaseConfig,
  environmentOf,
  photosApiConfig,
  readGroup,
} from '../../lambda/shared/env';

const photo = (overrides: Partial<Photo> = {}): Photo => ({
  photoId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
  ownerId: 'owner',
  status: 'PENDING',
  contentType: 'image/png',
  sizeBytes: 10,
  objectKey: 'photos/owner/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
  createdAt: '2026-11-23T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
  ...overrides,
});

describe('decideUploadOutcome', () => {
  const key = { ownerId: 'owner' };
  it.each([
    ['matching PENDING upload', photo(), { sizeBytes: 10, contentType: 'image/png' }, 'MARK_PROCESSING'],
    ['size mismatch', photo(), { sizeBytes: 11, contentType: 'image/png' }, 'REJECT'],
    ['type mismatch', photo(), { sizeBytes: 10, contentType: 'image/jpeg' }, 'REJECT'],
    ['missing type', photo(), { sizeBytes: 10 }, 'REJECT'],
    ['no photo', undefined, { sizeBytes: 10, contentType: 'image/png' }, 'DELETE_ORPHAN'],
    [
      'another owner',
      photo({ ownerId: 'someone-else' }),
      { sizeBytes: 10, contentType: 'image/png' },
      'DELETE_ORPHAN',
    ],
    [
      'already READY (replay)',
      photo({ status: 'READY' }),
      { sizeBytes: 10, contentType: 'image/png' },
      'NONE',
    ],
    [
      'already verified (replay while PROCESSING)',
      photo({ status: 'PROCESSING' }),
      { sizeBytes: 10, contentType: 'image/png' },
      'NONE',
    ],
    [
      'REJECTED photo uploaded again',
      photo({ status: 'REJECTED' }),
      { sizeBytes: 10, contentType: 'image/png' },
      'DELETE_ORPHAN',
    ],
  ] as const)('%s -> %s', (_name, current, object, action) => {
    expect(decideUploadOutcome(current, key, object).action).toBe(action);
  });
});

describe('detectImageType', () => {
  const bytes = (...parts: (string | number[])[]): Uint8Array =>
    Buffer.concat(
      parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))),
    );
  const ftyp = (major: string, ...compatible: string[]): Uint8Array =>
    bytes([0, 0, 0, 16 + 4 * compatible.length], 'ftyp', major, [0, 0, 0, 0], ...compatible);

  it.each([
    ['JPEG (JFIF)', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'), 'image/jpeg'],
    ['JPEG (Exif)', bytes([0xff, 0xd8, 0xff, 0xe1]), 'image/jpeg'],
    ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR'), 'image/png'],
    ['WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['HEIC, major brand heic', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['HEIC, major brand heix', ftyp('heix', 'mif1'), 'image/heic'],
    ['HEIC, generic major brand mif1 with heic compatible', ftyp('mif1', 'heic'), 'image/heic'],
    ['HEIC sequence, msf1 with hevc compatible', ftyp('msf1', 'hevc'), 'image/heic'],
    ['AVIF (a HEIF, not HEIC)', ftyp('avif', 'mif1', 'avif'), undefined],
    ['generic HEIF without an HEVC brand', ftyp('mif1', 'avif'), undefined],
    ['MP4 video', ftyp('isom', 'mp41'), undefined],
    ['WAV (RIFF, not WebP)', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '), undefined],
    ['PNG signature cut short', bytes([0x89, 0x50, 0x4e, 0x47]), undefined],
    ['text', bytes('<html>'), undefined],
    ['nothing', bytes(), undefined],
  ] as const)('%s -> %s', (_name, input, expected) => {
    expect(detectImageType(input)).toBe(expected);
  });

  it('names what the bytes are when they are another image type', () => {
    expect(imageSignatureMismatch('image/jpeg', bytes([0xff, 0xd8, 0xff]))).toBeUndefined();
    expect(imageSignatureMismatch('image/jpeg', ftyp('heic'))).toBe(
      'content is image/heic, not the declared image/jpeg',
    );
    expect(imageSignatureMismatch('image/png', bytes('GIF89a'))).toBe('content does not look like image/png');
  });
});

describe('derivedActions', () => {
  const pending = photo();
  const ready = photo({ status: 'READY' });
  it('counts a photo when it becomes READY, and only then', () => {
    expect(derivedActions({ kind: 'MODIFY', before: pending, after: ready })).toEqual([
      { type: 'COUNT_PHOTO', ownerId: 'owner', photoId: ready.photoId },
    ]);
    expect(derivedActions({ kind: 'INSERT', after: pending })).toEqual([]);
    expect(
      derivedActions({ kind: 'MODIFY', before: pending, after: photo({ status: 'PROCESSING' }) }),
    ).toEqual([]);
    expect(derivedActions({ kind: 'MODIFY', before: ready, after: ready })).toEqual([]);
    expect(derivedActions({ kind: 'MODIFY', before: pending, after: photo({ status: 'REJECTED' }) })).toEqual(
      [],
    );
  });

  it('deletes the object and the renditions of a removed photo before it uncounts a removed READY one', () => {
    const renditionDeletes = ['thumbnail.webp', 'thumbnail.jpg', 'display.webp', 'display.jpg'].map(
      (file) => ({ type: 'DELETE_OBJECT', objectKey: `renditions/owner/${ready.photoId}/${file}` }),
    );
    expect(derivedActions({ kind: 'REMOVE', before: ready, expiredByTtl: false })).toEqual([
      { type: 'DELETE_OBJECT', objectKey: ready.objectKey },
      ...renditionDeletes,
      { type: 'UNCOUNT_PHOTO', ownerId: 'owner', photoId: ready.photoId },
    ]);
    // A photo whose processing never finished (TTL) may have some renditions already.
    expect(
      derivedActions({ kind: 'REMOVE', before: photo({ status: 'PROCESSING' }), expiredByTtl: true }),
    ).toEqual([{ type: 'DELETE_OBJECT', objectKey: pending.objectKey }, ...renditionDeletes]);
    expect(derivedActions({ kind: 'REMOVE', before: pending, expiredByTtl: true })).toEqual([
      { type: 'DELETE_OBJECT', objectKey: pending.objectKey },
    ]);
  });
});

describe('object keys', () => {
  it('round-trips and refuses anything else', () => {
    const key = objectKeyFor('user_1', '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f');
    expect(key).toBe('photos/user_1/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f');
    expect(parseObjectKey(key)).toEqual({
      ownerId: 'user_1',
      photoId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
    });
    for (const bad of [
      'photos/user_1',
      'other/user_1/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
      'photos/a/b/c',
      'photos/u#1/x',
    ]) {
      expect(parseObjectKey(bad)).toBeUndefined();
    }
  });
});

describe('environment parsing', () => {
  const photosEnv = {
    TABLE_NAME: 't',
    FEED_SHARDS: '3',
    FEED_READ_LEGACY_PARTITION: 'true',
    BUCKET_NAME: 'b',
    UPLOAD_URL_EXPIRY_SECONDS: '300',
    PENDING_UPLOAD_TTL_SECONDS: '3600',
    DOWNLOAD_URL_EXPIRY_SECONDS: '60',
    MAX_PENDING_UPLOADS_PER_USER: '7',
  };
  const photosConfig = (env: Record<string, string>) =>
    photosApiConfig(environmentOf(FUNCTIONS.photosApi, env));
  const database = (env: Record<string, string>) => databaseConfig(readGroup('database', env));
  const cache = (env: Record<string, string>) => cacheConfig(readGroup('cache', env));
  const databaseEnv = {
    DB_HOST: 'proxy',
    DB_READER_HOST: 'proxy-read-only',
    DB_PORT: '5432',
    DB_NAME: 'photos',
    DB_USER: 'app_user',
    DB_TLS: 'true',
  };

  it('parses the contract variables', () => {
    expect(photosConfig(photosEnv)).toEqual({
      tableName: 't',
      feed: { shards: 3, readLegacyPartition: true },
      bucketName: 'b',
      s3ForcePathStyle: false,
      uploadUrlExpirySeconds: 300,
      pendingUploadTtlSeconds: 3600,
      downloadUrlExpirySeconds: 60,
      maxPendingUploadsPerUser: 7,
    });
    expect(database(databaseEnv)).toEqual({
      host: 'proxy',
      readerHost: 'proxy-read-only',
      port: 5432,
      database: 'photos',
      user: 'app_user',
      tls: true,
    });
    expect(
      cache({
        CACHE_HOST: 'cache',
        CACHE_PORT: '6379',
        CACHE_TLS: 'true',
        CACHE_IAM_USER: 'photoapp-dev-app',
        CACHE_ID: 'photoapp-dev-cache',
      }),
    ).toEqual({
      host: 'cache',
      port: 6379,
      tls: true,
      iamAuth: { cacheId: 'photoapp-dev-cache', userId: 'photoapp-dev-app' },
    });
    expect(
      cacheConfig(
        readGroup('cache', { CACHE_HOST: '127.0.0.1', CACHE_PORT: '6380', CACHE_TLS: 'false' }),
        readGroup('profileCaching', { CACHE_TTL_SECONDS: '300' }),
      ),
    ).toEqual({ host: '127.0.0.1', port: 6380, tls: false, ttlSeconds: 300 });
  });

  it('reads only the groups a function declares', () => {
    const env = environmentOf(FUNCTIONS.uploadComplete, { ...photosEnv, ...databaseEnv });
    expect(Object.keys(env).sort()).toEqual(['photoBucket', 'photoTable']);
  });

  it('fails clearly on missing or malformed values', () => {
    expect(() =>
      cache({
        CACHE_HOST: 'cache',
        CACHE_PORT: '6379',
        CACHE_TLS: 'true',
        CACHE_IAM_USER: 'photoapp-dev-app',
      }),
    ).toThrow(new ConfigurationError('Environment variable CACHE_ID is required'));
    expect(() => photosConfig({ ...photosEnv, TABLE_NAME: '' })).toThrow(
      new ConfigurationError('Environment variable TABLE_NAME is required'),
    );
    expect(() => database({ ...databaseEnv, DB_TLS: '' })).toThrow(
      new ConfigurationError('Environment variable DB_TLS is required'),
    );
    expect(() => photosConfig({ ...photosEnv, UPLOAD_URL_EXPIRY_SECONDS: '5m' })).toThrow(
      /must be an integer/,
    );
    expect(() => photosConfig({ ...photosEnv, PENDING_UPLOAD_TTL_SECONDS: '1' })).toThrow(/between/);
    expect(() => photosConfig({ ...photosEnv, PENDING_UPLOAD_TTL_SECONDS: '120' })).toThrow(
      /at least UPLOAD_URL_EXPIRY_SECONDS/,
    );
    for (const bad of ['0', '1001', '']) {
      expect(() => photosConfig({ ...photosEnv, MAX_PENDING_UPLOADS_PER_USER: bad })).toThrow(
        new ConfigurationError(
          bad === ''
            ? 'Environment variable MAX_PENDING_UPLOADS_PER_USER is required'
            : 'Environment variable MAX_PENDING_UPLOADS_PER_USER must be between 1 and 1000',
        ),
      );
    }
    expect(() => database({ ...databaseEnv, DB_TLS: 'yes' })).toThrow(/"true" or "false"/);
    for (const bad of ['0', '33']) {
      expect(() => photosConfig({ ...photosEnv, FEED_SHARDS: bad })).toThrow(
        new ConfigurationError('Environment variable FEED_SHARDS must be between 1 and 32'),
      );
    }
    expect(() => photosConfig({ ...photosEnv, FEED_READ_LEGACY_PARTITION: '' })).toThrow(
      new ConfigurationError('Environment variable FEED_READ_LEGACY_PARTITION is required'),
    );
  });
});
