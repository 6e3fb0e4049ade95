/**
 * The API's routes, one row each: the function that answers it, whether it needs a token, and the
 * shapes it accepts and returns. The HTTP API's routes and CORS methods (lib/stacks/api-stack.ts),
 * each handler's dispatch (lambda/shared/routing.ts, which requires one handler per route of its
 * function), the local server, the OpenAPI document and the infra tests all derive from this table.
 */
import type * as z from 'zod/mini';
import type { FunctionKey } from './functions';
import {
  CreatePhotoRequest,
  ListingQuery,
  PhotoId,
  ProfileInput,
  UserId,
  ERROR_STATUS,
  type ErrorCode,
} from './schemas';
// Types only: the handlers never build the response shapes (contract/responses.ts).
import type { ResponseBodyName } from './responses';

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Schemas of the `{name}` placeholders a path may use. */
export const PATH_PARAMETERS = { userId: UserId, photoId: PhotoId } as const;
export type PathParameterName = keyof typeof PATH_PARAMETERS;

export interface RouteDeclaration {
  readonly function: FunctionKey;
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** `jwt`: the API's Cognito JWT authorizer; `none`: public (only the health check). */
  readonly auth: 'jwt' | 'none';
  /** The JSON body, if the route takes one. */
  readonly body?: z.ZodMiniType;
  /** The query string, if the route reads one. */
  readonly query?: z.ZodMiniType;
  /** The success answer: its status and its body, named in RESPONSE_BODIES (`null`: no body). */
  readonly success: { readonly status: 200 | 201 | 204; readonly body: ResponseBodyName | null };
  /**
   * Errors the route's logic answers with. Those that follow from the row are added by
   * `errorCodesOf`: UNAUTHORIZED for `jwt`, VALIDATION_ERROR for parameters and bodies,
   * PAYLOAD_TOO_LARGE and UNSUPPORTED_MEDIA_TYPE for bodies, INTERNAL_ERROR always.
   */
  readonly errors: readonly ErrorCode[];
}

export const ROUTES = {
  'GET /health': {
    function: 'health',
    summary: 'Liveness of the API itself; public, touches no dependency.',
    auth: 'none',
    success: { status: 200, body: 'Health' },
    errors: [],
  },
  'GET /me': {
    function: 'profilesApi',
    summary: "The caller's profile, read from the database.",
    auth: 'jwt',
    success: { status: 200, body: 'Profile' },
    errors: ['NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  },
  'PUT /me': {
    function: 'profilesApi',
    summary: "Creates or replaces the caller's profile.",
    auth: 'jwt',
    body: ProfileInput,
    success: { status: 200, body: 'Profile' },
    errors: ['DEPENDENCY_UNAVAILABLE'],
  },
  'GET /users/{userId}': {
    function: 'profilesApi',
    summary: "A user's public profile (cached).",
    auth: 'jwt',
    success: { status: 200, body: 'Profile' },
    errors: ['NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  },
  'POST /photos': {
    function: 'photosApi',
    summary: 'Creates a PENDING photo and a presigned URL to upload its bytes to.',
    auth: 'jwt',
    body: CreatePhotoRequest,
    success: { status: 201, body: 'CreatedUpload' },
    errors: ['CONFLICT', 'TOO_MANY_PENDING_UPLOADS', 'DEPENDENCY_UNAVAILABLE'],
  },
  'GET /photos/{photoId}': {
    function: 'photosApi',
    summary: "A photo's metadata, with a download URL once it is READY.",
    auth: 'jwt',
    success: { status: 200, body: 'PhotoWithDownload' },
    errors: ['NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  },
  'DELETE /photos/{photoId}': {
    function: 'photosApi',
    summary: 'Deletes one of the caller’s photos; its object follows through the table stream.',
    auth: 'jwt',
    success: { status: 204, body: null },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'DEPENDENCY_UNAVAILABLE'],
  },
  'GET /users/{userId}/photos': {
    function: 'photosApi',
    summary: "A user's READY photos, newest first.",
    auth: 'jwt',
    query: ListingQuery,
    success: { status: 200, body: 'PhotoPage' },
    errors: ['DEPENDENCY_UNAVAILABLE'],
  },
  'GET /feed': {
    function: 'photosApi',
    summary: 'Everyone’s READY photos, newest first.',
    auth: 'jwt',
    query: ListingQuery,
    success: { status: 200, body: 'PhotoPage' },
    errors: ['DEPENDENCY_UNAVAILABLE'],
  },
} as const satisfies Record<`${HttpMethod} /${string}`, RouteDeclaration>;

export type RouteKey = keyof typeof ROUTES;
export type Route<K extends RouteKey> = (typeof ROUTES)[K];
/** The routes one function answers. */
export type RouteKeyOf<F extends FunctionKey> = {
  [K in RouteKey]: Route<K>['function'] extends F ? K : never;
}[RouteKey];

type ParametersIn<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParametersIn<Rest>
  : never;
/** The `{name}` placeholders of a route's path. */
export type PathParametersOf<K extends RouteKey> = ParametersIn<K>;

// Every placeholder must have a schema in PATH_PARAMETERS.
type UndeclaredParameters = Exclude<PathParametersOf<RouteKey>, PathParameterName>;
const everyParameterDeclared: [UndeclaredParameters] extends [never] ? true : UndeclaredParameters = true;
void everyParameterDeclared;

export const ROUTE_KEYS = Object.keys(ROUTES) as RouteKey[];

export function methodOf(key: RouteKey): HttpMethod {
  return key.slice(0, key.indexOf(' ')) as HttpMethod;
}

export function pathOf(key: RouteKey): string {
  return key.slice(key.indexOf(' ') + 1);
}

// Read from the keys once: the handlers ask for a route's parameters on every request.
const PATH_PARAMETERS_BY_ROUTE = new Map<RouteKey, readonly PathParameterName[]>(
  ROUTE_KEYS.map((key) => [
    key,
    [...pathOf(key).matchAll(/\{(\w+)\}/g)].map((match) => match[1] as PathParameterName),
  ]),
);

export function pathParametersOf(key: RouteKey): readonly PathParameterName[] {
  return PATH_PARAMETERS_BY_ROUTE.get(key) ?? [];
}

/** Every error code the route may answer with, in a stable order. */
export function errorCodesOf(key: RouteKey): ErrorCode[] {
  const route: RouteDeclaration = ROUTES[key];
  const codes = new Set<ErrorCode>(route.errors);
  if (route.auth === 'jwt') codes.add('UNAUTHORIZED');
  if (route.body || route.query || pathParametersOf(key).length > 0) codes.add('VALIDATION_ERROR');
  if (route.body) {
    codes.add('PAYLOAD_TOO_LARGE');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
  }
  codes.add('INTERNAL_ERROR');
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => codes.has(code));
}

/** The HTTP methods the API answers, for CORS. */
export function methodsInUse(): HttpMethod[] {
  return HTTP_METHODS.filter((method) => ROUTE_KEYS.some((key) => methodOf(key) === method));
}
