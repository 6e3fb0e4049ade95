/** Profile use cases: the database is the source of truth, Redis an optional cache-aside layer. */
import type { Profile, ProfileInput } from './profiles';
import { NotFoundError } from '../shared/errors';

export interface ProfileRepository {
  get(userId: string): Promise<Profile | undefined>;
  /** Creates or replaces the caller's editable fields; photoCount is never written here. */
  upsert(userId: string, input: ProfileInput, now: Date): Promise<Profile>;
}

/** Implementations never throw: a cache failure is a miss, and the database answers. */
export interface ProfileCache {
  get(userId: string): Promise<Profile | undefined>;
  set(profile: Profile): Promise<void>;
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
    await this.cache.invalidate(userId);
    return profile;
  }

  async getPublicProfile(userId: string): Promise<Profile> {
    const cached = await this.cache.get(userId);
    if (cached) return cached;
    const profile = await this.repository.get(userId);
    if (!profile) throw new NotFoundError('Profile');
    await this.cache.set(profile);
    return profile;
  }
}
