/**
 * Identifier formats. User ids are Cognito `sub` claims (UUIDs in practice); the pattern is a
 * little wider but excludes every character that has a meaning in our keys (`#`, `/`, `:`).
 */
import { ValidationError } from '../shared/errors';

const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
const PHOTO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID.test(value);
}

export function isPhotoId(value: unknown): value is string {
  return typeof value === 'string' && PHOTO_ID.test(value);
}

export function parseUserId(value: string | undefined, field = 'userId'): string {
  if (!isUserId(value)) throw new ValidationError(field, 'is not a valid user id');
  return value;
}

export function parsePhotoId(value: string | undefined, field = 'photoId'): string {
  if (!isPhotoId(value)) throw new ValidationError(field, 'is not a valid photo id');
  return value;
}
