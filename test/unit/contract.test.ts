/**
 * The contract's rules as the handlers apply them: validation messages name the field, lengths
 * count characters (code points) after trimming, unknown fields are refused; the route table's
 * derived facts; and the environment declarations' consistency.
 */
import { ENVIRONMENT_GROUPS, type VariableDeclaration } from '../../contract/environment';
import { existsSync } from 'node:fs';
import { FUNCTIONS, entryOf } from '../../contract/functions';
import { ROUTES, ROUTE_KEYS, errorCodesOf, methodsInUse, pathParametersOf } from '../../contract/routes';
import {
  CreatePhotoRequest,
  ListingQuery,
  MAX_CAPTION_CHARACTERS,
  ProfileInput,
} from '../../contract/schemas';
import { parseInput } from '../../lambda/domain/validation';
import { ValidationError } from '../../lambda/shared/errors';
import { routeHandler } from '../../lambda/shared/routing';
import { httpEvent, lambdaContext } from '../app/support/http';

function rejection(schema: Parameters<typeof parseInput>[0], value: unknown): string {
  try {
    parseInput(schema, value);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('request schemas', () => {
  it('trims text and counts characters, not UTF-16 units', () => {
    const emoji = '😀'.repeat(MAX_CAPTION_CHARACTERS);
    expect(
      parseInput(CreatePhotoRequest, { contentType: 'image/png', sizeBytes: 1, caption: ` ${emoji} ` }),
    ).toEqual({ contentType: 'image/png', sizeBytes: 1, caption: emoji });
    expect(
      rejection(CreatePhotoRequest, { contentType: 'image/png', sizeBytes: 1, caption: `${emoji}a` }),
    ).toBe(`caption: must be at most ${MAX_CAPTION_CHARACTERS} characters`);
  });

  it('names the offending field for each kind of problem', () => {
    expect(rejection(ProfileInput, [])).toBe('body: must be a JSON object');
    expect(rejection(ProfileInput, {})).toBe('displayName: is required');
    expect(rejection(ProfileInput, { displayName: 7 })).toBe('displayName: must be a string');
    expect(rejection(ProfileInput, { displayName: '   ' })).toBe(
      'displayName: must be at least 1 characters',
    );
    expect(rejection(ProfileInput, { displayName: 'a\u0007b' })).toBe(
      'displayName: must not contain control characters',
    );
    expect(rejection(ProfileInput, { displayName: 'a', admin: true })).toBe('admin: is not an allowed field');
    expect(rejection(CreatePhotoRequest, { contentType: 'image/gif', sizeBytes: 1 })).toBe(
      'contentType: must be one of image/jpeg, image/png, image/webp',
    );
    // The processing cannot decode HEIC: the API says so rather than accept a photo that can only
    // end REJECTED.
    expect(rejection(CreatePhotoRequest, { contentType: 'image/heic', sizeBytes: 1 })).toBe(
      'contentType: must be one of image/jpeg, image/png, image/webp (HEIC cannot be processed here: convert it to JPEG first)',
    );
    expect(rejection(CreatePhotoRequest, { sizeBytes: 1 })).toBe('contentType: is required');
    expect(rejection(CreatePhotoRequest, { contentType: 'image/png', sizeBytes: 1.5 })).toBe(
      'sizeBytes: must be an integer',
    );
    expect(rejection(CreatePhotoRequest, { contentType: 'image/png', sizeBytes: 0 })).toMatch(
      /^sizeBytes: must be between 1 and/,
    );
  });

  it('treats a null bio as no bio, and reads page sizes as numbers', () => {
    expect(parseInput(ProfileInput, { displayName: 'Ada', bio: null })).toEqual({
      displayName: 'Ada',
      bio: null,
    });
    expect(parseInput(ListingQuery, { limit: '7' }, 'query')).toEqual({ limit: 7 });
    expect(rejection(ListingQuery, { limit: '101' })).toBe('limit: must be between 1 and 100');
    expect(rejection(ListingQuery, { cursor: '' })).toBe('cursor: is not a valid cursor');
  });
});

describe('route table', () => {
  it('derives the errors each route may answer with', () => {
    expect(errorCodesOf('GET /health')).toEqual(['INTERNAL_ERROR']);
    expect(errorCodesOf('PUT /me')).toEqual([
      'VALIDATION_ERROR',
      'UNAUTHORIZED',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'INTERNAL_ERROR',
      'DEPENDENCY_UNAVAILABLE',
    ]);
    expect(pathParametersOf('GET /users/{userId}/photos')).toEqual(['userId']);
    expect(methodsInUse()).toEqual(['GET', 'PUT', 'POST', 'DELETE']);
  });

  it('names, for every route, a function that exists', () => {
    for (const key of ROUTE_KEYS) expect(FUNCTIONS).toHaveProperty(ROUTES[key].function);
  });

  it('answers 404 for a route of another function, without running a handler', async () => {
    const handler = routeHandler('health', {
      'GET /health': () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
    });
    const result = await handler(httpEvent('GET /me'), lambdaContext);
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body as string)).toEqual({
      error: { code: 'NOT_FOUND', message: 'Route not found' },
    });
  });
});

describe('environment declarations', () => {
  it('declares a variable shared by two groups the same way in both', () => {
    const seen = new Map<string, VariableDeclaration>();
    for (const group of Object.values(ENVIRONMENT_GROUPS) as Record<string, VariableDeclaration>[]) {
      for (const [name, declaration] of Object.entries(group)) {
        if (seen.has(name)) expect([name, declaration]).toEqual([name, seen.get(name)]);
        seen.set(name, declaration);
      }
    }
  });

  it('gives every function a unique name, whose entry file exists', () => {
    const functions = Object.values(FUNCTIONS);
    expect(new Set(functions.map((fn) => fn.name)).size).toBe(functions.length);
    for (const fn of functions) expect(existsSync(entryOf(fn))).toBe(true);
  });
});
