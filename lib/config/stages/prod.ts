import { alarm } from '../alarm-setting';
import type { StageConfig } from '../schema';

/**
 * prod's second Region, once for both uses: the backup copies and the disaster-recovery copy of the
 * stage live there.
 */
const SECOND_REGION = 'us-west-2';

/** The stage users depend on: its data survives mistakes, and people hear of trouble before users do. */
export const prod: StageConfig<'prod'> = {
  stage: 'prod',
  protection: 'production',
  // Pinned, because the second Region's stacks name it (and the prices in scripts/cost are its).
  region: 'us-east-1',
  dataRemoval: 'retain',
  logRetentionDays: 365,
  api: {
    throttleRateLimit: 500,
    throttleBurstLimit: 1000,
    allowedOrigins: ['https://photos.example.com'],
    databaseFunctionConcurrency: 100,
  },
  photos: {
    billing: { mode: 'onDemand' },
    deletionProtection: true,
    pendingUploadTtlMinutes: 60,
    uploadUrlExpirySeconds: 300,
    downloadUrlExpirySeconds: 300,
    noncurrentVersionExpirationDays: 30,
    maxPendingUploadsPerUser: 20,
    // 500 rps at 2 write units is 1,000 a second (2 partitions at half load), and the worst second
    // (burst 1,000 + 500) 3,000: 3 partitions at their limit (lib/config/feed-capacity.ts).
    feedShards: 3,
    // Until scripts/feed-reshard.ts has moved the photos of the unsharded feed on this stage.
    readLegacyFeedPartition: true,
  },
  database: {
    proxy: true,
    minCapacity: 0.5,
    maxCapacity: 16,
    readers: 1,
    backupRetentionDays: 14,
    deletionProtection: true,
    secretRotationDays: 30,
  },
  cache: {
    nodeType: 'cache.t4g.small',
    replicas: 1,
    multiAz: true,
    snapshotRetentionDays: 7,
    port: 6380,
    profileTtlSeconds: 300,
  },
  monitoring: {
    // Tighter thresholds and shorter windows than dev.
    alarms: {
      api5xxRate: alarm(1, 1, 5, 3),
      apiLatencyP90: alarm(1000, 1, 5, 3),
      lambdaErrors: alarm(1, 1, 5, 3),
      lambdaThrottles: alarm(1, 1, 5, 3),
      lambdaDurationP90: alarm(80, 1, 5, 3),
      streamIteratorAge: alarm(60_000, 1, 5, 3),
      deadLetterMessages: alarm(1, 1, 1),
      tableThrottles: alarm(1, 1, 5, 3),
      tableSystemErrors: alarm(1, 1, 5, 3),
      auroraCpu: alarm(80, 5, 3),
      auroraAcuUtilization: alarm(90, 5, 3),
      auroraConnections: alarm(800, 5, 3),
      // Well below the 10 s for which the cache refuses fills after an edit.
      auroraReplicaLag: alarm(2000, 5, 3),
      proxyBorrowLatency: alarm(100, 1, 5, 3),
      cacheEngineCpu: alarm(80, 5, 3),
      cacheMemory: alarm(80, 5, 3),
      cacheEvictions: alarm(1, 5, 3),
      cacheReplicationLag: alarm(1, 1, 5, 3),
      rotationErrors: alarm(1, 5, 1),
      topicDeliveryFailures: alarm(1, 5, 1),
      userPoolThrottles: alarm(1, 5, 3),
      // Retries and bisection make one failure a blip; failures in three periods in a row are not.
      failedStreamRecords: alarm(1, 5, 3),
      // Handlers carry on without the cache, so only sustained errors call for a person.
      cacheErrors: alarm(10, 5, 3),
      // One failed AWS Backup job means a day without a recovery point, copy or tested restore.
      backupJobsFailed: alarm(1, 60, 1),
      copyJobsFailed: alarm(1, 60, 1),
      restoreJobsFailed: alarm(1, 60, 1),
      // What a regional failover could lose: writes that have not reached the second Region.
      tableReplicationLatency: alarm(10_000, 1, 5),
      // Replication Time Control's bound: 15 minutes.
      photoReplicationLatency: alarm(900, 5, 3),
      // A backlog that outlasts three 5-minute periods, before any object is 15 minutes late.
      photoReplicationPending: alarm(1000, 5, 3),
      photoReplicationFailures: alarm(1, 5, 1),
      auroraGlobalReplicationLag: alarm(5000, 1, 5, 3),
      // A share, not a count: bad uploads happen; good ones refused by the image library must not.
      photoRejectionRate: alarm(20, 15, 2),
    },
  },
  backup: {
    dailyRetentionDays: 35,
    weeklyRetentionDays: 98,
    // Governance: an administrator allowed backup:DeleteBackupVaultLockConfiguration can still
    // lift the lock. { mode: 'compliance', changeableForDays: 3 } makes it permanent after 3 days:
    // nobody, not the root user and not AWS, can then shorten a retention or delete the vault.
    vaultLock: { mode: 'governance' },
    // Another Region than the one prod deploys to (validated at synth when the Region is known).
    copyRegion: SECOND_REGION,
    restoreTesting: true,
  },
  encryption: { customerManagedKeys: true },
  diagnostics: {
    databaseInsights: 'advanced',
    enhancedMonitoringIntervalSeconds: 60,
    contributorInsights: true,
  },
  disasterRecovery: {
    region: SECOND_REGION,
    // The failover target of the Aurora Global Database; readers only until promoted, then a
    // writer and its reader (a production stage requires 2, as it requires a reader in the primary).
    secondaryInstances: 2,
    // A stated bound (15 minutes for 99.99 % of objects) on the photos a regional failover can lose.
    photoReplicationTimeControl: true,
  },
};
