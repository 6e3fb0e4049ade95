/**
 * The table, bucket and database that `npm run dev` creates; the load run's checks read them too.
 * Apart from dev-server.ts, whose imports (the token issuer's jose is ESM only) Jest cannot load.
 */
import type { LocalAppNames } from './local-app';

export const DEV_SERVER_NAMES: LocalAppNames = {
  tableName: 'photos',
  bucketName: 'photos-local',
  databaseName: 'photos',
};
