/**
 * `npm run dev` end to end: starts the dev server as `npm run dev` does (its own engines, on a free
 * port), walks the smoke client's flow against it, and checks the local authorizer and a clean stop.
 * Every answer of the API, the local API Gateway's own included, is checked against the contract.
 */
import { existsSync } from 'node:fs';
import { startDevServerProcess } from '../../scripts/local/dev-server-process';
import type { DevServerProcess } from '../../scripts/local/dev-server-process';
import { runSmoke } from '../../scripts/smoke';
import { assertMatchesContract } from '../support/contract';

let server: DevServerProcess | undefined;
let url = '';
const output = (): string => server?.output() ?? '';

/** The response's body, after checking the answer against the OpenAPI document. */
async function contractBody(routeKey: string, response: Response): Promise<unknown> {
  const body = await response.text();
  assertMatchesContract(routeKey, {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers),
    body,
  });
  return body ? JSON.parse(body) : undefined;
}

beforeAll(async () => {
  server = await startDevServerProcess({ env: { POWERTOOLS_LOG_LEVEL: 'SILENT' } });
  url = server.url;
}, 90_000);

afterAll(async () => {
  await server?.stop();
}, 40_000);

describe('npm run dev', () => {
  it('serves the whole photo flow that the smoke client walks', async () => {
    const lines: string[] = [];
    const steps = await runSmoke({
      url,
      waitMs: 15_000,
      log: (line) => lines.push(line),
      onResponse: (answer) => assertMatchesContract(answer.routeKey, answer),
    });
    expect(steps.map((step) => step.name)).toEqual([
      'GET /health',
      'POST /local/token (local issuer)',
      'GET /me without a token',
      'PUT /me',
      'POST /photos',
      'PUT JPEG to the upload URL',
      'wait until READY',
      'GET /photos/{photoId}',
      'download the thumbnail: no EXIF',
      'download through downloadUrl',
      'GET /users/{userId}/photos',
      'GET /feed',
      'GET /me photoCount 1',
      'DELETE /photos/{photoId}',
      'GET /photos/{photoId} is gone',
    ]);
    expect(lines.at(-1)).toMatch(/^All 15 steps passed/);
    // One log line per request, and the events AWS would deliver.
    expect(output()).toMatch(/POST \/photos 201 \d+ ms/);
    expect(output()).toMatch(/S3 Object Created photos\/\S+ -> upload-complete MARK_PROCESSING/);
    expect(output()).toMatch(/stream 1 record\(s\) -> process-photo ok/);
    expect(output()).toMatch(/stream \d+ record\(s\) -> stream-processor ok/);
  });

  it('answers 401 as the JWT authorizer does without a valid bearer token', async () => {
    const me = await fetch(`${url}/me`);
    expect(me.status).toBe(401);
    expect(await contractBody('GET /me', me)).toEqual({ message: 'Unauthorized' });

    const forged = await fetch(`${url}/feed`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
    await contractBody('GET /feed', forged);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    await contractBody('GET /health', health);
  });

  it('puts the verified sub into the claims and answers unknown routes as API Gateway does', async () => {
    const issued = await fetch(`${url}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'local-run-user' }),
    });
    const { token } = (await issued.json()) as { token: string };
    const put = await fetch(`${url}/me`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Local' }),
    });
    expect(put.status).toBe(200);
    expect(await contractBody('PUT /me', put)).toMatchObject({
      userId: 'local-run-user',
      displayName: 'Local',
    });

    const unknown = await fetch(`${url}/nowhere`, { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
  });

  it('stops cleanly on SIGTERM and removes its temporary data', async () => {
    const dataDirs = [...output().matchAll(/(?:S3|PostgreSQL) (\/\S+?)[,)]/g)].map((match) => match[1]);
    expect(dataDirs).toHaveLength(2);
    expect(dataDirs.every((dir) => existsSync(dir))).toBe(true);
    await expect(server?.stop()).resolves.toBe(0);
    expect(output()).toMatch(/Stopped\./);
    expect(dataDirs.filter((dir) => existsSync(dir))).toEqual([]);
  }, 40_000);
});
