/**
 * GET /health: liveness of the API itself (no auth, no dependencies).
 *
 * A liveness check should cost as little as the runtime allows, so this handler does without the
 * route table's dispatch (lambda/shared/routing.ts), which loads every route's schemas and the
 * schema library: its init is about half of what it was through routeHandler (bench: init health).
 * Its one route takes no input, and the types below hold it to its row in contract/routes.ts.
 */
import type { RouteKeyOf } from '../../contract/routes';
import { FUNCTIONS } from '../../contract/functions';
import type { HttpEvent } from '../shared/http';
import { json, notFoundRoute, respond } from '../shared/http';
import { instrument } from '../shared/powertools';
import type { RouteAnswer } from '../shared/routing';

const ROUTE = 'GET /health' satisfies RouteKeyOf<'health'>;
// A second route given to this function in the table fails here: it would need its own answer.
const onlyRoute: [RouteKeyOf<'health'>] extends [typeof ROUTE] ? true : never = true;
void onlyRoute;

const ANSWER: RouteAnswer<typeof ROUTE> = { status: 200, body: { status: 'ok' } };

export const handler = instrument(FUNCTIONS.health, (event: HttpEvent) =>
  respond(() =>
    Promise.resolve(event.routeKey === ROUTE ? json(ANSWER.status, ANSWER.body) : notFoundRoute()),
  ),
);
