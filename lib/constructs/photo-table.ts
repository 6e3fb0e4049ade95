import { Stack, Token, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MAX_FEED_SHARDS } from '../../contract/environment';
import { intentPolicy } from './intent-policy';
import type { PhotoTableBilling } from '../config';
import type { EnvironmentBinding } from './app-function';

/** What a function does with the table; each intent is one grant. */
export type PhotoTableIntent =
  'photos' | 'verify-uploads' | 'process-photos' | 'keep-pending-changes' | 'reconcile-pending-changes';

export interface PhotoTableProps {
  /** On-demand (default shape) or provisioned with auto scaling. */
  readonly billing: PhotoTableBilling;
  /** Refuse `DeleteTable` while set. */
  readonly deletionProtection: boolean;
  /** Destroy the table with the stack (dev), or keep it (prod). */
  readonly removalPolicy: RemovalPolicy;
  /** Partitions of the feed index that READY photos are spread over (`FEED#0` .. `FEED#<n-1>`). */
  readonly feedShards: number;
  /** Feed reads also read `FEED`, the unsharded feed's partition, until the reshard step emptied it. */
  readonly readLegacyFeedPartition: boolean;
  /**
   * CloudWatch Contributor Insights on the table and both indexes: the most accessed and most
   * throttled keys, the feed's `FEED#<n>` shards first. Its graphs show keys in plain text.
   */
  readonly contributorInsights: boolean;
  /**
   * A replica of the table in this other Region (a DynamoDB global table: every replica takes
   * reads and writes, and DynamoDB replicates each write to the others, usually within a second).
   * The stack must be pinned to a Region. @default - no replica
   */
  readonly replicaRegion?: string;
}

/** The photo table as functions use it: the table, and one binding per intent. */
export interface PhotoTableBinding {
  readonly table: dynamodb.ITableV2;
  bind(intent: PhotoTableIntent): EnvironmentBinding<'photoTable'>;
}

/** The feed layout functions are told (FEED_SHARDS, FEED_READ_LEGACY_PARTITION). */
export interface PhotoFeedLayout {
  readonly feedShards: number;
  readonly readLegacyFeedPartition: boolean;
}

/**
 * What every copy of the photo table grants and tells its functions: the primary's table and a
 * replica in another Region are used the same way, so the intents live here once.
 */
abstract class PhotoTableAccess extends Construct implements PhotoTableBinding {
  public abstract readonly table: dynamodb.ITableV2;
  protected abstract readonly feed: PhotoFeedLayout;

  /**
   * The table for one function: its name (TABLE_NAME), its feed layout (FEED_SHARDS,
   * FEED_READ_LEGACY_PARTITION) and the grant of what that function does with it. `photos`: the API's reads and writes; `verify-uploads`: the upload verifier;
   * `process-photos`: the processing function (the verifier's access: read a photo, update its status);
   * `keep-pending-changes`: the stream processor; `reconcile-pending-changes`: the reconciler.
   */
  bind(intent: PhotoTableIntent): EnvironmentBinding<'photoTable'> {
    const grants: Record<PhotoTableIntent, (role: iam.IRole) => void> = {
      photos: (role) => this.grantReadWritePhotos(role),
      'verify-uploads': (role) => this.grantVerifyUploads(role),
      'process-photos': (role) => this.grantVerifyUploads(role),
      'keep-pending-changes': (role) => this.grantKeepPendingChanges(role),
      'reconcile-pending-changes': (role) => this.grantReconcilePendingChanges(role),
    };
    return {
      environment: {
        TABLE_NAME: this.table.tableName,
        FEED_SHARDS: String(this.feed.feedShards),
        FEED_READ_LEGACY_PARTITION: String(this.feed.readLegacyFeedPartition),
      },
      grant: grants[intent],
    };
  }

  /** Get, query (table and indexes) and write photo items; no scans, no table-level actions. */
  private grantReadWritePhotos(role: iam.IRole): void {
    role.addManagedPolicy(
      this.itemPolicy('ReadWritePhotos', 'read, query and write photo items', [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      ]),
    );
  }

  /** Read and update photo items (the upload verifier); it never creates or deletes them. */
  private grantVerifyUploads(role: iam.IRole): void {
    role.addManagedPolicy(
      this.itemPolicy('VerifyUploads', 'read and update photo items after an upload', [
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
      ]),
    );
  }

  /**
   * Write pending photo changes (the stream processor, while a dependency is down): items under the
   * one partition key PENDING_CHANGES_PARTITION only, never a photo item.
   */
  private grantKeepPendingChanges(role: iam.IRole): void {
    role.addManagedPolicy(
      this.pendingChangesPolicy('KeepPendingChanges', 'keep pending photo changes', ['dynamodb:PutItem']),
    );
  }

  /** List and remove pending photo changes (the reconciler), within their one partition key. */
  private grantReconcilePendingChanges(role: iam.IRole): void {
    role.addManagedPolicy(
      this.pendingChangesPolicy('ReconcilePendingChanges', 'list and remove pending photo changes', [
        'dynamodb:Query',
        'dynamodb:DeleteItem',
      ]),
    );
  }

  private pendingChangesPolicy(id: string, intent: string, actions: string[]): iam.IManagedPolicy {
    return intentPolicy(this, id, `Lets a function ${intent} in the photo table`, [
      new iam.PolicyStatement({
        actions,
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PhotoTable.PENDING_CHANGES_PARTITION] },
        },
      }),
    ]);
  }

  private itemPolicy(id: string, intent: string, actions: string[]): iam.IManagedPolicy {
    return intentPolicy(this, id, `Lets a function ${intent} in the photo table`, [
      new iam.PolicyStatement({
        actions,
        // Indexes are named one by one: no wildcard in the grant.
        resources: [
          this.table.tableArn,
          `${this.table.tableArn}/index/${PhotoTable.BY_OWNER_INDEX}`,
          `${this.table.tableArn}/index/${PhotoTable.FEED_INDEX}`,
        ],
      }),
    ]);
  }
}

/**
 * Photo metadata, designed from its access patterns:
 *
 * | access pattern                         | key                                    |
 * |----------------------------------------|----------------------------------------|
 * | get a photo by id                      | table: `pk`, `sk`                      |
 * | list a user's READY photos, newest 1st | GSI `byOwner`: `gsi1pk`, `gsi1sk`      |
 * | recent READY photos of everyone        | GSI `feed`: `gsi2pk`, `gsi2sk`         |
 *
 * The feed's partition key is one of `feedShards` write shards, merged on read
 * (lambda/adapters/photo-table.ts has the whole key design). Both GSIs are sparse: the application writes their keys only once a photo is
 * READY, so pending and rejected uploads never show up in listings. Pending
 * uploads carry `expiresAt` (epoch seconds); DynamoDB's TTL removes the ones
 * whose bytes never arrived, and the stream carries that removal to the
 * processor, which deletes any stray object.
 */
export class PhotoTable extends PhotoTableAccess {
  static readonly PARTITION_KEY = 'pk';
  static readonly SORT_KEY = 'sk';
  static readonly TTL_ATTRIBUTE = 'expiresAt';
  static readonly BY_OWNER_INDEX = 'byOwner';
  static readonly FEED_INDEX = 'feed';
  /** Partition of the pending photo changes (lambda/adapters/pending-change-table.ts). */
  static readonly PENDING_CHANGES_PARTITION = 'RECONCILE';

  /** The table. */
  public readonly table: dynamodb.ITableV2;
  protected readonly feed: PhotoFeedLayout;

  constructor(scope: Construct, id: string, props: PhotoTableProps) {
    super(scope, id);
    if (!Number.isInteger(props.feedShards) || props.feedShards < 1 || props.feedShards > MAX_FEED_SHARDS) {
      throw new Error(
        `PhotoTable: feedShards must be a whole number from 1 to ${MAX_FEED_SHARDS} (got ${props.feedShards})`,
      );
    }
    if (props.replicaRegion !== undefined && Token.isUnresolved(Stack.of(this).region)) {
      throw new Error(
        'PhotoTable: a replica needs a stack pinned to a Region (CDK refuses replicas in a Region-agnostic stack)',
      );
    }
    this.feed = { feedShards: props.feedShards, readLegacyFeedPartition: props.readLegacyFeedPartition };
    const billing = props.billing;
    if (billing.mode === 'provisioned') {
      for (const [name, range] of Object.entries({
        readCapacity: billing.readCapacity,
        writeCapacity: billing.writeCapacity,
      })) {
        if (range.min < 1 || range.min > range.max) {
          throw new Error(`PhotoTable: ${name} needs 1 <= min <= max (got ${range.min}..${range.max})`);
        }
      }
    }

    const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: stringKey(PhotoTable.PARTITION_KEY),
      sortKey: stringKey(PhotoTable.SORT_KEY),
      billing:
        billing.mode === 'onDemand'
          ? dynamodb.Billing.onDemand()
          : dynamodb.Billing.provisioned({
              readCapacity: dynamodb.Capacity.autoscaled({
                minCapacity: billing.readCapacity.min,
                maxCapacity: billing.readCapacity.max,
              }),
              writeCapacity: dynamodb.Capacity.autoscaled({
                minCapacity: billing.writeCapacity.min,
                maxCapacity: billing.writeCapacity.max,
              }),
            }),
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: PhotoTable.TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: props.removalPolicy,
      // TableV2 has no per-index setting for the primary Region: its indexes take the table's
      // (ContributorInsightsSpecification on each of GlobalSecondaryIndexes in the template).
      ...(props.contributorInsights
        ? {
            contributorInsightsSpecification: {
              enabled: true,
              mode: dynamodb.ContributorInsightsMode.ACCESSED_AND_THROTTLED_KEYS,
            },
          }
        : {}),
      // A replica inherits the key schema, the indexes, the stream (NEW_AND_OLD_IMAGES), TTL and the
      // encryption from the table: SSEType KMS with no key named is the AWS managed key
      // (aws/dynamodb) of each replica's own Region (AWS::DynamoDB::GlobalTable SSESpecification,
      // CloudFormation Template Reference; "Encryption at rest", DynamoDB Developer Guide), not an
      // AWS owned key. Those are one setting for
      // every replica of an AWS::DynamoDB::GlobalTable. Point-in-time recovery and deletion
      // protection are per replica, so they are named here. Contributor Insights stays off on it:
      // its rules bill per replica, and the standby Region serves reads only.
      replicas:
        props.replicaRegion === undefined
          ? undefined
          : [
              {
                region: props.replicaRegion,
                deletionProtection: props.deletionProtection,
                pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
                ...(props.contributorInsights
                  ? {
                      contributorInsightsSpecification: { enabled: false },
                      globalSecondaryIndexOptions: Object.fromEntries(
                        [PhotoTable.BY_OWNER_INDEX, PhotoTable.FEED_INDEX].map((index) => [
                          index,
                          { contributorInsightsSpecification: { enabled: false } },
                        ]),
                      ),
                    }
                  : {}),
              },
            ],
      globalSecondaryIndexes: [
        {
          indexName: PhotoTable.BY_OWNER_INDEX,
          partitionKey: stringKey('gsi1pk'),
          sortKey: stringKey('gsi1sk'),
          projectionType: dynamodb.ProjectionType.ALL,
        },
        {
          indexName: PhotoTable.FEED_INDEX,
          partitionKey: stringKey('gsi2pk'),
          sortKey: stringKey('gsi2sk'),
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
    });
  }
}

export interface PhotoTableReplicaProps extends PhotoFeedLayout {
  /** The global table's name (every replica has the table's name). */
  readonly tableName: string;
  /** The stream of the replica in this stack's Region (each replica has a stream of its own). */
  readonly tableStreamArn: string;
}

/**
 * The photo table's replica in this stack's Region, for the functions deployed there: the same
 * intents and variables as PhotoTable, on the replica's ARN and stream. The replica itself is a
 * `Replicas` entry of the table's AWS::DynamoDB::GlobalTable, in the primary Region's data stack.
 */
export class PhotoTableReplica extends PhotoTableAccess {
  public readonly table: dynamodb.ITableV2;
  protected readonly feed: PhotoFeedLayout;

  constructor(scope: Construct, id: string, props: PhotoTableReplicaProps) {
    super(scope, id);
    this.feed = { feedShards: props.feedShards, readLegacyFeedPartition: props.readLegacyFeedPartition };
    this.table = dynamodb.TableV2.fromTableAttributes(this, 'Table', {
      tableName: props.tableName,
      tableStreamArn: props.tableStreamArn,
      grantIndexPermissions: true,
    });
  }
}
