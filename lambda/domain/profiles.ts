/** User profiles: validation and the public shape. */
import { expectObject, optionalText, rejectUnknownFields, requireText } from './validation';

export const MAX_DISPLAY_NAME_CHARACTERS = 64;
export const MAX_BIO_CHARACTERS = 500;

export interface Profile {
  readonly userId: string;
  readonly displayName: string;
  readonly bio: string | null;
  readonly photoCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ProfileInput {
  readonly displayName: string;
  readonly bio: string | null;
}

/** PUT semantics: the body replaces the profile's editable fields; an absent bio clears it. */
export function parseProfileInput(body: unknown): ProfileInput {
  const value = expectObject(body);
  rejectUnknownFields(value, ['displayName', 'bio']);
  const displayName = requireText(value, 'displayName', { min: 1, max: MAX_DISPLAY_NAME_CHARACTERS });
  const bio = optionalText(value, 'bio', { min: 0, max: MAX_BIO_CHARACTERS });
  return { displayName, bio: bio === undefined || bio === '' ? null : bio };
}

export function isProfile(value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.userId === 'string' &&
    typeof candidate.displayName === 'string' &&
    (candidate.bio === null || typeof candidate.bio === 'string') &&
    typeof candidate.photoCount === 'number' &&
    typeof candidate.createdAt === 'string' &&
    typeof candidate.updatedAt === 'string'
  );
}
