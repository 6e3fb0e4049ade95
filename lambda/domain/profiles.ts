/** User profiles: the public shape and the input the service takes. */
import * as z from 'zod/mini';
import { Profile as ProfileSchema, type ProfileInputBody, type ProfileView } from '../../contract/schemas';

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

/** Whether a value (a cached entry, say) is a whole profile as the contract describes it. */
export function isProfile(value: unknown): value is Profile {
  return z.safeParse(ProfileSchema, value).success;
}
