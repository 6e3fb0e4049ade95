/**
 * The dev server's stand-in for API Gateway: real HTTP requests in, the payload 2.0 events that the
 * handlers receive, and their results written back as API Gateway does.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import {
  httpApiEvent,
  matchRoute,
  readBody,
  sendGatewayError,
  sendLambdaResult,
} from '../../scripts/local/http-api';
import type { ApiRoute } from '../../scripts/local/http-api';

const route = (routeKey: string): ApiRoute => ({
  routeKey,
  functionName: 'test',
  handler: () => Promise.resolve(undefined),
  authorization: 'JWT',
});
const routes = ['GET /photos/{photoId}', 'GET /users/{userId}/photos', 'PUT /me', 'GET /feed'].map(route);

let server: Server;
let base = '';
let lastEvent: APIGatewayProxyEventV2WithJWTAuthorizer | undefined;
let nextResult: unknown;

beforeAll(async () => {
  server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const matched = matchRoute(routes, request.method ?? 'GET', path);
      if (!matched) return sendGatewayError(response, 404, 'Not Found', 'request-id');
      lastEvent = httpApiEvent({
        request,
        body,
        matched,
        claims: { sub: 'alice' },
        requestId: 'request-id',
        receivedAt: new Date(Date.UTC(2026, 10, 23, 19, 5, 9)),
      });
      sendLambdaResult(response, nextResult, 'request-id');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  lastEvent = undefined;
  nextResult = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
});

describe('local HTTP API', () => {
  it('matches routes by method and path template, decoding path parameters', () => {
    expect(matchRoute(routes, 'GET', '/users/a%2Db/photos')).toMatchObject({
      route: { routeKey: 'GET /users/{userId}/photos' },
      pathParameters: { userId: 'a-b' },
    });
    expect(matchRoute(routes, 'DELETE', '/photos/x')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/photos/')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/feed/')).toBeUndefined();
  });

  it('builds the payload 2.0 event: route key, parameters, lower-cased headers, claims', async () => {
    await fetch(`${base}/users/bob/photos?limit=5&tag=a&tag=b`, { headers: { 'X-Custom': 'Yes' } });
    expect(lastEvent).toMatchObject({
      version: '2.0',
      routeKey: 'GET /users/{userId}/photos',
      rawPath: '/users/bob/photos',
      rawQueryString: 'limit=5&tag=a&tag=b',
      queryStringParameters: { limit: '5', tag: 'a,b' },
      pathParameters: { userId: 'bob' },
      headers: { 'x-custom': 'Yes' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /users/{userId}/photos',
        stage: '$default',
        requestId: 'request-id',
        time: '23/Nov/2026:19:05:09 +0000',
        http: { method: 'GET', path: '/users/bob/photos' },
        authorizer: { jwt: { claims: { sub: 'alice' } } },
      },
    });
    expect(lastEvent).not.toHaveProperty('body');
  });

  it('passes JSON bodies as text and other bodies base64-encoded', async () => {
    await fetch(`${base}/me`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"displayName":"A"}',
    });
    expect(lastEvent).toMatchObject({ body: '{"displayName":"A"}', isBase64Encoded: false });

    await fetch(`${base}/me`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(lastEvent).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
  });

  it("writes the handler's structured result, base64 bodies decoded, and API Gateway's 404", async () => {
    nextResult = {
      statusCode: 201,
      headers: { 'content-type': 'image/png', 'x-count': 3 },
      body: Buffer.from([9, 8]).toString('base64'),
      isBase64Encoded: true,
    };
    const created = await fetch(`${base}/feed`);
    expect(created.status).toBe(201);
    expect(created.headers.get('x-count')).toBe('3');
    expect(Buffer.from(await created.arrayBuffer())).toEqual(Buffer.from([9, 8]));

    nextResult = { items: [] };
    const inferred = await fetch(`${base}/feed`);
    expect(inferred.status).toBe(200);
    expect(await inferred.json()).toEqual({ items: [] });

    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Not Found' });
  });
});
