/**
 * Dispatch of HTTP API events by the route table (contract/routes.ts). A function's handlers are
 * one object with a member per route of that function: a route added to the table without its
 * handler, or a handler for a route the table does not give the function, fails the type check.
 * The table's schemas validate path parameters, the query string and the body before a handler
 * runs, so handlers receive typed, checked input.
 */
import type * as z from 'zod/mini';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionKey } from '../../contract/functions';
// Types only: a handler never builds the response shapes.
import type { RESPONSE_BODIES, ResponseBodyName } from '../../contract/responses';
import {
  PATH_PARAMETERS,
  ROUTES,
  methodOf,
  pathParametersOf,
  type PathParametersOf,
  type Route,
  type RouteDeclaration,
  type RouteKey,
  type RouteKeyOf,
} from '../../contract/routes';
import { parseInput } from '../domain/validation';
import { StandbyRegionError } from './errors';
import type { HttpEvent, HttpResult } from './http';
import { callerId, json, noContent, notFoundRoute, parseJsonBody, respond } from './http';
import { instrument } from './powertools';

type Output<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

export interface RouteRequest<K extends RouteKey> {
  /** The verified `sub` claim; routes without a token have none. */
  readonly caller: Route<K>['auth'] extends 'jwt' ? string : undefined;
  readonly path: { readonly [P in PathParametersOf<K>]: string };
  readonly query: Output<Route<K> extends { readonly query: infer Q } ? Q : undefined>;
  readonly body: Output<Route<K> extends { readonly body: infer B } ? B : undefined>;
}

/** What a route's handler returns: the declared success status, with a body of the declared shape. */
export type RouteAnswer<K extends RouteKey> = Route<K>['success'] extends {
  readonly status: infer S;
  readonly body: infer B;
}
  ? B extends ResponseBodyName
    ? { readonly status: S; readonly body: z.input<(typeof RESPONSE_BODIES)[B]> }
    : { readonly status: S }
  : never;

export type RouteHandlers<F extends FunctionKey> = {
  readonly [K in RouteKeyOf<F>]: (request: RouteRequest<K>) => Promise<RouteAnswer<K>>;
};

function isRouteOf(functionKey: FunctionKey, routeKey: string): routeKey is RouteKey {
  return Object.hasOwn(ROUTES, routeKey) && ROUTES[routeKey as RouteKey].function === functionKey;
}

export interface RouteOptions {
  /**
   * The Region is a standby (env READ_ONLY): every route but a GET answers 503 before its handler
   * runs, so no write reaches a replica that another Region writes to. @default false
   */
  readonly readOnly?: boolean;
}

async function dispatch<F extends FunctionKey>(
  functionKey: F,
  handlers: RouteHandlers<F>,
  event: HttpEvent,
  options: RouteOptions,
): Promise<HttpResult> {
  const key = event.routeKey;
  if (!isRouteOf(functionKey, key)) return notFoundRoute();
  if (options.readOnly && methodOf(key) !== 'GET') throw new StandbyRegionError();
  const route: RouteDeclaration = ROUTES[key];
  const caller = route.auth === 'jwt' ? callerId(event) : undefined;
  const rawPath = event.pathParameters ?? {};
  const path = Object.fromEntries(
    pathParametersOf(key).map((name) => [name, parseInput(PATH_PARAMETERS[name], rawPath[name], name)]),
  );
  const query = route.query ? parseInput(route.query, event.queryStringParameters ?? {}, 'query') : undefined;
  const body = route.body ? parseInput(route.body, parseJsonBody(event)) : undefined;
  // The key belongs to F (checked above), so its handler takes this request.
  const handler = handlers[key as RouteKeyOf<F>] as unknown as (request: unknown) => Promise<{
    status: number;
    body?: unknown;
  }>;
  const answer = await handler({ caller, path, query, body });
  return answer.status === 204 ? noContent() : json(answer.status, answer.body);
}

/** The Lambda handler of one function's routes: instrumented, with the API's error envelope. */
export function routeHandler<F extends FunctionKey>(
  functionKey: F,
  handlers: RouteHandlers<F>,
  options: RouteOptions = {},
): (event: HttpEvent, context: Context) => Promise<HttpResult> {
  return instrument(FUNCTIONS[functionKey], (event: HttpEvent) =>
    respond(() => dispatch(functionKey, handlers, event, options)),
  );
}
