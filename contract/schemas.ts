/**
 * The shapes the API accepts, as zod schemas (what it returns is contract/responses.ts). The
 * handlers validate requests with them, the OpenAPI document (contract/openapi.json) is generated
 * from them, and the app tests check every response against that document: one source for each
 * shape.
 *
 * `zod/mini` keeps the validator in the bundles at about 31 KB minified (the classic API pulls in
 * several hundred KB). Messages are the API's own ("caption: must be at most 300 characters"),
 * given here beside each rule, because clients read them.
 */
import * as z from 'zod/mini';
import {
  DEFAULT_PAGE_SIZE,
  MAX_BIO_CHARACTERS,
  MAX_CAPTION_CHARACTERS,
  MAX_CURSOR_LENGTH,
  MAX_DISPLAY_NAME_CHARACTERS,
  MAX_PAGE_SIZE,
  MAX_PHOTO_BYTES,
  PHOTO_ID_PATTERN,
  UPLOAD_CONTENT_TYPES,
  USER_ID_PATTERN,
} from './limits';

export * from './limits';

// Control characters (C0, DEL, C1) never belong in user-visible text fields.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Length in Unicode code points: what a user perceives as characters, and what JSON Schema's `maxLength` counts. */
export function characterCount(value: string): number {
  return [...value].length;
}

const presence = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null ? 'is required' : expected;

/**
 * User-visible text: trimmed, then `min`..`max` characters (code points), no control characters.
 * The length limits are published as `minLength`/`maxLength` of the trimmed value.
 */
export function text(limits: { readonly min: number; readonly max: number; readonly description?: string }) {
  const { min, max } = limits;
  return z.string({ error: presence('must be a string') }).check(
    z.trim(),
    z.refine((value) => characterCount(value) >= min, { error: `must be at least ${min} characters` }),
    z.refine((value) => characterCount(value) <= max, { error: `must be at most ${max} characters` }),
    z.refine((value) => !CONTROL_CHARACTERS.test(value), { error: 'must not contain control characters' }),
    z.meta({
      minLength: min,
      maxLength: max,
      description: `${limits.description ? `${limits.description} ` : ''}Surrounding whitespace is trimmed before the length is counted; control characters are refused.`,
    }),
  );
}

function integer(limits: { readonly min: number; readonly max: number }) {
  return z.int({ error: presence('must be an integer') }).check(
    z.refine((value) => value >= limits.min && value <= limits.max, {
      error: `must be between ${limits.min} and ${limits.max}`,
    }),
    z.meta({ minimum: limits.min, maximum: limits.max }),
  );
}

/** A JSON body object that refuses fields it does not name. */
function body<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, { error: 'must be a JSON object' });
}

export const UserId = z
  .string()
  .check(
    z.regex(USER_ID_PATTERN, { error: 'is not a valid user id' }),
    z.meta({ description: "A user's id: the `sub` claim of their Cognito token." }),
  );
export const PhotoId = z
  .string()
  .check(
    z.regex(PHOTO_ID_PATTERN, { error: 'is not a valid photo id' }),
    z.meta({ description: 'A photo id: a version 4 UUID the API assigned.' }),
  );

export const Timestamp = z.iso.datetime().check(z.meta({ description: 'ISO 8601 date and time, UTC.' }));

// --- Requests ---

export const ProfileInput = body({
  displayName: text({ min: 1, max: MAX_DISPLAY_NAME_CHARACTERS }),
  // PUT replaces the editable fields: an absent, null or empty bio clears it.
  bio: z.optional(z.nullable(text({ min: 0, max: MAX_BIO_CHARACTERS }))),
}).check(z.meta({ id: 'ProfileInput', description: "The caller's editable profile fields." }));

const acceptedTypes = `must be one of ${UPLOAD_CONTENT_TYPES.join(', ')}`;

/** An upload's type: one the processing decodes (contract/limits.ts). */
export const PhotoContentType = z
  .enum(UPLOAD_CONTENT_TYPES, {
    error: (issue) =>
      issue.input === 'image/heic'
        ? `${acceptedTypes} (HEIC cannot be processed here: convert it to JPEG first)`
        : presence(acceptedTypes)(issue),
  })
  .check(
    z.meta({
      description:
        'The types the processing decodes. HEIC is refused (the image library cannot decode HEVC): clients convert it to JPEG before uploading.',
    }),
  );

export const CreatePhotoRequest = body({
  contentType: PhotoContentType,
  sizeBytes: integer({ min: 1, max: MAX_PHOTO_BYTES }),
  caption: z.optional(z.nullable(text({ min: 0, max: MAX_CAPTION_CHARACTERS }))),
}).check(
  z.meta({
    id: 'CreatePhotoRequest',
    description: 'The photo to be uploaded: its type and exact size, which the upload URL enforces.',
  }),
);

/** Query string of the listings (`/feed`, `/users/{userId}/photos`): all values arrive as strings. */
export const ListingQuery = z.object({
  limit: z.optional(
    z.pipe(
      z.string().check(
        z.regex(/^\d{1,9}$/, { error: 'must be an integer' }),
        z.refine((raw) => Number(raw) >= 1 && Number(raw) <= MAX_PAGE_SIZE, {
          error: `must be between 1 and ${MAX_PAGE_SIZE}`,
        }),
        z.meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      ),
      z.transform((raw: string) => Number(raw)),
    ),
  ),
  cursor: z.optional(
    z.string().check(
      z.refine((raw) => raw !== '' && raw.length <= MAX_CURSOR_LENGTH, { error: 'is not a valid cursor' }),
      z.meta({
        description: 'The `nextCursor` of the previous page, unchanged.',
        minLength: 1,
        maxLength: MAX_CURSOR_LENGTH,
      }),
    ),
  ),
});

export type ProfileInputBody = z.output<typeof ProfileInput>;
export type CreatePhotoBody = z.output<typeof CreatePhotoRequest>;
