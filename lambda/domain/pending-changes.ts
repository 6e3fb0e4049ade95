/**
 * Photo changes whose derived data could not be applied while a dependency was down. The stream
 * keeps records for 24 hours and its failure queue holds only pointers into it, so what finishing a
 * change needs is kept whole, and a reconciler applies it once the dependency is back.
 */
import type { PhotoCountLedger, PhotoObjectStore, ProfileInvalidator } from './photo-service';
import type { PhotoChange } from './photos';
import { renditionKeysOf } from './renditions';

export type PendingChangeKind = 'READY' | 'REMOVED';

export interface PendingChange {
  readonly photoId: string;
  readonly ownerId: string;
  readonly objectKey: string;
  /** The object version to delete, when the change knows it; else S3 adds a delete marker. */
  readonly versionId?: string;
  readonly change: PendingChangeKind;
  /** When the change was first kept (ISO 8601): its age tells how long it has waited. */
  readonly createdAt: string;
}

/** The change to keep for a stream change with derived data, or undefined when it has none. */
export function pendingChangeOf(change: PhotoChange, now: Date): PendingChange | undefined {
  const createdAt = now.toISOString();
  if (change.kind === 'REMOVE') {
    const { photoId, ownerId, objectKey } = change.before;
    return { photoId, ownerId, objectKey, change: 'REMOVED', createdAt };
  }
  if (change.after.status === 'READY' && change.before?.status !== 'READY') {
    const { photoId, ownerId, objectKey } = change.after;
    return { photoId, ownerId, objectKey, change: 'READY', createdAt };
  }
  return undefined;
}

/** Durable store of pending changes; one entry per photo and kind, so keeping one twice is harmless. */
export interface PendingChangeStore {
  /** Keeps the change; an entry already kept for the same photo and kind stays as it is. */
  keep(change: PendingChange): Promise<void>;
  /** Every pending change, oldest photo ids first within a page. */
  list(): Promise<PendingChange[]>;
  /** Forgets a change once it has been applied. */
  forget(change: PendingChange): Promise<void>;
}

export interface PhotoCountRecomputer {
  /** Sets the user's photoCount to what the ledger holds (counted and not removed). */
  recount(ownerId: string): Promise<void>;
}

export interface ReconciliationResult {
  readonly applied: number;
  readonly users: number;
  /** Changes left pending because applying them failed (kept for the next run). */
  readonly failed: number;
  /** Age in seconds of the oldest change left pending, 0 when none is. */
  readonly oldestPendingSeconds: number;
  /** What the last failing user's changes failed with, for the caller to log. */
  readonly lastError?: unknown;
}

/**
 * Applies pending changes through the same idempotent ledger operations as the stream processor:
 * the ledger's tombstone makes READY and REMOVED commute, so their order does not matter, and a
 * change applied twice (by a later stream retry and here) counts once. Each affected user's
 * photoCount is then recomputed from the ledger, the source of truth, and the change forgotten.
 */
export class PendingChangeReconciler {
  constructor(
    private readonly pending: PendingChangeStore,
    private readonly ledger: PhotoCountLedger & PhotoCountRecomputer,
    private readonly objects: Pick<PhotoObjectStore, 'delete'>,
    private readonly cache: ProfileInvalidator,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run(): Promise<ReconciliationResult> {
    const changes = await this.pending.list();
    const byOwner = new Map<string, PendingChange[]>();
    for (const change of changes)
      byOwner.set(change.ownerId, [...(byOwner.get(change.ownerId) ?? []), change]);
    let applied = 0;
    let lastError: unknown;
    const left: PendingChange[] = [];
    for (const [ownerId, owned] of byOwner) {
      try {
        for (const change of owned) {
          if (change.change === 'REMOVED') {
            await this.objects.delete(change.objectKey, change.versionId);
            // Deleting a rendition that was never made succeeds too.
            for (const key of renditionKeysOf(change)) await this.objects.delete(key);
            await this.ledger.uncount(ownerId, change.photoId);
          } else {
            await this.ledger.count(ownerId, change.photoId);
          }
        }
        await this.ledger.recount(ownerId);
        await this.cache.invalidate(ownerId);
        // Forgotten only once the user's count is right: a failure above keeps all of them.
        for (const change of owned) await this.pending.forget(change);
        applied += owned.length;
      } catch (error) {
        lastError = error;
        left.push(...owned);
      }
    }
    const now = this.clock().getTime();
    const oldest = Math.min(now, ...left.map((change) => Date.parse(change.createdAt)));
    return {
      applied,
      users: byOwner.size - new Set(left.map((change) => change.ownerId)).size,
      failed: left.length,
      oldestPendingSeconds: Math.max(0, Math.floor((now - oldest) / 1000)),
      ...(left.length > 0 ? { lastError } : {}),
    };
  }
}
