/**
 * The shape of a stage's configuration: every knob that may differ between
 * stages, and nothing else. Values live in lib/config/stages/, one file per
 * stage; lib/config/validation.ts says which values are allowed.
 */
import type { AlarmKind } from '../alarm-catalog';

/**
 * How much a stage's data is worth. `production` holds data that must
 * survive mistakes: validation then requires retained resources, deletion
 * protection, backups, failover and https-only origins. `disposable` is for
 * stages that can be torn down and rebuilt, and allows cheaper settings.
 */
export type StageProtection = 'production' | 'disposable';

/** What happens to stateful resources when their stack is deleted. */
export type DataRemoval = 'destroy' | 'retain';

export type PhotoTableBilling =
  | { readonly mode: 'onDemand' }
  | {
      readonly mode: 'provisioned';
      /** Read capacity units, auto scaled between min and max. */
      readonly readCapacity: { readonly min: number; readonly max: number };
      /** Write capacity units, auto scaled between min and max. */
      readonly writeCapacity: { readonly min: number; readonly max: number };
    };

export interface ApiConfig {
  /** Steady-state requests per second for the whole stage. */
  readonly throttleRateLimit: number;
  /** Burst bucket size for the whole stage. */
  readonly throttleBurstLimit: number;
  /**
   * Browser origins allowed by CORS on the API and the photo bucket; https
   * only, except `http://localhost` in a disposable stage.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * Reserved concurrency of the functions that talk to Aurora, which caps the
   * connections they can open through RDS Proxy. @default - none reserved
   * (sandbox accounts often have too little concurrency to reserve any)
   */
  readonly databaseFunctionConcurrency?: number;
}

export interface PhotoStoreConfig {
  readonly billing: PhotoTableBilling;
  /** Refuse `DeleteTable` while set; required in a production stage. */
  readonly deletionProtection: boolean;
  /** How long a pending upload may wait for its bytes before TTL removes it. */
  readonly pendingUploadTtlMinutes: number;
  /** How long a presigned upload URL stays valid. */
  readonly uploadUrlExpirySeconds: number;
  /** How long a presigned download URL stays valid. */
  readonly downloadUrlExpirySeconds: number;
  /** How long a non-current version of a photo object is kept. */
  readonly noncurrentVersionExpirationDays: number;
  /** Uploads one user may have pending at once (beyond it POST /photos answers 429). */
  readonly maxPendingUploadsPerUser: number;
  /**
   * Write shards of the feed index: READY photos spread over `FEED#0` .. `FEED#<n-1>` and a feed
   * page merges the shards (at most n queries). One partition takes about 1,000 writes per second,
   * and split-for-heat cannot help a time-ordered sort key, so n must cover the feed writes the
   * API throttle admits (lib/config/feed-capacity.ts; lib/config/validation.ts checks it). Raising
   * it needs nothing more; lowering it needs the reshard step (scripts/feed-reshard.ts).
   */
  readonly feedShards: number;
  /**
   * Feed reads also read `FEED`, the one partition of the feed before it was sharded, so that its
   * photos stay listed while the reshard step moves them (one more query per page). Set it to
   * false once `scripts/feed-reshard.ts` reports nothing left to move on this stage.
   */
  readonly readLegacyFeedPartition: boolean;
}

export interface DatabaseConfig {
  /**
   * RDS Proxy in front of Aurora (connection pooling, fast failover). It bills
   * at least 8 ACUs every hour whatever the load, so a disposable stage may
   * turn it off; handlers then connect to the writer directly (still IAM auth
   * over TLS) and the cluster may pause at 0 ACU. Required in a production stage.
   */
  readonly proxy: boolean;
  /** Aurora Serverless v2 minimum ACUs; at least 0.5 with a proxy (it cannot front a paused cluster), 0 lets the cluster auto-pause. */
  readonly minCapacity: number;
  /** Aurora Serverless v2 maximum ACUs. */
  readonly maxCapacity: number;
  /** Number of Serverless v2 readers beside the writer (failover targets); at least 1 in a production stage. */
  readonly readers: number;
  /** Automated backup retention, 1-35 days; at least 7 in a production stage. */
  readonly backupRetentionDays: number;
  /** Required in a production stage. */
  readonly deletionProtection: boolean;
  /** Days between automatic rotations of the admin credentials. */
  readonly secretRotationDays: number;
}

export interface CacheConfig {
  /** ElastiCache node type. */
  readonly nodeType: string;
  /** Replicas beside the primary; at least 1 for Multi-AZ failover. */
  readonly replicas: number;
  /** Multi-AZ with automatic failover (needs a replica); required in a production stage. */
  readonly multiAz: boolean;
  /** Daily snapshots kept; 0 disables snapshots (at least 1 in a production stage). */
  readonly snapshotRetentionDays: number;
  /** A non-default port makes blind scans for 6379 miss. */
  readonly port: number;
  /** Time to live of a cached profile; the handlers add jitter. */
  readonly profileTtlSeconds: number;
}

/**
 * AWS Backup Vault Lock. `governance`: the lock holds against everyone except a principal allowed
 * `backup:DeleteBackupVaultLockConfiguration`, who can remove it. `compliance`: once
 * `changeableForDays` (at least 3) have passed, nobody can change or remove the lock, not the
 * account's root user and not AWS, and no recovery point can be deleted before it expires; the
 * vault cannot be deleted while it holds one. Choose compliance only for data whose retention a
 * regulation fixes.
 */
export type VaultLock =
  { readonly mode: 'governance' } | { readonly mode: 'compliance'; readonly changeableForDays: number };

export interface BackupConfig {
  /** Daily AWS Backup recovery points of the cluster, the table and the bucket are kept this long. */
  readonly dailyRetentionDays: number;
  /** Weekly ones (Sundays) are kept this long. */
  readonly weeklyRetentionDays: number;
  /** Vault Lock on the stage's vault (and on the copy vault). @default - not locked */
  readonly vaultLock?: VaultLock;
  /**
   * Every recovery point is copied to a vault in this Region, kept as long as the original: the
   * copies survive the loss of the stage's Region. @default - no copies
   */
  readonly copyRegion?: string;
  /** An AWS Backup restore testing plan restores the cluster and the table weekly and deletes the restores. */
  readonly restoreTesting: boolean;
}

export interface EncryptionConfig {
  /**
   * Customer-managed KMS keys (rotation on), one per data class: photos, logs, database secrets,
   * backups. Each costs $1 a month plus requests; `false` keeps AWS-managed keys (a disposable
   * stage), `true` is required in a production stage.
   */
  readonly customerManagedKeys: boolean;
}

export interface DiagnosticsConfig {
  /**
   * CloudWatch Database Insights mode of the cluster: `standard` (free; Performance Insights with
   * 7 days of history) or `advanced` (per-ACU charge; 15 months of history, query plans).
   */
  readonly databaseInsights: 'standard' | 'advanced';
  /** Enhanced Monitoring interval in seconds (OS metrics into CloudWatch Logs); 0 turns it off. */
  readonly enhancedMonitoringIntervalSeconds: 0 | 1 | 5 | 10 | 15 | 30 | 60;
  /** DynamoDB Contributor Insights on the table and its indexes (hot keys, throttled keys). */
  readonly contributorInsights: boolean;
}

/**
 * A second Region that keeps a live copy of every store and can take over the stage: a replica of
 * the photo table (DynamoDB global tables), a secondary cluster of an Aurora Global Database, a
 * replica of the photo bucket (S3 Replication) and the stage's stateless stacks, deployed there
 * against those copies. The stacks of both Regions read this one setting, so which Region writes is
 * decided here and nowhere else.
 */
export interface DisasterRecoveryConfig {
  /**
   * The second Region. Another Region than the stage's `region`, and one that lib/regions.ts lists
   * as offering every service the app uses (validated).
   */
  readonly region: string;
  /**
   * The Region that serves writes: the stage's `region`, or this config's `region` once a
   * switchover or failover made the second Region the primary (README, "Regional failover").
   * The other Region serves reads and answers writes with 503; its stream processor, upload
   * verifier and reconciler stay off. @default - the stage's `region`
   */
  readonly activeRegion?: string;
  /**
   * Serverless v2 instances of the secondary Aurora cluster, 1-15. All are readers until the
   * cluster is promoted; then one becomes the writer, so at least one is needed to take over.
   */
  readonly secondaryInstances: number;
  /**
   * S3 Replication Time Control on the photo replication: S3 replicates 99.99 % of objects within
   * 15 minutes (its SLA) and publishes replication metrics; billed per GB replicated. Without it,
   * most objects replicate within 15 minutes but some take hours.
   */
  readonly photoReplicationTimeControl: boolean;
}

/** When one alarm fires: value >= threshold in `datapointsToAlarm` of `evaluationPeriods` periods. */
export interface AlarmSetting {
  /** In the unit of the alarm kind (its row in the alarm catalog). */
  readonly threshold: number;
  /** Length of one period, in minutes. */
  readonly periodMinutes: number;
  /** Periods looked at. */
  readonly evaluationPeriods: number;
  /** Breaching periods among them that fire the alarm. */
  readonly datapointsToAlarm: number;
}

export interface MonitoringConfig {
  /** Optional address subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /**
   * Threshold and evaluation window of every alarm kind: a kind without its
   * setting, or a setting for no kind, does not compile.
   */
  readonly alarms: Readonly<Record<AlarmKind, AlarmSetting>>;
}

/**
 * One stage. `Name` is the literal name in a stage's own file, so that the
 * list of stages (lib/config/stages/index.ts) yields the `StageName` union.
 */
export interface StageConfig<Name extends string = string> {
  /** Goes into stack names (`PhotoApp-<Stage>-...`), tags and resource names. */
  readonly stage: Name;
  /** Which rules protect the stage's data; decided here, never from the name. */
  readonly protection: StageProtection;
  /**
   * The Region every stack of the stage is pinned to. Required by `disasterRecovery`: a DynamoDB
   * replica needs a table in a stack with a known Region (CDK refuses replicas in a Region-agnostic
   * stack), and the second Region's stacks name the primary's Region. @default - not pinned: the
   * stacks deploy to the Region the CLI resolves
   */
  readonly region?: string;
  /** Stateful resources on stack removal: destroyed, or kept (required in a production stage). */
  readonly dataRemoval: DataRemoval;
  /** Retention of every log group the app creates, in days. */
  readonly logRetentionDays: number;
  readonly api: ApiConfig;
  readonly photos: PhotoStoreConfig;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly monitoring: MonitoringConfig;
  readonly backup: BackupConfig;
  readonly encryption: EncryptionConfig;
  readonly diagnostics: DiagnosticsConfig;
  /** A second Region that can take over the stage. @default - none: the stage lives in one Region */
  readonly disasterRecovery?: DisasterRecoveryConfig;
}
