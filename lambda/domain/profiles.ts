/** User profiles: the public shape and the input the service takes. */
import type { ProfileView } from '../../contract/responses';
import type { ProfileInputBody } from '../../contract/schemas';

/** A profile as the API returns it (the contract's Profile). */
export type Profile = ProfileView;

export interface ProfileInput {
  readonly displayName: string;
  readonly bio: string | null;
}

/** PUT semantics: the body replaces the profile's editable fields; an absent or empty bio clears it. */
export function toProfileInput(body: ProfileInputBody): ProfileInput {
  return { displayName: body.displayName, bio: body.bio ? body.bio : null };
}

/**
 * Whether a cached entry is a whole profile. A plain check rather than the contract's zod schema:
 * the functions that only invalidate the cache (stream processor, reconciler) bundle this adapter
 * too and would carry zod for nothing.
 */
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
