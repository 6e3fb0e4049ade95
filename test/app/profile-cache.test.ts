/**
 * The Redis adapter on its own: AUTH with a token from Secrets Manager (as in AWS), a wrong token
 * or an unreachable server degrading to cache misses, and TTL jitter.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { RedisProfileCache } from '../../lambda/adapters/profile-cache';
import { fetchSecretString } from '../../lambda/adapters/secrets';
import type { Profile } from '../../lambda/domain/profiles';
import { freePort, startRedisServer } from '../../scripts/local/engines';

const token = 'correct-horse-battery-staple-0123456789';
const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-auth';
const secrets = mockClient(SecretsManagerClient);
let port = 0;
let server: ChildProcess;

const profile: Profile = {
  userId: 'user-1',
  displayName: 'Cached',
  bio: null,
  photoCount: 3,
  createdAt: '2026-11-23T00:00:00.000Z',
  updatedAt: '2026-11-23T00:00:00.000Z',
};

beforeAll(async () => {
  port = await freePort();
  server = await startRedisServer(port, ['--requirepass', token]);
});

afterAll(async () => {
  secrets.restore();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
});

describe('Redis profile cache', () => {
  it('authenticates with the AUTH token from Secrets Manager, fetched once', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: secretArn }).resolves({ SecretString: token });
    const cache = new RedisProfileCache(
      { host: '127.0.0.1', port, tls: false, ttlSeconds: 100, authToken: () => fetchSecretString(secretArn) },
      () => 0.999,
    );
    try {
      expect(await cache.get(profile.userId)).toBeUndefined();
      await cache.set(profile);
      expect(await cache.get(profile.userId)).toEqual(profile);

      const inspector = new Redis({ host: '127.0.0.1', port, password: token });
      try {
        // TTL 100 s plus up to 10 % jitter.
        const ttl = await inspector.ttl('profile:user-1');
        expect(ttl).toBeGreaterThan(100);
        expect(ttl).toBeLessThanOrEqual(110);
        await inspector.set('profile:user-2', '{not json');
      } finally {
        inspector.disconnect();
      }
      expect(await cache.get('user-2')).toBeUndefined();

      await cache.invalidate(profile.userId);
      expect(await cache.get(profile.userId)).toBeUndefined();
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    } finally {
      await cache.close();
    }
  });

  it('treats a rejected AUTH token as a miss instead of failing the request', async () => {
    const cache = new RedisProfileCache({
      host: '127.0.0.1',
      port,
      tls: false,
      ttlSeconds: 100,
      authToken: () => Promise.resolve('wrong-token'),
    });
    try {
      await expect(cache.set(profile)).resolves.toBeUndefined();
      await expect(cache.get(profile.userId)).resolves.toBeUndefined();
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
