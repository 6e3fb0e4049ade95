/** GET /health: liveness of the API itself (no auth, no dependencies). */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from '../shared/http';
import { instrument } from '../shared/powertools';

export const handler = instrument(
  'health',
  (_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    Promise.resolve(json(200, { status: 'ok' })),
);
