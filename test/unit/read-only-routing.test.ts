import { ROUTE_KEYS, ROUTES, methodOf, type RouteKey } from '../../contract/routes';
import type { FunctionKey } from '../../contract/functions';
import { readGroup } from '../../lambda/shared/env';
import { routeHandler, type RouteHandlers } from '../../lambda/shared/routing';
import { localLambdaContext } from '../../scripts/local/lambda-context';
import { httpEvent } from '../app/support/http';

/** Handlers that record the route they were called for and answer 204. */
function recordingHandlers<F extends FunctionKey>(functionKey: F, called: RouteKey[]): RouteHandlers<F> {
  return Object.fromEntries(
    ROUTE_KEYS.filter((key) => ROUTES[key].function === functionKey).map((key) => [
      key,
      () => {
        called.push(key);
        return Promise.resolve({ status: 204 });
      },
    ]),
  ) as unknown as RouteHandlers<F>;
}

// Valid ids: a Cognito sub and a version 4 UUID.
const PATHS: Record<string, string> = {
  userId: '11111111-2222-4333-8444-555555555555',
  photoId: '66666666-7777-4888-9999-aaaaaaaaaaaa',
};
const eventFor = (key: RouteKey) =>
  httpEvent(key, {
    pathParameters: Object.fromEntries(
      [...key.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, PATHS[name] ?? 'x']),
    ),
    // A valid body of any write route is beside the point: the refusal comes first.
    body: methodOf(key) === 'GET' ? undefined : {},
  });

const API_FUNCTIONS = [...new Set(ROUTE_KEYS.map((key) => ROUTES[key].function))].filter(
  (f) => f !== 'health',
);
const WRITES = ROUTE_KEYS.filter((key) => methodOf(key) !== 'GET');

describe('a standby Region (READ_ONLY)', () => {
  it.each(WRITES)('answers %s with 503 before its handler runs', async (key) => {
    const called: RouteKey[] = [];
    const handler = routeHandler(ROUTES[key].function, recordingHandlers(ROUTES[key].function, called), {
      readOnly: true,
    });
    const response = await handler(eventFor(key), localLambdaContext('test'));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('standby') },
    });
    expect(called).toEqual([]);
  });

  it.each(API_FUNCTIONS)('passes every GET of %s on to its handler', async (functionKey) => {
    const reads = ROUTE_KEYS.filter((key) => ROUTES[key].function === functionKey && methodOf(key) === 'GET');
    expect(reads.length).toBeGreaterThan(0);
    const called: RouteKey[] = [];
    const handler = routeHandler(functionKey, recordingHandlers(functionKey, called), { readOnly: true });
    for (const key of reads) {
      expect((await handler(eventFor(key), localLambdaContext('test'))).statusCode).toBe(204);
    }
    expect(called).toEqual(reads);
  });

  it('lets every write through where the Region serves writes (no READ_ONLY)', async () => {
    for (const key of WRITES) {
      const called: RouteKey[] = [];
      const functionKey = ROUTES[key].function;
      const handler = routeHandler(functionKey, recordingHandlers(functionKey, called));
      const response = await handler(eventFor(key), localLambdaContext('test'));
      expect([key, response.statusCode]).not.toEqual([key, 503]);
    }
  });

  it('reads READ_ONLY as a flag that is off when absent', () => {
    expect(readGroup('serving', {}).READ_ONLY).toBe(false);
    expect(readGroup('serving', { READ_ONLY: 'true' }).READ_ONLY).toBe(true);
  });
});
