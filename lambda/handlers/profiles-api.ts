/** Profile routes: GET /me, PUT /me, GET /users/{userId}. */
import { createDatabasePool, PostgresProfileStore } from '../adapters/profile-database';
import { createProfileCache } from '../adapters/profile-cache';
import { parseUserId } from '../domain/identifiers';
import { ProfileService } from '../domain/profile-service';
import { parseProfileInput } from '../domain/profiles';
import { awsConfig, cacheConfig, databaseConfig } from '../shared/env';
import type { HttpEvent, HttpResult } from '../shared/http';
import { callerId, json, notFoundRoute, parseJsonBody, respond } from '../shared/http';
import { instrument } from '../shared/powertools';

const aws = awsConfig();
const database = databaseConfig();
const cache = cacheConfig();

// Timeout 10 s. A hung Redis costs at most 0.8 s per request (CACHE_DEADLINE), then the database
// answers. A hung database fails the statement in flight: at most 2 s to connect + 1.5 s
// (DATABASE_DEADLINE), so 4.3 s with the cache. Even a slow database that answers every statement
// just in time stays inside: PUT /me is a connect and four statements, 2 + 4 × 1.5 + 0.8 = 8.8 s.
const pool = createDatabasePool({ ...database, region: aws.region });
const store = new PostgresProfileStore(pool);
const profileCache = createProfileCache(cache, aws.region);
const profiles = new ProfileService(store, profileCache);

async function route(event: HttpEvent): Promise<HttpResult> {
  const caller = callerId(event);
  switch (event.routeKey) {
    case 'GET /me':
      return json(200, await profiles.getOwnProfile(caller));
    case 'PUT /me':
      return json(200, await profiles.putOwnProfile(caller, parseProfileInput(parseJsonBody(event))));
    case 'GET /users/{userId}':
      return json(200, await profiles.getPublicProfile(parseUserId(event.pathParameters?.userId)));
    default:
      return notFoundRoute();
  }
}

export const handler = instrument('profiles-api', (event: HttpEvent) => respond(() => route(event)));

/** Closes the module's connections (local dev server and tests; Lambda never needs it). */
export async function dispose(): Promise<void> {
  await Promise.all([profileCache.close(), pool.end()]);
}
