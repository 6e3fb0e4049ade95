/**
 * Pending photo changes (see domain/pending-changes.ts) as items of the photo table:
 *   pk = "RECONCILE", sk = "<photoId>#<READY|REMOVED>"   one item per photo and kind, so keeping a
 *                                                        change again is a no-op; one partition, so
 *                                                        the reconciler lists them with a Query (no
 *                                                        scan). It is written only during outages.
 * The stream processor ignores these items' own stream records (their pk is not a photo key).
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { guardDependency } from './aws-errors';
import type { PendingChange, PendingChangeKind, PendingChangeStore } from '../domain/pending-changes';

const DEPENDENCY = 'Photo table';
export const PENDING_CHANGES_PK = 'RECONCILE';
const KINDS: readonly PendingChangeKind[] = ['READY', 'REMOVED'];

const sortKey = (change: Pick<PendingChange, 'photoId' | 'change'>): string =>
  `${change.photoId}#${change.change}`;

function fromItem(item: Record<string, unknown>): PendingChange {
  const { photoId, ownerId, objectKey, versionId, change, createdAt } = item;
  if (
    typeof photoId !== 'string' ||
    typeof ownerId !== 'string' ||
    typeof objectKey !== 'string' ||
    typeof createdAt !== 'string' ||
    !KINDS.includes(change as PendingChangeKind)
  ) {
    throw new Error(`Malformed pending change ${JSON.stringify(item.sk ?? null)}`);
  }
  return {
    photoId,
    ownerId,
    objectKey,
    change: change as PendingChangeKind,
    createdAt,
    ...(typeof versionId === 'string' ? { versionId } : {}),
  };
}

export class DynamoPendingChangeStore implements PendingChangeStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async keep(change: PendingChange): Promise<void> {
    try {
      await guardDependency(DEPENDENCY, () =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: PENDING_CHANGES_PK, sk: sortKey(change), ...change },
            // The first copy stays: its createdAt is how long the change has really waited.
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  async list(): Promise<PendingChange[]> {
    const changes: PendingChange[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await guardDependency(DEPENDENCY, () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': PENDING_CHANGES_PK },
            ExclusiveStartKey: start,
          }),
        ),
      );
      changes.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return changes;
  }

  async forget(change: PendingChange): Promise<void> {
    await guardDependency(DEPENDENCY, () =>
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: PENDING_CHANGES_PK, sk: sortKey(change) },
        }),
      ),
    );
  }
}
