/**
 * Starts the real engines once for the app test project and publishes their endpoints through
 * environment variables, which the handler modules read exactly as they do in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PgSqlRunner } from '../../../lambda/adapters/pg-sql-runner';
import { applyMigrations } from '../../../lambda/domain/schema-migrations';
import { migrations } from '../../../lambda/migrations';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  PG_ADMIN_PASSWORD,
  PG_ADMIN_USER,
  createPhotoTable,
  startLocalEngines,
} from '../../../scripts/local/engines';
import type { LocalEngines } from '../../../scripts/local/engines';

export const TABLE_NAME = 'photos-test';
export const BUCKET_NAME = 'photos-test-bucket';
export const DB_NAME = 'photos';

declare global {
  var __PHOTO_ENGINES__: LocalEngines | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const engines = await startLocalEngines({ bucketNames: [BUCKET_NAME], databases: [DB_NAME] });
  globalThis.__PHOTO_ENGINES__ = engines;
  try {
    await createPhotoTable(engines.dynamoDb.endpoint, TABLE_NAME);
    const pool = new Pool({
      host: '127.0.0.1',
      port: engines.postgres.port,
      user: PG_ADMIN_USER,
      password: PG_ADMIN_PASSWORD,
      database: DB_NAME,
    });
    try {
      await applyMigrations(new PgSqlRunner(pool), migrations);
    } finally {
      await pool.end();
    }
  } catch (error) {
    await engines.stop();
    throw error;
  }

  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoDb.endpoint,
    AWS_ENDPOINT_URL_S3: engines.s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    TABLE_NAME,
    BUCKET_NAME,
    UPLOAD_URL_EXPIRY_SECONDS: '300',
    PENDING_UPLOAD_TTL_SECONDS: '3600',
    DOWNLOAD_URL_EXPIRY_SECONDS: '120',
    DB_HOST: '127.0.0.1',
    DB_PORT: String(engines.postgres.port),
    DB_NAME,
    DB_USER: 'app_user',
    DB_TLS: 'false',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(engines.redis.port),
    REDIS_TLS: 'false',
    CACHE_TTL_SECONDS: '300',
    TEST_PG_DATA_DIR: engines.postgres.dataDir,
    APP_TEST_RUN_ID: randomUUID(),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  process.stdout.write(`\nLocal engines ready in ${Date.now() - started} ms\n`);
}
