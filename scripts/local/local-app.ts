/**
 * What the handlers need around the engines, shared by the app tests and the local dev server:
 * the table, the bucket and the database schema (the real migrations through the pg SqlRunner),
 * and the environment variables the handler modules read at import time, as in Lambda.
 */
import { Pool } from 'pg';
import { APP_METRICS_NAMESPACE } from '../../lib/app-metrics';
import { PgSqlRunner } from '../../lambda/adapters/pg-sql-runner';
import { applyMigrations } from '../../lambda/domain/schema-migrations';
import { migrations } from '../../lambda/migrations';
import {
  APP_DB_USER,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  PG_ADMIN_PASSWORD,
  PG_ADMIN_USER,
  createPhotoTable,
} from './engines';
import type { LocalEngines } from './engines';
import type { EnvironmentGroup, VariablesOf } from '../../contract/environment';

export interface LocalAppNames {
  readonly tableName: string;
  readonly bucketName: string;
  readonly databaseName: string;
}

/** Creates the table (the bucket comes with s3rver) and applies the migrations; both idempotent. */
export async function prepareStores(engines: LocalEngines, names: LocalAppNames): Promise<void> {
  await createPhotoTable(engines.dynamoDb.endpoint, names.tableName);
  const pool = new Pool({
    host: '127.0.0.1',
    port: engines.postgres.port,
    user: PG_ADMIN_USER,
    password: PG_ADMIN_PASSWORD,
    database: names.databaseName,
  });
  try {
    await applyMigrations(new PgSqlRunner(pool), migrations);
  } finally {
    await pool.end();
  }
}

/**
 * What every handler reads (contract/environment.ts), pointing at the local engines; the type
 * requires each declared variable, so a variable added to the contract must be set here too.
 */
export function appVariables(engines: LocalEngines, names: LocalAppNames): VariablesOf<EnvironmentGroup> {
  return {
    TABLE_NAME: names.tableName,
    // More than one shard, so that local runs and the app tests merge shards as prod does, and the
    // unsharded partition too, which a table kept from before the shards (--data) still uses.
    FEED_SHARDS: '4',
    FEED_READ_LEGACY_PARTITION: 'true',
    BUCKET_NAME: names.bucketName,
    S3_FORCE_PATH_STYLE: 'true',
    UPLOAD_URL_EXPIRY_SECONDS: '300',
    PENDING_UPLOAD_TTL_SECONDS: '3600',
    DOWNLOAD_URL_EXPIRY_SECONDS: '120',
    MAX_PENDING_UPLOADS_PER_USER: '20',
    DB_HOST: '127.0.0.1',
    // The one local PostgreSQL stands in for the writer and the readers.
    DB_READER_HOST: '127.0.0.1',
    DB_PORT: String(engines.postgres.port),
    DB_NAME: names.databaseName,
    DB_USER: APP_DB_USER,
    DB_TLS: 'false',
    CACHE_HOST: '127.0.0.1',
    CACHE_PORT: String(engines.redis.port),
    CACHE_TLS: 'false',
    CACHE_TTL_SECONDS: '300',
    // The Data API has no local engine: the migrations run through pg here (prepareStores).
    DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:000000000000:cluster:local',
    DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:local',
  };
}

/** The handlers' environment as Lambda gives it: the app's variables plus the runtime's and Powertools'. */
export function handlerEnvironment(engines: LocalEngines, names: LocalAppNames): Record<string, string> {
  return {
    ...appVariables(engines, names),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoDb.endpoint,
    AWS_ENDPOINT_URL_S3: engines.s3.endpoint,
    // As AppFunction sets them in Lambda. One process hosts every handler here (dev server, app
    // tests) and Powertools reads the service name once, so they share one local service name.
    POWERTOOLS_SERVICE_NAME: 'photo-app-local',
    POWERTOOLS_METRICS_NAMESPACE: APP_METRICS_NAMESPACE,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
}
