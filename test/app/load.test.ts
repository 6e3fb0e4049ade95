/**
 * The load run (scripts/bench/load.ts) against a dev server of its own: a short run passes its
 * invariant checks, and each check fails on a state broken on purpose, while the others still pass.
 * The broken states are ones the running server leaves alone (no event repairs them).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Pool } from 'pg';
import { PHOTO_KEY_PREFIX } from '../../lambda/domain/photos';
import { checkInvariants } from '../../scripts/bench/load-invariants';
import { devServerTarget, runLoad } from '../../scripts/bench/load';
import type { LoadResult, LoadTarget } from '../../scripts/bench/load';
import { DEV_SERVER_NAMES } from '../../scripts/local/dev-server-names';
import { startDevServerProcess } from '../../scripts/local/dev-server-process';
import type { DevServerProcess } from '../../scripts/local/dev-server-process';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  PG_ADMIN_PASSWORD,
  PG_ADMIN_USER,
} from '../../scripts/local/engines';

let server: DevServerProcess | undefined;
let target: LoadTarget;
let result: LoadResult;
let s3: S3Client;
let db: Pool;

beforeAll(async () => {
  server = await startDevServerProcess({ env: { POWERTOOLS_LOG_LEVEL: 'SILENT' } });
  target = devServerTarget(server);
  s3 = new S3Client({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: server.engines.s3Endpoint,
    forcePathStyle: true,
  });
  db = new Pool({
    host: '127.0.0.1',
    port: server.engines.postgresPort,
    user: PG_ADMIN_USER,
    password: PG_ADMIN_PASSWORD,
    database: DEV_SERVER_NAMES.databaseName,
    max: 1,
  });
  // Every walk deletes its user's oldest photo, so that DELETE is in even so short a run.
  try {
    result = await runLoad({ durationSeconds: 2, users: 2, readers: 4, deleteEvery: 1, target });
  } catch (error) {
    // What the server printed says why its engines stopped answering, if they did.
    throw new Error(`${(error as Error).message}\ndev server output:\n${server.output().slice(-4000)}`, {
      cause: error,
    });
  }
}, 90_000);

afterAll(async () => {
  s3?.destroy();
  await db?.end();
  await server?.stop();
}, 40_000);

/** The names of the invariants that fail on the current state. */
async function failing(count5xx = 0): Promise<string[]> {
  const invariants = await checkInvariants(target, { userIds: result.userIds, count5xx });
  return invariants.filter((invariant) => !invariant.passed).map((invariant) => invariant.name);
}

describe('load run', () => {
  it('drives every route of the flow and the read mix, settles, and passes the invariants', () => {
    expect(result.settle).toMatchObject({ settled: true });
    expect(result.invariants.map(({ name, passed }) => ({ name, passed }))).toEqual([
      { name: 'no 5xx responses', passed: true },
      { name: "each user's photoCount equals their READY photos", passed: true },
      { name: 'no object without a photo item', passed: true },
      { name: 'no READY photo without its object', passed: true },
    ]);
    expect(result.passed).toBe(true);
    expect(result.walks.completed).toBeGreaterThan(0);
    expect(result.routes.map(({ route, driver }) => `${driver} ${route}`).sort()).toEqual(
      [
        'autocannon GET /feed',
        'autocannon GET /me',
        'autocannon GET /users/{userId}',
        'autocannon GET /users/{userId}/photos',
        'flow GET /feed',
        'flow GET /photos/{photoId}',
        'flow GET /users/{userId}/photos',
        'flow POST /photos',
        'flow PUT /me',
        'flow PUT presigned URL (S3)',
        'flow DELETE /photos/{photoId}',
      ].sort(),
    );
    expect(result.routes.every((figure) => figure.requests > 0 && figure.p99Ms >= figure.p50Ms)).toBe(true);
  });

  it('fails "no 5xx responses" when the run counted one', async () => {
    await expect(failing(1)).resolves.toEqual(['no 5xx responses']);
  });

  it("fails the photoCount check when a user's count in the database is off", async () => {
    const [userId] = result.userIds;
    await db.query('UPDATE profiles SET photo_count = photo_count + 1 WHERE user_id = $1', [userId]);
    try {
      await expect(failing()).resolves.toEqual(["each user's photoCount equals their READY photos"]);
    } finally {
      await db.query('UPDATE profiles SET photo_count = photo_count - 1 WHERE user_id = $1', [userId]);
    }
  });

  it('fails the orphan check on an object that no photo item names', async () => {
    // Outside the photo prefix, so that upload-complete leaves it where it is.
    const orphan = { Bucket: DEV_SERVER_NAMES.bucketName, Key: 'stray/orphan.jpg' };
    await s3.send(new PutObjectCommand({ ...orphan, Body: 'not a photo' }));
    try {
      await expect(failing()).resolves.toEqual(['no object without a photo item']);
    } finally {
      await s3.send(new DeleteObjectCommand(orphan));
    }
  });

  it("fails the object check when a READY photo's object is gone", async () => {
    const [key] = await listPhotoKeys();
    const object = { Bucket: DEV_SERVER_NAMES.bucketName, Key: key };
    const body = await (await s3.send(new GetObjectCommand(object))).Body?.transformToByteArray();
    await s3.send(new DeleteObjectCommand(object));
    try {
      await expect(failing()).resolves.toEqual(['no READY photo without its object']);
    } finally {
      // Back in place: upload-complete finds the photo READY already and does nothing.
      await s3.send(new PutObjectCommand({ ...object, Body: body, ContentType: 'image/jpeg' }));
    }
  });
});

/** The photo objects in the bucket: after the run, each one a READY photo's. */
async function listPhotoKeys(): Promise<string[]> {
  const page = await s3.send(
    new ListObjectsV2Command({ Bucket: DEV_SERVER_NAMES.bucketName, Prefix: PHOTO_KEY_PREFIX }),
  );
  const keys = (page.Contents ?? []).map((object) => object.Key ?? '');
  expect(keys.length).toBeGreaterThan(0);
  return keys;
}
