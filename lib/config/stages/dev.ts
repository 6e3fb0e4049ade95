import { alarm } from '../alarm-setting';
import type { StageConfig } from '../schema';

/** A cheap stage to develop against: torn down and rebuilt at will. */
export const dev: StageConfig<'dev'> = {
  stage: 'dev',
  protection: 'disposable',
  dataRemoval: 'destroy',
  logRetentionDays: 14,
  api: {
    throttleRateLimit: 50,
    throttleBurstLimit: 100,
    allowedOrigins: ['http://localhost:5173'],
  },
  photos: {
    billing: { mode: 'onDemand' },
    deletionProtection: false,
    pendingUploadTtlMinutes: 60,
    uploadUrlExpirySeconds: 300,
    downloadUrlExpirySeconds: 300,
    noncurrentVersionExpirationDays: 7,
    maxPendingUploadsPerUser: 20,
    // 50 rps at 2 write units is 100 a second, 300 in the worst second: one partition takes it.
    feedShards: 1,
    // Until scripts/feed-reshard.ts has moved the photos of the unsharded feed on this stage.
    readLegacyFeedPartition: true,
  },
  database: {
    proxy: true,
    minCapacity: 0.5,
    maxCapacity: 2,
    readers: 0,
    backupRetentionDays: 1,
    deletionProtection: false,
    secretRotationDays: 30,
  },
  cache: {
    nodeType: 'cache.t4g.micro',
    replicas: 0,
    multiAz: false,
    snapshotRetentionDays: 0,
    port: 6380,
    profileTtlSeconds: 300,
  },
  monitoring: {
    // Loose enough that a developer's experiments do not page anyone.
    alarms: {
      api5xxRate: alarm(5, 5, 3),
      apiLatencyP90: alarm(2000, 5, 3),
      lambdaErrors: alarm(5, 5, 3),
      lambdaThrottles: alarm(5, 5, 3),
      lambdaDurationP90: alarm(90, 5, 3),
      streamIteratorAge: alarm(300_000, 5, 3),
      deadLetterMessages: alarm(1, 5, 1),
      tableThrottles: alarm(10, 5, 3),
      tableSystemErrors: alarm(5, 5, 3),
      auroraCpu: alarm(90, 5, 3),
      auroraAcuUtilization: alarm(95, 5, 3),
      auroraConnections: alarm(200, 5, 3),
      // Well below the 10 s for which the cache refuses fills after an edit.
      auroraReplicaLag: alarm(2000, 5, 3),
      proxyBorrowLatency: alarm(500, 5, 3),
      cacheEngineCpu: alarm(90, 5, 3),
      cacheMemory: alarm(90, 5, 3),
      cacheEvictions: alarm(100, 5, 3),
      cacheReplicationLag: alarm(5, 1, 5, 3),
      // A failed rotation or an undelivered alarm needs a person whatever the stage.
      rotationErrors: alarm(1, 5, 1),
      topicDeliveryFailures: alarm(1, 5, 1),
      userPoolThrottles: alarm(10, 5, 3),
      failedStreamRecords: alarm(10, 5, 3),
      cacheErrors: alarm(50, 5, 3),
      // One failed AWS Backup job is worth a look in any stage; jobs run daily, so hourly periods.
      backupJobsFailed: alarm(1, 60, 1),
      copyJobsFailed: alarm(1, 60, 1),
      restoreJobsFailed: alarm(1, 60, 1),
      // Disaster recovery (a stage with disasterRecovery only).
      tableReplicationLatency: alarm(60_000, 5, 3),
      photoReplicationLatency: alarm(3600, 5, 3),
      photoReplicationPending: alarm(10_000, 5, 3),
      photoReplicationFailures: alarm(1, 5, 1),
      auroraGlobalReplicationLag: alarm(30_000, 5, 3),
      photoRejectionRate: alarm(50, 15, 2),
    },
  },
  backup: {
    dailyRetentionDays: 7,
    weeklyRetentionDays: 28,
    restoreTesting: false,
  },
  encryption: { customerManagedKeys: false },
  diagnostics: {
    databaseInsights: 'standard',
    enhancedMonitoringIntervalSeconds: 0,
    contributorInsights: false,
  },
};
