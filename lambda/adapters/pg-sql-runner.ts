/**
 * SqlRunner over a `pg` connection: runs the same migrations as the Data API adapter against a
 * local PostgreSQL (tests, local development). Binds `:name` placeholders as `$n` parameters.
 */
import type { Client, Pool, PoolClient } from 'pg';
import type { SqlRunner, SqlValue } from '../domain/schema-migrations';

type Queryable = Pick<Client, 'query'>;

export function toPositional(
  sql: string,
  params: Record<string, SqlValue> = {},
): { text: string; values: SqlValue[] } {
  const values: SqlValue[] = [];
  const positions = new Map<string, number>();
  // `::type` casts and names that are not parameters are left alone.
  const text = sql.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string) => {
    if (!(name in params)) return match;
    let position = positions.get(name);
    if (position === undefined) {
      values.push(params[name]);
      position = values.length;
      positions.set(name, position);
    }
    return `$${position}`;
  });
  return { text, values };
}

async function run(
  target: Queryable,
  sql: string,
  params?: Record<string, SqlValue>,
): Promise<Record<string, SqlValue>[]> {
  const { text, values } = toPositional(sql, params);
  const result = await target.query<Record<string, SqlValue>>(text, values);
  return result.rows ?? [];
}

export class PgSqlRunner implements SqlRunner {
  constructor(private readonly pool: Pool) {}

  execute(sql: string, params?: Record<string, SqlValue>): Promise<Record<string, SqlValue>[]> {
    return run(this.pool, sql, params);
  }

  async transaction<T>(work: (tx: Pick<SqlRunner, 'execute'>) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({ execute: (sql, params) => run(client, sql, params) });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
