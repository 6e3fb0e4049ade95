/**
 * Schema migrations through the SqlRunner interface (the pg implementation; the Data API one is
 * unit-tested in data-api-sql-runner.test.ts): an empty database, then the same run again.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PgSqlRunner, toPositional } from '../../lambda/adapters/pg-sql-runner';
import { applyMigrations, validateMigrations } from '../../lambda/domain/schema-migrations';
import type { Migration } from '../../lambda/domain/schema-migrations';
import { migrations } from '../../lambda/migrations';
import { PG_ADMIN_PASSWORD, PG_ADMIN_USER, adminClient } from '../../scripts/local/engines';

const port = Number(process.env.DB_PORT);
const database = `migrations_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let pool: Pool;

beforeAll(async () => {
  const admin = adminClient(port, 'postgres');
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  pool = new Pool({
    host: '127.0.0.1',
    port,
    user: PG_ADMIN_USER,
    password: PG_ADMIN_PASSWORD,
    database,
    max: 2,
  });
});

afterAll(async () => {
  await pool.end();
  const admin = adminClient(port, 'postgres');
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.end();
});

async function schema(): Promise<unknown> {
  const [columns, applied, grants] = await Promise.all([
    pool.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    ),
    pool.query('SELECT id, applied_at FROM schema_migrations ORDER BY id'),
    pool.query(
      `SELECT table_name, privilege_type FROM information_schema.role_table_grants
       WHERE grantee = 'app_user' ORDER BY table_name, privilege_type`,
    ),
  ]);
  return { columns: columns.rows, applied: applied.rows, grants: grants.rows };
}

describe('schema migrations', () => {
  it('applies every migration to an empty database, in order, once', async () => {
    const tables = await pool.query(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows[0].n).toBe(0);

    const first = await applyMigrations(new PgSqlRunner(pool), migrations);
    expect(first.applied).toEqual(migrations.map((migration) => migration.id));
    expect(first.alreadyApplied).toEqual([]);
    expect(first.latest).toBe('0002-create-app-user');

    const state = (await schema()) as { applied: { id: string }[]; grants: unknown[] };
    expect(state.applied.map((row) => row.id)).toEqual(['0001-create-profiles', '0002-create-app-user']);
    // app_user gets exactly what the handlers need: no DELETE, no TRUNCATE, no DDL.
    expect(state.grants).toEqual([
      { table_name: 'counted_photos', privilege_type: 'INSERT' },
      { table_name: 'counted_photos', privilege_type: 'SELECT' },
      { table_name: 'counted_photos', privilege_type: 'UPDATE' },
      { table_name: 'profiles', privilege_type: 'INSERT' },
      { table_name: 'profiles', privilege_type: 'SELECT' },
      { table_name: 'profiles', privilege_type: 'UPDATE' },
    ]);
    const role = await pool.query(
      "SELECT rolcanlogin, rolpassword IS NULL AS no_password FROM pg_authid WHERE rolname = 'app_user'",
    );
    expect(role.rows).toEqual([{ rolcanlogin: true, no_password: true }]);

    const second = await applyMigrations(new PgSqlRunner(pool), migrations);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(migrations.map((migration) => migration.id));
    expect(await schema()).toEqual(state);
  });

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    const broken: Migration = {
      id: '9999-broken',
      sql: ['CREATE TABLE half_done (id int)', 'SELECT * FROM no_such_table'],
    };
    await expect(applyMigrations(new PgSqlRunner(pool), [...migrations, broken])).rejects.toThrow(
      /no_such_table/,
    );
    const leftovers = await pool.query("SELECT to_regclass('public.half_done') AS t");
    expect(leftovers.rows[0].t).toBeNull();
    const recorded = await pool.query("SELECT id FROM schema_migrations WHERE id = '9999-broken'");
    expect(recorded.rows).toEqual([]);
  });

  it('refuses duplicate, unordered or malformed migration lists before touching the database', () => {
    const one = { id: '0001-a', sql: ['SELECT 1'] };
    expect(() => validateMigrations([one, one])).toThrow(/Duplicate/);
    expect(() => validateMigrations([{ id: '0002-b', sql: ['SELECT 1'] }, one])).toThrow(/out of order/);
    expect(() => validateMigrations([{ id: 'latest', sql: ['SELECT 1'] }])).toThrow(/Invalid/);
    expect(() => validateMigrations([{ id: '0003-empty', sql: [] }])).toThrow(/no statements/);
  });

  it('binds :name placeholders as positional parameters, leaving casts alone', () => {
    expect(toPositional('SELECT :a::text, :b, :a, :missing', { a: 'x', b: 2 })).toEqual({
      text: 'SELECT $1::text, $2, $1, :missing',
      values: ['x', 2],
    });
  });
});
