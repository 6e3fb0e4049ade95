/**
 * The published contract (contract/openapi.json and the types generated from it): up to date with
 * the schemas, a valid OpenAPI 3.1 document, complete (every route, every status a route can
 * answer), and strict enough that the app tests' response check catches what it should.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import {
  SECURITY_SCHEME,
  buildOpenApiDocument,
  type JsonSchema,
  type OpenApiDocument,
} from '../../contract/openapi';
import { ROUTES, ROUTE_KEYS, errorCodesOf, methodOf, pathOf, pathParametersOf } from '../../contract/routes';
import { ERROR_STATUS } from '../../contract/schemas';
import { DOCUMENT_PATH, contract, contractProblems, toAjvRefs } from '../support/contract';

const root = join(__dirname, '..', '..');
const committed = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as OpenApiDocument;
const STALE = 'The API contract changed but contract/openapi.json did not; run `npm run openapi`.';

/** Where two JSON values first differ, as a JSON pointer with both sides. */
function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      );
      if (found) return found;
    }
  }
  return `${at || '/'}: committed ${JSON.stringify(a)?.slice(0, 200)}, generated ${JSON.stringify(b)?.slice(0, 200)}`;
}

function operationOf(key: (typeof ROUTE_KEYS)[number]) {
  const operation = committed.paths[pathOf(key)]?.[methodOf(key).toLowerCase()];
  if (!operation) throw new Error(`${key} is not in the document`);
  return operation;
}

/** Every schema object the document holds, with where it is. */
function schemasOf(document: OpenApiDocument): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = Object.entries(document.components.schemas).map(([id, schema]) => [
    `#/components/schemas/${id}`,
    schema,
  ]);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? [])
        found.push([`${at} ${parameter.name}`, parameter.schema]);
      if (operation.requestBody)
        found.push([`${at} body`, operation.requestBody.content['application/json'].schema]);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.content) found.push([`${at} ${status}`, response.content['application/json'].schema]);
      }
    }
  }
  return found;
}

describe('the committed OpenAPI document', () => {
  it('is what the route table and the schemas generate', () => {
    const difference = firstDifference(committed, buildOpenApiDocument());
    if (difference) throw new Error(`${STALE}\nFirst difference at ${difference}`);
  });

  it('and its generated types are byte for byte what `npm run openapi` writes', () => {
    // A child process: Prettier and openapi-typescript load ES modules, which Jest's CommonJS
    // module system cannot.
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/openapi.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0) {
      throw new Error(`npm run openapi -- --check failed (${String(result.status)}):\n${result.stderr}`);
    }
  }, 90_000);

  it('is a valid OpenAPI 3.1 document (Redocly, recommended rules as errors)', async () => {
    expect(committed.openapi).toBe('3.1.0');
    const config = await createConfig({ extends: ['recommended-strict'] });
    const problems = await lintFromString({
      source: JSON.stringify(committed),
      absoluteRef: DOCUMENT_PATH,
      config,
    });
    expect(
      problems.map(
        (problem) => `${problem.ruleId} ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`,
      ),
    ).toEqual([]);
  });

  it('holds only schemas that are valid JSON Schema 2020-12 and compile in strict mode', () => {
    // The check the app tests use, so what compiles here is what they validate with.
    const { ajv } = contract();
    const refs = (schema: JsonSchema): object => toAjvRefs(schema) as object;
    for (const [where, schema] of schemasOf(committed)) {
      expect([where, ajv.validateSchema(refs(schema)) ? 'valid' : ajv.errorsText()]).toEqual([
        where,
        'valid',
      ]);
      expect(() => ajv.compile(refs(schema))).not.toThrow();
    }
  });

  it('has one operation per route, and nothing else', () => {
    const operations = Object.entries(committed.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([...ROUTE_KEYS].sort());
  });

  it.each(ROUTE_KEYS)('%s: declares its parameters, body, security and every status it can answer', (key) => {
    const route = ROUTES[key];
    const operation = operationOf(key);
    expect(
      (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name),
    ).toEqual(pathParametersOf(key));
    expect(operation.requestBody !== undefined).toBe('body' in route);
    expect(operation.security).toEqual(route.auth === 'jwt' ? [{ [SECURITY_SCHEME]: [] }] : []);

    const success = operation.responses[String(route.success.status)];
    expect(success).toBeDefined();
    expect(success?.content === undefined).toBe(route.success.body === null);

    for (const code of errorCodesOf(key)) {
      const response = operation.responses[String(ERROR_STATUS[code])];
      // The envelope of each status allows exactly the codes of that status.
      const body = { error: { code, message: 'm' } };
      expect([
        code,
        contractProblems(key, { statusCode: ERROR_STATUS[code], body: JSON.stringify(body) }),
      ]).toEqual([code, []]);
      expect(response?.description).toContain(`\`${code}\``);
    }
    const gateway = [
      '429',
      '500',
      '503',
      ...(route.auth === 'jwt' ? ['401'] : []),
      ...('body' in route ? ['413'] : []),
    ];
    for (const status of gateway) {
      expect([
        status,
        contractProblems(key, { statusCode: Number(status), body: '{"message":"Too Many Requests"}' }),
      ]).toEqual([status, []]);
    }
    const declaredErrors = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
    const expected = new Set([...errorCodesOf(key).map((code) => String(ERROR_STATUS[code])), ...gateway]);
    expect(declaredErrors.sort()).toEqual([...expected].sort());
  });
});

describe('the response check the app tests run', () => {
  const profile = {
    userId: 'user-1',
    displayName: 'Ann',
    bio: null,
    photoCount: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const answer = (statusCode: number, body: unknown) => ({
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('accepts what the contract allows', () => {
    expect(contractProblems('GET /me', answer(200, profile))).toEqual([]);
    expect(contractProblems('GET /me', answer(401, { message: 'Unauthorized' }))).toEqual([]);
    expect(contractProblems('DELETE /photos/{photoId}', { statusCode: 204 })).toEqual([]);
  });

  it('refuses an undeclared status, an extra field, a code of another status, and a body on a 204', () => {
    expect(contractProblems('GET /me', answer(409, { error: { code: 'CONFLICT', message: 'm' } }))).toEqual([
      expect.stringMatching(/^status 409 is not declared/),
    ]);
    expect(contractProblems('GET /me', answer(200, { ...profile, email: 'a@example.com' }))).toEqual([
      expect.stringContaining('must NOT have additional properties: email'),
    ]);
    expect(
      contractProblems('GET /me', answer(404, { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'm' } })),
    ).not.toEqual([]);
    expect(contractProblems('DELETE /photos/{photoId}', { statusCode: 204, body: '{}' })).not.toEqual([]);
  });
});
