import { handler } from '../../lambda/handlers/health';
import { httpEvent, invoke } from '../app/support/http';

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} without identity', async () => {
    const response = await invoke(handler, httpEvent('GET /health', { caller: null }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ status: 'ok' });
  });
});
