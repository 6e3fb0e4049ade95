/** Profile use cases: the database is the source of truth, the cache an optional cache-aside layer. */
import type { Profile, ProfileInput } from './profiles';
import { NotFoundError } from '../shared/errors';

export interface ProfileRepository {
  /** The latest profile, as last written (read-your-writes). */
  get(userId: string): Promise<Profile | undefined>;
  /** A profile as others see it: it may trail the latest write by the database's replica lag. */
  getPublic(userId: string): Promise<Profile | undefined>;
  /** Creates or replaces the caller's editable fields; photoCount is never written here. */
  upsert(userId: string, input: ProfileInput, now: Date): Promise<Profile>;
}

/** A failed read or fill is a miss or a no-op (the database answers); only invalidate throws. */
export interface ProfileCache {
  get(userId: string): Promise<Profile | undefined>;
  /**
   * Stores a profile read from the database, unless an invalidation came after the read started
   * (`readStartedAt`, taken before the read) or the read took too long to tell.
   */
  fill(profile: Profile, readStartedAt: Date): Promise<void>;
  /** Rejects when the profile may still be cached. */
  invalidate(userId: string): Promise<void>;
}

export class ProfileService {
  constructor(
    private readonly repository: ProfileRepository,
    private readonly cache: ProfileCache,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The caller's own profile is read from the database, so they always see their last write. */
  async getOwnProfile(userId: string): Promise<Profile> {
    const profile = await this.repository.get(userId);
    if (!profile) throw new NotFoundError('Profile');
    return profile;
  }

  async putOwnProfile(userId: string, input: ProfileInput): Promise<Profile> {
    const profile = await this.repository.upsert(userId, input, this.clock());
    // The write is done and the answer is true either way: the caller's own reads come from the
    // database, and others may see the old profile at most until its cache entry expires (a 503
    // would only make profile edits depend on an optional cache). The adapter logs and counts it.
    await this.cache.invalidate(userId).catch(() => undefined);
    return profile;
  }

  /**
   * Someone's profile as others see it: on a miss it comes from a reader, which keeps the writer's
   * capacity for writes. A lagging reader cannot put an old row in the cache after an edit: the
   * edit's invalidation marker refuses fills for longer than Aurora replicas lag (milliseconds;
   * lambda/adapters/profile-cache.ts, CACHE_INVALIDATION).
   */
  async getPublicProfile(userId: string): Promise<Profile> {
    const cached = await this.cache.get(userId);
    if (cached) return cached;
    const readStartedAt = this.clock();
    const profile = await this.repository.getPublic(userId);
    if (!profile) throw new NotFoundError('Profile');
    await this.cache.fill(profile, readStartedAt);
    return profile;
  }
}
