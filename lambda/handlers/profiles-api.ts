/** Profile routes (contract/routes.ts: the profilesApi rows): GET /me, PUT /me, GET /users/{userId}. */
import { createDatabasePool, PostgresProfileStore } from '../adapters/profile-database';
import { createProfileCache } from '../adapters/profile-cache';
import { FUNCTIONS } from '../../contract/functions';
import { ProfileService } from '../domain/profile-service';
import { toProfileInput } from '../domain/profiles';
import { awsConfig, cacheConfig, databaseConfig, environmentOf, servingConfig } from '../shared/env';
import { routeHandler } from '../shared/routing';

const env = environmentOf(FUNCTIONS.profilesApi);
const aws = awsConfig();

// Timeout 10 s. A hung cache costs at most 0.8 s per request (CACHE_DEADLINE), then the database
// answers. A hung database fails the statement in flight: at most 2 s to connect + 1.5 s
// (DATABASE_DEADLINE), so 4.3 s with the cache. Even a slow database that answers every statement
// just in time stays inside: PUT /me is a connect and four statements, 2 + 4 × 1.5 + 0.8 = 8.8 s.
const database = { ...databaseConfig(env.database), region: aws.region };
const serving = servingConfig(env.serving);
// Public profile reads on a cache miss; the same deadlines, IAM sign-in and TLS, another host.
const readerPool = createDatabasePool({ ...database, host: database.readerHost });
// A standby Region's cluster has no writer (an Aurora secondary): every read goes to the readers,
// and the routes refuse writes before any statement.
const pool = serving.readOnly ? readerPool : createDatabasePool(database);
const store = new PostgresProfileStore(pool, readerPool);
const profileCache = createProfileCache(cacheConfig(env.cache, env.profileCaching), aws.region);
const profiles = new ProfileService(store, profileCache);

export const handler = routeHandler(
  'profilesApi',
  {
    'GET /me': async ({ caller }) => ({ status: 200, body: await profiles.getOwnProfile(caller) }),
    'PUT /me': async ({ caller, body }) => ({
      status: 200,
      body: await profiles.putOwnProfile(caller, toProfileInput(body)),
    }),
    'GET /users/{userId}': async ({ path }) => ({
      status: 200,
      body: await profiles.getPublicProfile(path.userId),
    }),
  },
  serving,
);

/** Closes the module's connections (local dev server and tests; Lambda never needs it). */
export async function dispose(): Promise<void> {
  await Promise.all([profileCache.close(), ...[...new Set([pool, readerPool])].map((p) => p.end())]);
}
