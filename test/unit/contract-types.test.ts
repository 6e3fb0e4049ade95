/**
 * The compile-time guarantees of the contract, checked by `npm run typecheck`: each
 * `@ts-expect-error` below fails the type check if the line it marks stops being an error, so
 * loosening a type (a Partial, an index signature) is caught. The runtime assertions only keep
 * Jest content.
 */
import type { EnvironmentGroup, VariablesOf } from '../../contract/environment';
import type { RouteHandlers } from '../../lambda/shared/routing';
import type { EnvironmentBindings } from '../../lib/constructs/app-function';
import type { FUNCTIONS } from '../../contract/functions';

type Ok = { readonly status: 200; readonly body: { status: 'ok' } };
const answer = (): Promise<Ok> => Promise.resolve({ status: 200, body: { status: 'ok' } });

describe('contract types', () => {
  it('require a handler for every route of a function, and no other', () => {
    // @ts-expect-error a route of the function without its handler
    const missing: RouteHandlers<'profilesApi'> = { 'GET /me': () => Promise.reject(new Error()) };
    const extra: RouteHandlers<'health'> = {
      'GET /health': answer,
      // @ts-expect-error a handler for a route the table gives another function
      'GET /me': answer,
    };
    const wrongStatus: RouteHandlers<'health'> = {
      // @ts-expect-error an answer with a status the route does not declare
      'GET /health': () => Promise.resolve({ status: 201, body: { status: 'ok' } }),
    };
    expect([missing, extra, wrongStatus]).toHaveLength(3);
  });

  it('require a binding for every environment group of a function, and no other', () => {
    // @ts-expect-error photosApi reads three groups
    const missing: EnvironmentBindings<typeof FUNCTIONS.photosApi> = {
      photoTable: { environment: { TABLE_NAME: 't', FEED_SHARDS: '1', FEED_READ_LEGACY_PARTITION: 'false' } },
    };
    const extra: EnvironmentBindings<typeof FUNCTIONS.uploadComplete> = {
      photoTable: { environment: { TABLE_NAME: 't', FEED_SHARDS: '1', FEED_READ_LEGACY_PARTITION: 'false' } },
      photoBucket: { environment: { BUCKET_NAME: 'b' } },
      // @ts-expect-error upload-complete does not read the cache group
      cache: { environment: { CACHE_HOST: 'h', CACHE_PORT: '1', CACHE_TLS: 'true' } },
    };
    const incomplete: EnvironmentBindings<typeof FUNCTIONS.uploadComplete> = {
      // @ts-expect-error a group's required variable left out
      photoTable: { environment: {} },
      photoBucket: { environment: { BUCKET_NAME: 'b' } },
    };
    expect([missing, extra, incomplete]).toHaveLength(3);
  });

  it('require every declared variable where all functions are hosted (local server, benchmark)', () => {
    // @ts-expect-error the local environment without the cache's variables
    const local: VariablesOf<EnvironmentGroup> = { TABLE_NAME: 't' };
    expect(local).toBeDefined();
  });
});
