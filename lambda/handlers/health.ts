/** GET /health: liveness of the API itself (no auth, no dependencies). */
import { routeHandler } from '../shared/routing';

export const handler = routeHandler('health', {
  'GET /health': () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
});
