/** Identifier checks, with the formats the API contract publishes (contract/limits.ts). */
import { PHOTO_ID_PATTERN, USER_ID_PATTERN } from '../../contract/limits';

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

export function isPhotoId(value: unknown): value is string {
  return typeof value === 'string' && PHOTO_ID_PATTERN.test(value);
}
