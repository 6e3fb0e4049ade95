/**
 * Cache-aside for public profiles under `profile:<userId>`, in ElastiCache for Valkey, spoken to
 * with the Redis protocol (ioredis).
 *
 * The cache is optional: a failed read or fill (unreachable, timeout, bad payload) is a miss or a
 * no-op, and commands fail fast (no offline queue, short timeouts) so the database answers
 * instead. After a failed connection or a timed-out command the cache is skipped for a while, so a
 * hung server costs one timeout per window, not one per command (a stream batch makes a command per
 * record).
 * TTLs carry jitter so that entries written together do not expire together.
 *
 * A read must never put back a profile older than a write it raced with (read old row, write,
 * invalidate, store old row). So an invalidation does not delete the entry: it overwrites it with a
 * short-lived marker, and a fill is `SET ... NX`, which cannot replace the marker nor anything else.
 * A fill that lands after the marker expired could still store an old row, so a fill whose database
 * read started more than fillWindowMs ago is dropped; the marker outlives that window by a margin
 * for the SET's own trip. Invalidation is the one operation that fails loudly: the caller must know
 * that a stale entry may remain. It needs nothing beyond the cache user's ACL (GET and SET; DEL
 * is no longer sent).
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
  /** Lifetime of a fill; a cache that only invalidates (the stream processor) has none. */
  readonly ttlSeconds?: number;
  /** Resolves the credentials of each new connection; absent when the server needs none. */
  readonly credentials?: () => Promise<CacheCredentials>;
  /** TCP (and TLS) connect. @default CACHE_DEADLINE.connectTimeoutMs */
  readonly connectTimeoutMs?: number;
  /** One command, the sign-in (HELLO with AUTH) included. @default CACHE_DEADLINE.commandTimeoutMs */
  readonly commandTimeoutMs?: number;
  /**
   * After a failed connection or a timed-out command, skip the cache for this long instead of
   * waiting again. @default CACHE_DEADLINE.retryAfterMs
   */
  readonly retryAfterMs?: number;
  /** How long an invalidation marker blocks fills. @default CACHE_INVALIDATION.markerTtlMs */
  readonly markerTtlMs?: number;
  /** A read that started longer ago is not stored. @default CACHE_INVALIDATION.fillWindowMs */
  readonly fillWindowMs?: number;
}

/**
 * A cached profile is one GET of a few hundred bytes (sub-millisecond in the same AZ). A hung cache
 * is waited for once per retry window: a command on an open connection (0.3 s), or a new connection
 * (connect 0.5 s, then the sign-in 0.3 s), so at most 0.8 s of a request before the database
 * answers.
 */
export const CACHE_DEADLINE = { connectTimeoutMs: 500, commandTimeoutMs: 300, retryAfterMs: 2000 } as const;

/**
 * A profile read takes at most 3.5 s even when it opens a connection (DATABASE_DEADLINE), so a 5 s
 * fill window drops almost no fill; the marker lives 5 s longer, which a SET that was sent in time
 * has to reach the cache in (its reply is waited for 0.3 s). While a marker lives, reads of that profile
 * go to the database.
 */
export const CACHE_INVALIDATION = { markerTtlMs: 10_000, fillWindowMs: 5_000 } as const;

/** The profile may still be cached: the caller decides whether that is acceptable. */
export class ProfileCacheInvalidationError extends Error {
  constructor(userId: string, options?: ErrorOptions) {
    super(`Cached profile ${userId} could not be invalidated`, options);
    this.name = 'ProfileCacheInvalidationError';
  }
}

/** ioredis rejects a command that outlives commandTimeout with this plain Error (no class or code). */
function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
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
    ...(config.ttlSeconds === undefined ? {} : { ttlSeconds: config.ttlSeconds }),
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
      // Fall through: an invalidation marker or an unreadable entry is a miss until it expires.
    }
    countMetric('ProfileCacheMiss');
    return undefined;
  }

  async fill(profile: Profile, readStartedAt: Date): Promise<void> {
    if (Date.now() - readStartedAt.getTime() > this.fillWindowMs()) {
      countMetric('ProfileCacheFillSkipped');
      return;
    }
    const { ttlSeconds } = this.connection;
    if (ttlSeconds === undefined) throw new Error('This profile cache has no fill TTL: it only invalidates');
    const ttl = ttlSeconds + Math.floor(this.random() * Math.max(1, ttlSeconds * 0.1));
    // NX: an invalidation marker (or a fresher fill) already there wins over this read.
    await this.run('fill', (redis) =>
      redis.set(profileCacheKey(profile.userId), JSON.stringify(profile), 'EX', ttl, 'NX'),
    );
  }

  async invalidate(userId: string): Promise<void> {
    const marker = JSON.stringify({ invalidatedAt: new Date().toISOString() });
    const markerTtlMs = this.connection.markerTtlMs ?? CACHE_INVALIDATION.markerTtlMs;
    const done = await this.run('invalidate', (redis) =>
      redis.set(profileCacheKey(userId), marker, 'PX', markerTtlMs),
    );
    if (done !== 'OK') throw new ProfileCacheInvalidationError(userId);
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
      if (isCommandTimeout(error)) this.skipAfterTimeout();
      countMetric('ProfileCacheError');
      logger.warn('Profile cache unavailable; continuing without it', {
        operation,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  /**
   * A connection whose command timed out is stuck behind a hung server: it is dropped (the first
   * command after the window opens a new one), and the cache is skipped until then.
   */
  private skipAfterTimeout(): void {
    this.skipUntil = Date.now() + this.retryAfterMs();
    void this.close();
  }

  private fillWindowMs(): number {
    return this.connection.fillWindowMs ?? CACHE_INVALIDATION.fillWindowMs;
  }

  private retryAfterMs(): number {
    return this.connection.retryAfterMs ?? CACHE_DEADLINE.retryAfterMs;
  }

  private connect(): Promise<Redis> {
    if (!this.client) {
      if (Date.now() < this.skipUntil) return Promise.reject(new Error('Cache recently unreachable'));
      const opening: Promise<Redis> = this.open().then(
        (redis) => {
          // A lost connection is forgotten, so that the next command opens a new one.
          redis.once('end', () => {
            if (this.client === opening) this.client = undefined;
          });
          return redis;
        },
        (error: unknown) => {
          if (this.client === opening) this.client = undefined;
          this.skipUntil = Date.now() + this.retryAfterMs();
          throw error;
        },
      );
      this.client = opening;
    }
    return this.client;
  }

  private async open(): Promise<Redis> {
    const credentials = this.connection.credentials ? await this.connection.credentials() : undefined;
    const redis = new Redis(cacheClientOptions(this.connection, credentials));
    redis.on('error', (error: Error) => logger.debug('Cache connection error', { error: error.message }));
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return redis;
  }
}

/**
 * The client options of every cache connection: fail fast (no offline queue, no retries, short
 * deadlines). Exported so that the benchmark's raw GET runs on exactly this client configuration.
 */
export function cacheClientOptions(
  connection: CacheConnection,
  credentials?: CacheCredentials,
): RedisOptions & { disconnectTimeout: number } {
  // disconnectTimeout is a real ioredis option (default 2 s) missing from its typings: it bounds
  // a grace timer that otherwise outlives an already closed socket.
  return {
    host: connection.host,
    port: connection.port,
    ...(credentials?.username ? { username: credentials.username } : {}),
    ...(credentials ? { password: credentials.password } : {}),
    ...(connection.tls ? { tls: { servername: connection.host } } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    // The ACL user may run GET, SET and DEL only; INFO (the ready check) is not among them.
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connection.connectTimeoutMs ?? CACHE_DEADLINE.connectTimeoutMs,
    commandTimeout: connection.commandTimeoutMs ?? CACHE_DEADLINE.commandTimeoutMs,
    // Never re-dial with these credentials (a token expires): a lost connection is dropped and
    // the next command opens a new one (see connect()).
    retryStrategy: () => null,
    disconnectTimeout: 200,
  };
}
