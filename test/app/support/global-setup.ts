/**
 * Starts the real engines once for the app test project and publishes their endpoints through
 * environment variables, which the handler modules read exactly as they do in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { startLocalEngines } from '../../../scripts/local/engines';
import type { LocalEngines } from '../../../scripts/local/engines';
import { handlerEnvironment, prepareStores } from '../../../scripts/local/local-app';
import type { LocalAppNames } from '../../../scripts/local/local-app';

export const TABLE_NAME = 'photos-test';
export const BUCKET_NAME = 'photos-test-bucket';
export const DB_NAME = 'photos';

declare global {
  var __PHOTO_ENGINES__: LocalEngines | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const names: LocalAppNames = { tableName: TABLE_NAME, bucketName: BUCKET_NAME, databaseName: DB_NAME };
  const engines = await startLocalEngines({ bucketNames: [BUCKET_NAME], databases: [DB_NAME] });
  globalThis.__PHOTO_ENGINES__ = engines;
  try {
    await prepareStores(engines, names);
  } catch (error) {
    await engines.stop();
    throw error;
  }

  Object.assign(process.env, {
    ...handlerEnvironment(engines, names),
    TEST_PG_DATA_DIR: engines.postgres.dataDir,
    // For the hang tests, which freeze this process (Redis and PostgreSQL tell their own PIDs).
    TEST_DYNAMODB_PID: String(engines.dynamoDb.pid ?? ''),
    APP_TEST_RUN_ID: randomUUID(),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  process.stdout.write(`\nLocal engines ready in ${Date.now() - started} ms\n`);
}
