/** PostgreSQL connections for tests: as the handlers connect (app_user), and throwaway databases. */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createDatabasePool } from '../../../lambda/adapters/profile-database';
import { APP_DB_USER, PG_ADMIN_PASSWORD, PG_ADMIN_USER, adminClient } from '../../../scripts/local/engines';

const port = (): number => Number(process.env.DB_PORT);

/** A pool like the handlers' (app_user, same settings), on the test database. */
export function appUserPool(): Pool {
  return createDatabasePool({
    host: '127.0.0.1',
    port: port(),
    database: process.env.DB_NAME as string,
    user: APP_DB_USER,
    tls: false,
    region: 'us-east-1',
  });
}

export interface ScratchDatabase {
  /** A new admin pool on the database; each caller gets its own connections. */
  pool(): Pool;
  drop(): Promise<void>;
}

/** An empty database of its own, for tests that run migrations. */
export async function scratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = adminClient(port(), 'postgres');
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pools: Pool[] = [];
  return {
    pool: () => {
      const pool = new Pool({
        host: '127.0.0.1',
        port: port(),
        user: PG_ADMIN_USER,
        password: PG_ADMIN_PASSWORD,
        database: name,
        max: 2,
      });
      pools.push(pool);
      return pool;
    },
    drop: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      const cleanup = adminClient(port(), 'postgres');
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name}`);
      await cleanup.end();
    },
  };
}
