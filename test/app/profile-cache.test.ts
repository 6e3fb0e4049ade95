/**
 * The Redis adapter on its own, against a redis-server whose cache user has exactly the ACL rules
 * the infrastructure gives the functions' ElastiCache user: sign-in with per-connection
 * credentials, a fresh sign-in after a lost connection, rejected credentials or an unreachable
 * server degrading to cache misses, and TTL jitter. Also the IAM token the credentials carry in AWS,
 * checked against a SigV4 signature computed here from the specification.
 */
import { createHash, createHmac } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { cacheIamCredentials, TOKEN_EXPIRY_SECONDS } from '../../lambda/adapters/cache-iam-auth';
import { ProfileCacheInvalidationError, RedisProfileCache } from '../../lambda/adapters/profile-cache';
import type { CacheCredentials } from '../../lambda/adapters/profile-cache';
import type { Profile } from '../../lambda/domain/profiles';
import { PROFILE_CACHE_ACL_RULES } from '../../lib/constructs/profile-cache';
import { freePort, startRedisServer } from '../../scripts/local/engines';

const adminPassword = 'local-admin-password-0123456789';
const cacheUser = 'photoapp-test-app';
let port = 0;
let server: ChildProcess;
let admin: Redis;

const profile: Profile = {
  userId: 'user-1',
  displayName: 'Cached',
  bio: null,
  photoCount: 3,
  createdAt: '2026-11-23T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
};

/** Sets the cache user's only password (as a new IAM token would be the only valid one). */
async function setCacheUserPassword(password: string): Promise<void> {
  await admin.call(
    'ACL',
    'SETUSER',
    cacheUser,
    'reset',
    'on',
    `>${password}`,
    ...PROFILE_CACHE_ACL_RULES.split(' '),
  );
}

/** Credentials that hand out the current password and count how often they are asked. */
function rotatingCredentials(initial: string): {
  credentials: () => Promise<CacheCredentials>;
  rotate: (next: string) => void;
  calls: () => number;
} {
  let password = initial;
  let calls = 0;
  return {
    credentials: () => {
      calls += 1;
      return Promise.resolve({ username: cacheUser, password });
    },
    rotate: (next) => {
      password = next;
    },
    calls: () => calls,
  };
}

beforeAll(async () => {
  port = await freePort();
  server = await startRedisServer(port, ['--requirepass', adminPassword]);
  admin = new Redis({ host: '127.0.0.1', port, password: adminPassword });
});

afterAll(async () => {
  admin.disconnect();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
});

describe('Redis profile cache', () => {
  it('works within the cache user ACL, asking for credentials once per connection', async () => {
    await setCacheUserPassword('first-token');
    const auth = rotatingCredentials('first-token');
    const cache = new RedisProfileCache(
      {
        host: '127.0.0.1',
        port,
        tls: false,
        ttlSeconds: 100,
        credentials: auth.credentials,
        markerTtlMs: 60_000,
      },
      () => 0.999,
    );
    try {
      expect(await cache.get(profile.userId)).toBeUndefined();
      await cache.fill(profile, new Date());
      expect(await cache.get(profile.userId)).toEqual(profile);

      // TTL 100 s plus up to 10 % jitter.
      const ttl = await admin.ttl('profile:user-1');
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(110);
      await admin.set('profile:user-2', '{not json');
      expect(await cache.get('user-2')).toBeUndefined();

      // The invalidation leaves a marker that expires on its own and that no fill replaces.
      await cache.invalidate(profile.userId);
      expect(await cache.get(profile.userId)).toBeUndefined();
      await cache.fill(profile, new Date());
      expect(await cache.get(profile.userId)).toBeUndefined();
      expect(JSON.parse((await admin.get('profile:user-1')) ?? 'null')).toEqual({
        invalidatedAt: expect.any(String),
      });
      const markerTtl = await admin.pttl('profile:user-1');
      expect(markerTtl).toBeGreaterThan(50_000);
      expect(markerTtl).toBeLessThanOrEqual(60_000);
      await admin.del('profile:user-1');
      expect(auth.calls()).toBe(1);
    } finally {
      await cache.close();
    }
  });

  it('does not store a profile whose database read started longer ago than the fill window', async () => {
    await setCacheUserPassword('window-token');
    const cache = new RedisProfileCache({
      host: '127.0.0.1',
      port,
      tls: false,
      ttlSeconds: 100,
      credentials: () => Promise.resolve({ username: cacheUser, password: 'window-token' }),
      fillWindowMs: 1000,
    });
    try {
      const late = { ...profile, userId: 'user-late' };
      await cache.fill(late, new Date(Date.now() - 2000));
      expect(await admin.exists('profile:user-late')).toBe(0);
      await cache.fill(late, new Date());
      expect(await cache.get(late.userId)).toEqual(late);
    } finally {
      await cache.close();
    }
  });

  it('the cache user can touch nothing but profile keys', async () => {
    await setCacheUserPassword('acl-token');
    const user = new Redis({ host: '127.0.0.1', port, username: cacheUser, password: 'acl-token' });
    try {
      await expect(user.get('profile:anyone')).resolves.toBeNull();
      await expect(user.get('session:anyone')).rejects.toThrow(/NOPERM/);
      await expect(user.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(user.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
    } finally {
      user.disconnect();
    }
  });

  it('opens a lost connection again with fresh credentials instead of the expired ones', async () => {
    await setCacheUserPassword('token-1');
    const auth = rotatingCredentials('token-1');
    const cache = new RedisProfileCache({
      host: '127.0.0.1',
      port,
      tls: false,
      ttlSeconds: 100,
      credentials: auth.credentials,
    });
    try {
      await cache.fill(profile, new Date());
      expect(await cache.get(profile.userId)).toEqual(profile);

      // The first token stops working and the server ends the connection (as ElastiCache does
      // after 12 hours); only the new token signs in.
      await setCacheUserPassword('token-2');
      auth.rotate('token-2');
      await admin.call('CLIENT', 'KILL', 'USER', cacheUser);

      let served: Profile | undefined;
      const deadline = Date.now() + 3000;
      while (!served && Date.now() < deadline) {
        served = await cache.get(profile.userId);
        if (!served) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(served).toEqual(profile);
      expect(auth.calls()).toBe(2);
    } finally {
      await cache.close();
    }
  });

  it('treats rejected credentials as a miss, but fails an invalidation it could not make', async () => {
    await setCacheUserPassword('right-token');
    const cache = new RedisProfileCache({
      host: '127.0.0.1',
      port,
      tls: false,
      ttlSeconds: 100,
      credentials: () => Promise.resolve({ username: cacheUser, password: 'wrong-token' }),
    });
    try {
      await expect(cache.fill(profile, new Date())).resolves.toBeUndefined();
      await expect(cache.get(profile.userId)).resolves.toBeUndefined();
      await expect(cache.invalidate(profile.userId)).rejects.toThrow(ProfileCacheInvalidationError);
    } finally {
      await cache.close();
    }
  });

  it('answers a miss within a short timeout when nothing listens', async () => {
    const cache = new RedisProfileCache({
      host: '127.0.0.1',
      port: await freePort(),
      tls: false,
      ttlSeconds: 100,
    });
    try {
      const started = Date.now();
      await expect(cache.get(profile.userId)).resolves.toBeUndefined();
      await expect(cache.get(profile.userId)).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await cache.close();
    }
  });
});

describe('ElastiCache IAM token', () => {
  const credentials = {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: 'session/token+example=',
  };
  const signingDate = new Date('2026-11-23T12:34:56Z');

  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const encode = (value: string) =>
    encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

  it('is a SigV4-presigned connect request for the replication group and user, without scheme', async () => {
    const sign = cacheIamCredentials({
      cacheId: 'photoapp-dev-cache',
      userId: 'photoapp-dev-app',
      region: 'eu-west-1',
      credentials,
      clock: () => signingDate,
    });
    const { username, password } = await sign();
    expect(username).toBe('photoapp-dev-app');
    expect(password.startsWith('photoapp-dev-cache/?')).toBe(true);

    const query = new URLSearchParams(password.slice(password.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toEqual({
      Action: 'connect',
      User: 'photoapp-dev-app',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261123/eu-west-1/elasticache/aws4_request',
      'X-Amz-Date': '20261123T123456Z',
      'X-Amz-Expires': String(TOKEN_EXPIRY_SECONDS),
      'X-Amz-Security-Token': credentials.sessionToken,
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(TOKEN_EXPIRY_SECONDS).toBe(900);

    // The signature, from the SigV4 specification: canonical request, string to sign, key chain.
    const signed = [...query.entries()].filter(([key]) => key !== 'X-Amz-Signature');
    const canonicalQuery = signed
      .map(([key, value]) => `${encode(key)}=${encode(value)}`)
      .sort()
      .join('&');
    const emptyPayloadHash = createHash('sha256').update('').digest('hex');
    const canonicalRequest = [
      'GET',
      '/',
      canonicalQuery,
      'host:photoapp-dev-cache',
      '',
      'host',
      emptyPayloadHash,
    ].join('\n');
    const scope = '20261123/eu-west-1/elasticache/aws4_request';
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      '20261123T123456Z',
      scope,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n');
    let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, '20261123');
    for (const part of ['eu-west-1', 'elasticache', 'aws4_request']) key = hmac(key, part);
    expect(query.get('X-Amz-Signature')).toBe(createHmac('sha256', key).update(stringToSign).digest('hex'));
  });

  it('signs a new token for every connection', async () => {
    let now = signingDate.getTime();
    const sign = cacheIamCredentials({
      cacheId: 'photoapp-dev-cache',
      userId: 'photoapp-dev-app',
      region: 'eu-west-1',
      credentials,
      clock: () => new Date((now += 60_000)),
    });
    const first = await sign();
    const second = await sign();
    expect(first.password).not.toBe(second.password);
  });
});
