/**
 * Redis (ElastiCache) cache-aside for public profiles under `profile:<userId>`.
 *
 * The cache is optional: every failure (unreachable, timeout, bad payload) is a miss or a no-op,
 * and commands fail fast (no offline queue, short timeouts) so the database answers instead.
 * TTLs carry jitter so that entries written together do not expire together.
 *
 * In AWS each connection signs in with a fresh IAM token (./cache-iam-auth.ts). A token only opens
 * connections for 15 minutes, so a lost connection is not re-dialled with the old one: the client
 * is dropped and the next command opens a new connection with new credentials.
 */
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { ProfileCache } from '../domain/profile-service';
import type { Profile } from '../domain/profiles';
import { isProfile } from '../domain/profiles';
import type { CacheConfig } from '../shared/env';
import { countMetric, logger } from '../shared/powertools';
import { cacheIamCredentials } from './cache-iam-auth';

/** Key of a cached public profile; the cache user's ACL (infrastructure) allows only these keys. */
export const profileCacheKey = (userId: string): string => `profile:${userId}`;

/** What a connection signs in with (Redis ACL user and password). */
export interface CacheCredentials {
  readonly username?: string;
  readonly password: string;
}

export interface CacheConnection {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly ttlSeconds: number;
  /** Resolves the credentials of each new connection; absent when the server needs none. */
  readonly credentials?: () => Promise<CacheCredentials>;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** After a failed connection attempt, skip the cache for this long instead of waiting again. */
  readonly retryAfterMs?: number;
}

/**
 * The cache as the handlers configure it from their environment: with IAM sign-in in AWS, without
 * credentials against the local engines.
 */
export function createProfileCache(config: CacheConfig, region: string): RedisProfileCache {
  return new RedisProfileCache({
    host: config.host,
    port: config.port,
    tls: config.tls,
    ttlSeconds: config.ttlSeconds,
    ...(config.iamAuth ? { credentials: cacheIamCredentials({ ...config.iamAuth, region }) } : {}),
  });
}

export class RedisProfileCache implements ProfileCache {
  private client: Promise<Redis> | undefined;
  private skipUntil = 0;

  constructor(
    private readonly connection: CacheConnection,
    private readonly random: () => number = Math.random,
  ) {}

  async get(userId: string): Promise<Profile | undefined> {
    const raw = await this.run('get', (redis) => redis.get(profileCacheKey(userId)));
    if (raw === undefined || raw === null) {
      countMetric('ProfileCacheMiss');
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isProfile(parsed) && parsed.userId === userId) {
        countMetric('ProfileCacheHit');
        return parsed;
      }
    } catch {
      // Fall through: an unreadable entry is a miss and is overwritten on the next set.
    }
    countMetric('ProfileCacheMiss');
    return undefined;
  }

  async set(profile: Profile): Promise<void> {
    const ttl =
      this.connection.ttlSeconds + Math.floor(this.random() * Math.max(1, this.connection.ttlSeconds * 0.1));
    await this.run('set', (redis) =>
      redis.set(profileCacheKey(profile.userId), JSON.stringify(profile), 'EX', ttl),
    );
  }

  async invalidate(userId: string): Promise<void> {
    await this.run('invalidate', (redis) => redis.del(profileCacheKey(userId)));
  }

  async close(): Promise<void> {
    const pending = this.client;
    this.client = undefined;
    if (pending) await pending.then((redis) => redis.disconnect()).catch(() => undefined);
  }

  private async run<T>(operation: string, command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    try {
      return await command(await this.connect());
    } catch (error) {
      countMetric('ProfileCacheError');
      logger.warn('Profile cache unavailable; continuing without it', {
        operation,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  private connect(): Promise<Redis> {
    if (!this.client) {
      if (Date.now() < this.skipUntil) return Promise.reject(new Error('Redis recently unreachable'));
      const opening: Promise<Redis> = this.open().then(
        (redis) => {
          // A lost connection is forgotten, so that the next command opens a new one.
          redis.once('end', () => {
            if (this.client === opening) this.client = undefined;
          });
          return redis;
        },
        (error: unknown) => {
          this.client = undefined;
          this.skipUntil = Date.now() + (this.connection.retryAfterMs ?? 2000);
          throw error;
        },
      );
      this.client = opening;
    }
    return this.client;
  }

  private async open(): Promise<Redis> {
    const credentials = this.connection.credentials ? await this.connection.credentials() : undefined;
    // disconnectTimeout is a real ioredis option (default 2 s) missing from its typings: it bounds
    // a grace timer that otherwise outlives an already closed socket.
    const options: RedisOptions & { disconnectTimeout: number } = {
      host: this.connection.host,
      port: this.connection.port,
      ...(credentials?.username ? { username: credentials.username } : {}),
      ...(credentials ? { password: credentials.password } : {}),
      ...(this.connection.tls ? { tls: { servername: this.connection.host } } : {}),
      lazyConnect: true,
      enableOfflineQueue: false,
      // The ACL user may run GET, SET and DEL only; INFO (the ready check) is not among them.
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.connection.connectTimeoutMs ?? 500,
      commandTimeout: this.connection.commandTimeoutMs ?? 300,
      // Never re-dial with these credentials (a token expires): a lost connection is dropped and
      // the next command opens a new one (see connect()).
      retryStrategy: () => null,
      disconnectTimeout: 200,
    };
    const redis = new Redis(options);
    redis.on('error', (error: Error) => logger.debug('Redis connection error', { error: error.message }));
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return redis;
  }
}
