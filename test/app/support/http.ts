/**
 * Builders for HTTP API (payload v2.0) events as API Gateway sends them after the JWT authorizer,
 * and `invoke`, which checks every result against the OpenAPI document (test/support/contract.ts).
 */
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { localLambdaContext } from '../../../scripts/local/lambda-context';
import { assertMatchesContract } from '../../support/contract';

export const lambdaContext = localLambdaContext('test', { requestId: 'test-request' });

export interface EventOptions {
  /** The verified `sub`; null for a request without identity. */
  readonly caller?: string | null;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
}

export function httpEvent(
  routeKey: string,
  options: EventOptions = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method, path] = routeKey.split(' ') as [string, string];
  const rawPath = Object.entries(options.pathParameters ?? {}).reduce(
    (result, [name, value]) => result.replace(`{${name}}`, value),
    path,
  );
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const caller = options.caller === undefined ? 'test-user' : options.caller;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request',
      routeKey,
      stage: '$default',
      time: '23/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: caller === null ? {} : { sub: caller }, scopes: [] },
      },
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

type HttpHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;

export interface ParsedResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, unknown>;
  readonly body?: string;
  readonly json: any;
}

export interface ListedPhoto {
  readonly photoId: string;
  readonly ownerId: string;
  readonly status: string;
  readonly createdAt: string;
}

/** The `items` of a listing response. */
export function listedPhotos(response: ParsedResponse): ListedPhoto[] {
  return (response.json as { items: ListedPhoto[] }).items;
}

export async function invoke(
  handler: HttpHandler,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<ParsedResponse> {
  const response = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const body = response.body;
  const parsed = {
    statusCode: response.statusCode ?? 200,
    ...(response.headers ? { headers: response.headers } : {}),
    ...(body === undefined ? {} : { body }),
  };
  // Every answer a test receives must be one the published contract allows.
  assertMatchesContract(event.routeKey, parsed);
  return { ...parsed, json: body ? JSON.parse(body) : undefined };
}
