/**
 * Versioned schema migrations, applied in order, each once, through a SqlRunner. The same runner
 * interface is implemented by the RDS Data API adapter (deploy time) and by a `pg` adapter (local
 * engines and tests), so the code path that runs in AWS is the one the tests exercise.
 */
export type SqlValue = string | number | boolean | null;

export interface SqlRunner {
  /** Runs one statement; `:name` placeholders are bound from params. */
  execute(sql: string, params?: Record<string, SqlValue>): Promise<Record<string, SqlValue>[]>;
  /** Runs work in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Pick<SqlRunner, 'execute'>) => Promise<T>): Promise<T>;
}

export interface Migration {
  /** Sortable, unique, never changed once released (e.g. "0001-create-profiles"). */
  readonly id: string;
  /** Statements run in one transaction, in order. One statement per entry (the Data API needs it). */
  readonly sql: readonly string[];
}

export interface MigrationReport {
  readonly applied: string[];
  readonly alreadyApplied: string[];
  readonly latest?: string;
}

const MIGRATION_ID = /^\d{4}-[a-z0-9-]+$/;
// An arbitrary, fixed key: concurrent deployments wait for each other instead of racing.
const MIGRATION_LOCK_KEY = 746_283_001;

export function validateMigrations(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  let previous = '';
  for (const migration of migrations) {
    if (!MIGRATION_ID.test(migration.id)) throw new Error(`Invalid migration id "${migration.id}"`);
    if (seen.has(migration.id)) throw new Error(`Duplicate migration id "${migration.id}"`);
    if (migration.id <= previous) throw new Error(`Migration "${migration.id}" is out of order`);
    if (migration.sql.length === 0) throw new Error(`Migration "${migration.id}" has no statements`);
    seen.add(migration.id);
    previous = migration.id;
  }
}

export async function applyMigrations(
  runner: SqlRunner,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  validateMigrations(migrations);
  await runner.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       id text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const migration of migrations) {
    const didApply = await runner.transaction(async (tx) => {
      await tx.execute('SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(:key)) AS lock', {
        key: MIGRATION_LOCK_KEY,
      });
      const existing = await tx.execute('SELECT id FROM schema_migrations WHERE id = :id', {
        id: migration.id,
      });
      if (existing.length > 0) return false;
      for (const statement of migration.sql) await tx.execute(statement);
      await tx.execute('INSERT INTO schema_migrations (id) VALUES (:id)', { id: migration.id });
      return true;
    });
    (didApply ? applied : alreadyApplied).push(migration.id);
  }
  const latest = migrations.at(-1)?.id;
  return { applied, alreadyApplied, ...(latest ? { latest } : {}) };
}
