import { handler } from '../../lambda/handlers/health';
import { localLambdaContext } from '../../scripts/local/lambda-context';
import { httpEvent, invoke } from '../app/support/http';

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} without identity', async () => {
    const response = await invoke(handler, httpEvent('GET /health', { caller: null }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ status: 'ok' });
  });
});

describe('the health function on another route', () => {
  it('answers 404 with the error envelope, as every function does for a route not its own', async () => {
    // Called directly: the contract check of invoke() would refuse a route the document does not give it.
    const response = await handler(httpEvent('GET /feed', { caller: null }), localLambdaContext('test'));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
