/**
 * The contract's constants: identifier formats, limits, content types, and the status of each
 * error code. Plain values, no schema library: runtime code that needs only these (the stream
 * processor, the upload verifier, the error classes) imports them from here and stays free of zod
 * (about 31 KB of each bundle that validates HTTP input).
 */

// Identifiers. User ids are Cognito `sub` claims (UUIDs in practice); the pattern is a little wider
// but excludes every character that has a meaning in the table's keys (`#`, `/`, `:`).
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const PHOTO_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const MAX_DISPLAY_NAME_CHARACTERS = 64;
export const MAX_BIO_CHARACTERS = 500;
/**
 * The types a stored photo may have: every type uploads were ever accepted in. HEIC photos uploaded
 * before the processing existed are still READY and served as they are.
 */
export const PHOTO_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const;
/**
 * The types an upload is accepted in: exactly those the processing decodes. Not HEIC: sharp's
 * prebuilt libvips reads HEIF with AV1 inside (AVIF) only, an HEVC decoder is not part of it for
 * patent reasons, so a HEIC upload could only ever end REJECTED; POST /photos refuses it instead.
 */
export const UPLOAD_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
] as const satisfies readonly (typeof PHOTO_CONTENT_TYPES)[number][];
export const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
export const MAX_CAPTION_CHARACTERS = 300;
export const MAX_CURSOR_LENGTH = 512;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const PHOTO_STATUSES = ['PENDING', 'PROCESSING', 'READY', 'REJECTED'] as const;

/** Every error code the handlers answer with, and the status each one carries. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_PENDING_UPLOADS: 429,
  INTERNAL_ERROR: 500,
  DEPENDENCY_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];
