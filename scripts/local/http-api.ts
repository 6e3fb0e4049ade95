/**
 * The part of API Gateway (HTTP API, payload format 2.0) that the local dev server needs: route
 * matching, the event a Lambda integration receives, the mapping of its result to the HTTP
 * response, and API Gateway's own error answers ({"message": ...}).
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { FUNCTIONS } from '../../contract/functions';
import { ROUTES, ROUTE_KEYS, type RouteKey } from '../../contract/routes';

export type ApiHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<unknown>;

export interface ApiRoute {
  /** As in the API: `GET /photos/{photoId}`. */
  readonly routeKey: string;
  /** Only for logs and the Lambda context. */
  readonly functionName: string;
  readonly handler: ApiHandler;
  /** JWT routes answer 401 without a valid bearer token, as the authorizer does. */
  readonly authorization: 'NONE' | 'JWT';
}

/** The functions that answer routes. */
export type RouteFunctionKey = (typeof ROUTES)[RouteKey]['function'];

/** The route table (contract/routes.ts) with each route's handler. */
export function apiRoutes(handlers: Readonly<Record<RouteFunctionKey, ApiHandler>>): ApiRoute[] {
  return ROUTE_KEYS.map((routeKey) => {
    const route = ROUTES[routeKey];
    return {
      routeKey,
      functionName: FUNCTIONS[route.function].name,
      handler: handlers[route.function],
      authorization: route.auth === 'jwt' ? 'JWT' : 'NONE',
    };
  });
}

export interface MatchedRoute {
  readonly route: ApiRoute;
  readonly pathParameters: Record<string, string>;
}

/** API Gateway's limit on request payloads. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export class PayloadTooLargeError extends Error {}

/** Matches the method and the raw path against the routes' templates; parameters are URL-decoded. */
export function matchRoute(
  routes: readonly ApiRoute[],
  method: string,
  rawPath: string,
): MatchedRoute | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const route of routes) {
    const [routeMethod, template] = route.routeKey.split(' ') as [string, string];
    if (routeMethod !== method) continue;
    const parts = template.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = parts.every((part, index) => {
      const segment = segments[index] ?? '';
      const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
      if (parameter === undefined) return part === segment;
      if (segment === '') return false;
      try {
        pathParameters[parameter] = decodeURIComponent(segment);
      } catch {
        pathParameters[parameter] = segment;
      }
      return true;
    });
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/** Reads the whole body, refusing more than API Gateway accepts. */
export async function readBody(request: IncomingMessage, maxBytes = MAX_PAYLOAD_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** API Gateway passes these content types as text and everything else base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

function singleValues(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return result;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** requestContext.time's format: 23/Nov/2026:19:35:00 +0000. */
function requestTime(date: Date): string {
  const two = (value: number): string => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

export interface EventInput {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  readonly matched: MatchedRoute;
  /** The verified token's claims; empty for routes without authorization. */
  readonly claims: Record<string, string>;
  readonly requestId: string;
  readonly receivedAt: Date;
}

/** The payload 2.0 event API Gateway sends to a Lambda integration after the JWT authorizer. */
export function httpApiEvent(input: EventInput): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { request, body, matched } = input;
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = singleValues(request.headers);
  const cookies = headers.cookie?.split(';').map((cookie) => cookie.trim());
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const textual = isTextual(headers['content-type']);
  const host = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey: matched.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(matched.pathParameters).length > 0 ? { pathParameters: matched.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: matched.route.routeKey,
      stage: '$default',
      time: requestTime(input.receivedAt),
      timeEpoch: input.receivedAt.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: input.claims, scopes: [] } },
    },
    ...(body.byteLength > 0
      ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual }
      : { isBase64Encoded: false }),
  };
}

/** API Gateway's own answers (authorizer, routing, integration failures). */
export function sendGatewayError(
  response: ServerResponse,
  statusCode: number,
  message: string,
  requestId: string,
): void {
  const body = JSON.stringify({ message });
  response.writeHead(statusCode, { 'content-type': 'application/json', 'apigw-requestid': requestId });
  response.end(body);
}

/**
 * Writes a Lambda result as API Gateway does for payload 2.0: a structured result (statusCode,
 * headers, cookies, body, isBase64Encoded) as given; anything else as a 200 JSON body.
 */
export function sendLambdaResult(response: ServerResponse, result: unknown, requestId: string): void {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  const headers: OutgoingHttpHeaders = { 'apigw-requestid': requestId };
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  response.writeHead(structured.statusCode ?? 200, headers);
  const body = structured.body ?? '';
  response.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}
