/**
 * PostgreSQL (Aurora through RDS Proxy) access for profiles and the photo-count ledger.
 *
 * Writes, the ledger and reads that must see the latest write go to the writer pool; reads that
 * tolerate replica lag (public profiles) go to the reader pool, which in a stage with readers
 * connects to RDS Proxy's read-only endpoint and otherwise to the writer too.
 *
 * In AWS each pool authenticates with short-lived IAM tokens (@aws-sdk/rds-signer), asked for only
 * when a new connection is opened, over verified TLS. The pool lives at module scope and is reused
 * across invocations. All SQL is parameterized.
 */
import { Signer } from '@aws-sdk/rds-signer';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import type { PhotoCountLedger } from '../domain/photo-service';
import type { ProfileRepository } from '../domain/profile-service';
import type { Profile, ProfileInput } from '../domain/profiles';
import { DependencyUnavailableError } from '../shared/errors';
import { logger } from '../shared/powertools';

const DEPENDENCY = 'Profile database';

export interface DatabaseConnection {
  /** Host to connect to; the IAM token is signed for it, as RDS requires of every endpoint. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly tls: boolean;
  readonly region: string;
}

/**
 * A hung proxy or database (failover, a full connection pool, a frozen server) must cost a bounded
 * time. Profile reads and the ledger's single-row statements take milliseconds.
 * - connectionTimeoutMillis: TCP, TLS, IAM sign-in and the proxy's borrow of a connection.
 * - statementTimeoutMs: the server cancels a statement (a lock wait included) and says so.
 * - queryTimeoutMs: the client gives up on an answer that never comes (a frozen server answers
 *   nothing, not even its own statement timeout); a little longer than the server's own limit, so a
 *   live server reports first. TCP keepalive cannot stand in for it: it never aborts a query.
 * One statement costs at most 2 s + 1.5 s = 3.5 s when the connection is opened for it.
 */
export const DATABASE_DEADLINE = {
  connectTimeoutMs: 2000,
  statementTimeoutMs: 1000,
  queryTimeoutMs: 1500,
} as const;

export function createDatabasePool(connection: DatabaseConnection): Pool {
  const signer = new Signer({
    hostname: connection.host,
    port: connection.port,
    username: connection.user,
    region: connection.region,
  });
  const pool = new Pool({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    // Called only if the server asks for a password: with IAM auth the token is the password.
    password: () => signer.getAuthToken(),
    ssl: connection.tls ? { rejectUnauthorized: true } : false,
    // One request at a time per Lambda environment; RDS Proxy multiplexes behind it.
    max: 2,
    connectionTimeoutMillis: DATABASE_DEADLINE.connectTimeoutMs,
    idleTimeoutMillis: 60_000,
    // Idle pooled connections must not keep a local process (tests, dev server) from exiting.
    allowExitOnIdle: true,
    statement_timeout: DATABASE_DEADLINE.statementTimeoutMs,
    query_timeout: DATABASE_DEADLINE.queryTimeoutMs,
  });
  // An idle connection that breaks (failover, proxy idle timeout) must not crash the process.
  pool.on('error', (error) => logger.warn('Idle database connection failed', { error }));
  return pool;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Connection failures and server shutdown or overload: the request cannot be served now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: string; message?: string };
  if (
    code &&
    (CONNECTION_ERROR_CODES.has(code) ||
      code.startsWith('08') ||
      ['57P01', '57P02', '57P03', '53300'].includes(code))
  ) {
    return true;
  }
  return /timeout|Connection terminated|connect ECONNREFUSED/i.test(message ?? '');
}

interface ProfileRow {
  user_id: string;
  display_name: string;
  bio: string | null;
  photo_count: number;
  created_at: Date;
  updated_at: Date;
}

const PROFILE_COLUMNS = 'user_id, display_name, bio, photo_count, created_at, updated_at';

function toProfile(row: ProfileRow): Profile {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    bio: row.bio,
    photoCount: Number(row.photo_count),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export class PostgresProfileStore implements ProfileRepository, PhotoCountLedger {
  /**
   * @param pool the writer: every write and every read that must see the latest write.
   * @param readerPool reads that tolerate replica lag; the ledger-only handlers (stream processor,
   *   reconciler) never make one and leave it to the writer.
   */
  constructor(
    private readonly pool: Pool,
    private readonly readerPool: Pool = pool,
  ) {}

  async get(userId: string): Promise<Profile | undefined> {
    return this.selectProfile(this.pool, userId);
  }

  async getPublic(userId: string): Promise<Profile | undefined> {
    return this.selectProfile(this.readerPool, userId);
  }

  private async selectProfile(pool: Pool, userId: string): Promise<Profile | undefined> {
    const rows = await this.query<ProfileRow>(
      pool,
      `SELECT ${PROFILE_COLUMNS} FROM profiles WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ? toProfile(rows[0]) : undefined;
  }

  async upsert(userId: string, input: ProfileInput, now: Date): Promise<Profile> {
    return this.transaction(async (client) => {
      await lockUser(client, userId);
      // A new profile starts with the photos already counted for this user (uploads may come first).
      const { rows } = await client.query<ProfileRow>(
        `INSERT INTO profiles (user_id, display_name, bio, photo_count, created_at, updated_at)
         VALUES ($1, $2, $3,
                 (SELECT count(*)::int FROM counted_photos WHERE user_id = $1 AND removed_at IS NULL),
                 $4, $4)
         ON CONFLICT (user_id) DO UPDATE
           SET display_name = EXCLUDED.display_name, bio = EXCLUDED.bio, updated_at = EXCLUDED.updated_at
         RETURNING ${PROFILE_COLUMNS}`,
        [userId, input.displayName, input.bio, now],
      );
      return toProfile(rows[0]);
    });
  }

  /** Insert-once ledger row, then +1 only if this call inserted it: replays change nothing. */
  async count(ownerId: string, photoId: string): Promise<boolean> {
    return this.transaction(async (client) => {
      await lockUser(client, ownerId);
      const inserted = await client.query(
        'INSERT INTO counted_photos (photo_id, user_id) VALUES ($1, $2) ON CONFLICT (photo_id) DO NOTHING',
        [photoId, ownerId],
      );
      if (inserted.rowCount !== 1) return false;
      await client.query('UPDATE profiles SET photo_count = photo_count + 1 WHERE user_id = $1', [ownerId]);
      return true;
    });
  }

  /**
   * Marks the ledger row removed (a tombstone, so a late or replayed READY record can never count
   * the photo again), then -1 only if this call removed a counted photo.
   */
  async uncount(ownerId: string, photoId: string): Promise<boolean> {
    return this.transaction(async (client) => {
      await lockUser(client, ownerId);
      const removed = await client.query(
        'UPDATE counted_photos SET removed_at = now() WHERE photo_id = $1 AND removed_at IS NULL',
        [photoId],
      );
      if (removed.rowCount !== 1) {
        await client.query(
          'INSERT INTO counted_photos (photo_id, user_id, removed_at) VALUES ($1, $2, now()) ON CONFLICT (photo_id) DO NOTHING',
          [photoId, ownerId],
        );
        return false;
      }
      await client.query(
        'UPDATE profiles SET photo_count = GREATEST(photo_count - 1, 0) WHERE user_id = $1',
        [ownerId],
      );
      return true;
    });
  }

  /** Sets photo_count to the ledger's live rows: the ledger is the source of truth for the count. */
  async recount(ownerId: string): Promise<void> {
    await this.transaction(async (client) => {
      await lockUser(client, ownerId);
      await client.query(
        `UPDATE profiles
            SET photo_count = (SELECT count(*)::int FROM counted_photos WHERE user_id = $1 AND removed_at IS NULL)
          WHERE user_id = $1`,
        [ownerId],
      );
    });
  }

  private async query<T extends object>(pool: Pool, sql: string, params: unknown[]): Promise<T[]> {
    try {
      const result = await pool.query<T>(sql, params);
      return result.rows;
    } catch (error) {
      throw classify(error);
    }
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classify(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = isDatabaseUnavailable(error);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      throw classify(error);
    } finally {
      // A connection that failed mid-transaction is discarded rather than reused.
      client.release(broken);
    }
  }
}

/** Serializes ledger and profile writes of one user (see upsert's initial count). */
async function lockUser(client: PoolClient, userId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
}

function classify(error: unknown): unknown {
  return isDatabaseUnavailable(error) ? new DependencyUnavailableError(DEPENDENCY, { cause: error }) : error;
}
