/**
 * HTTP API (payload v2.0) plumbing shared by the API entry points: identity from the verified JWT,
 * JSON body parsing with size and media-type checks, and one error envelope:
 * {"error": {"code", "message"}}. Unexpected errors become a 500 without internals.
 */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import {
  AppError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors';
import { logger } from './powertools';
import { isUserId } from '../domain/identifiers';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer | APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Bodies of this API are small JSON documents; anything larger is refused before parsing. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

const baseHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: baseHeaders, body: JSON.stringify(body) };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

export function errorResponse(statusCode: number, code: string, message: string): HttpResult {
  return json(statusCode, { error: { code, message } });
}

/** The caller is the `sub` claim that the API's JWT authorizer verified; nothing else is trusted. */
export function callerId(event: HttpEvent): string {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } })
    .authorizer;
  const sub = authorizer?.jwt?.claims?.sub;
  if (!isUserId(sub)) throw new UnauthorizedError();
  return sub;
}

function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

export function parseJsonBody(event: HttpEvent, maxBytes = MAX_JSON_BODY_BYTES): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ValidationError('body', 'is required');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const mediaType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
}

/** Runs a route and maps errors to the envelope; unknown errors are logged and hidden. */
export async function respond(route: () => Promise<HttpResult>): Promise<HttpResult> {
  try {
    return await route();
  } catch (error) {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) logger.error('Dependency failure', { error });
      else logger.info('Request rejected', { code: error.code, field: error.field });
      return errorResponse(error.statusCode, error.code, error.message);
    }
    logger.error('Unhandled error', { error: error as Error });
    return errorResponse(500, 'INTERNAL_ERROR', 'Internal server error');
  }
}

export function notFoundRoute(): HttpResult {
  return errorResponse(404, 'NOT_FOUND', 'Route not found');
}
