/**
 * AWS list prices used by the cost model: us-east-1, on-demand, USD, without
 * free tiers. The second Region of disaster recovery (prod's us-west-2) lists the same prices for
 * every item the floor counts there (Aurora, RDS Proxy, ElastiCache, KMS, CloudWatch). Each entry names the page it comes from. Prices change; check
 * the pages before relying on the figures, and update `PRICES_AS_OF` with
 * the numbers.
 */
export const PRICES_AS_OF = '2025-06-01';
export const PRICES_REGION = 'us-east-1';

/** Hours in the average month (365 * 24 / 12), as AWS bills monthly estimates. */
export const HOURS_PER_MONTH = 730;

export interface Prices {
  readonly aurora: { readonly acuHour: number };
  readonly rdsProxy: { readonly acuHour: number; readonly minimumAcus: number };
  readonly elasticache: {
    /** On-demand node-hour by engine (as in `ProfileCache.ENGINE`), then by node type. */
    readonly nodeHour: Readonly<Record<string, Readonly<Record<string, number>>>>;
  };
  readonly vpc: { readonly interfaceEndpointAzHour: number };
  readonly secretsManager: { readonly secretMonth: number };
  readonly kms: { readonly keyMonth: number };
  readonly cloudwatch: { readonly alarmMetricMonth: number; readonly dashboardMonth: number };
  readonly apiGateway: { readonly httpApiPerMillion: number };
  readonly lambda: { readonly arm64GbSecond: number; readonly requestsPerMillion: number };
  readonly dynamodb: {
    readonly writeRequestUnitsPerMillion: number;
    readonly readRequestUnitsPerMillion: number;
  };
  readonly s3: { readonly putPerThousand: number; readonly getPerThousand: number };
  readonly databaseInsights: { readonly advancedAcuHour: number };
  readonly cloudwatchLogs: { readonly ingestionPerGb: number };
  readonly contributorInsights: {
    readonly dynamoDbRuleMonth: number;
    readonly dynamoDbEventsPerMillion: number;
  };
  readonly s3Replication: {
    /** Replication metrics per rule: billed as CloudWatch custom metrics. */
    readonly metricMonth: number;
    /** Metrics S3 publishes per rule (bytes and operations pending, latency, failed operations). */
    readonly metricsPerRule: number;
    /** S3 Replication Time Control, per GB replicated. */
    readonly timeControlPerGb: number;
  };
  readonly interRegionTransferPerGb: number;
  /** What the second Region's copies cost to keep, and Aurora's replicated writes. */
  readonly secondRegionCopies: {
    readonly dynamoDbGbMonth: number;
    readonly s3StandardGbMonth: number;
    readonly auroraGbMonth: number;
    readonly auroraReplicatedWriteIoPerMillion: number;
  };
  readonly backup: {
    readonly dynamoDbGbMonth: number;
    readonly s3GbMonth: number;
    readonly auroraSnapshotGbMonth: number;
    readonly crossRegionTransferPerGb: number;
    readonly dynamoDbRestorePerGb: number;
  };
}

export const PRICES: Prices = {
  aurora: {
    /** Aurora Serverless v2, Aurora Standard, per ACU-hour. https://aws.amazon.com/rds/aurora/pricing/ */
    acuHour: 0.12,
  },
  rdsProxy: {
    /** RDS Proxy for Aurora Serverless v2, per ACU-hour of the target. https://aws.amazon.com/rds/proxy/pricing/ */
    acuHour: 0.015,
    /** RDS Proxy bills at least this many ACUs for a Serverless v2 target. https://aws.amazon.com/rds/proxy/pricing/ */
    minimumAcus: 8,
  },
  elasticache: {
    nodeHour: {
      /**
       * ElastiCache for Valkey, on-demand nodes. AWS prices node-based Valkey 20% below the other
       * engines on every node type, so each figure is the Redis OSS one below x 0.8.
       * https://aws.amazon.com/elasticache/pricing/
       * https://aws.amazon.com/about-aws/whats-new/2024/10/amazon-elasticache-valkey/
       */
      valkey: {
        'cache.t4g.micro': 0.0128,
        'cache.t4g.small': 0.0256,
        'cache.t4g.medium': 0.052,
        'cache.r7g.large': 0.1744,
      },
      /**
       * ElastiCache for Redis OSS, on-demand nodes: the engine the cache ran before Valkey.
       * https://aws.amazon.com/elasticache/pricing/
       */
      redis: {
        'cache.t4g.micro': 0.016,
        'cache.t4g.small': 0.032,
        'cache.t4g.medium': 0.065,
        'cache.r7g.large': 0.218,
      },
    },
  },
  vpc: {
    /** Interface VPC endpoint, per AZ-hour. https://aws.amazon.com/privatelink/pricing/ */
    interfaceEndpointAzHour: 0.01,
  },
  secretsManager: {
    /** Per secret per month. https://aws.amazon.com/secrets-manager/pricing/ */
    secretMonth: 0.4,
  },
  kms: {
    /** Customer-managed key per month. https://aws.amazon.com/kms/pricing/ */
    keyMonth: 1.0,
  },
  cloudwatch: {
    /** Standard-resolution alarm, per metric per month (a metric-math alarm pays for each metric). https://aws.amazon.com/cloudwatch/pricing/ */
    alarmMetricMonth: 0.1,
    /** Custom dashboard per month. https://aws.amazon.com/cloudwatch/pricing/ */
    dashboardMonth: 3.0,
  },
  apiGateway: {
    /** HTTP API, per million requests (first 300 million). https://aws.amazon.com/api-gateway/pricing/ */
    httpApiPerMillion: 1.0,
  },
  lambda: {
    /** arm64, per GB-second. https://aws.amazon.com/lambda/pricing/ */
    arm64GbSecond: 0.0000133334,
    /** Per million requests. https://aws.amazon.com/lambda/pricing/ */
    requestsPerMillion: 0.2,
  },
  dynamodb: {
    /** On-demand, per million write request units. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
    writeRequestUnitsPerMillion: 0.625,
    /** On-demand, per million read request units. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
    readRequestUnitsPerMillion: 0.125,
  },
  s3: {
    /** S3 Standard PUT, COPY, POST, LIST per 1,000 requests. https://aws.amazon.com/s3/pricing/ */
    putPerThousand: 0.005,
    /** S3 Standard GET and all other requests per 1,000. https://aws.amazon.com/s3/pricing/ */
    getPerThousand: 0.0004,
  },
  databaseInsights: {
    /** CloudWatch Database Insights, advanced mode, Aurora Serverless v2, per ACU-hour. https://aws.amazon.com/cloudwatch/pricing/ */
    advancedAcuHour: 0.003125,
  },
  cloudwatchLogs: {
    /** Standard log ingestion per GB (Enhanced Monitoring writes to RDSOSMetrics). https://aws.amazon.com/cloudwatch/pricing/ */
    ingestionPerGb: 0.5,
  },
  contributorInsights: {
    /** CloudWatch Contributor Insights for DynamoDB, per rule per month. https://aws.amazon.com/cloudwatch/pricing/ */
    dynamoDbRuleMonth: 0.5,
    /** CloudWatch Contributor Insights for DynamoDB, per million DynamoDB events (items read or written, per table or index). https://aws.amazon.com/cloudwatch/pricing/ */
    dynamoDbEventsPerMillion: 0.03,
  },
  s3Replication: {
    /** CloudWatch custom metric per month (first 10,000), the rate of S3 Replication metrics. https://aws.amazon.com/s3/pricing/ (Replication), https://aws.amazon.com/cloudwatch/pricing/ */
    metricMonth: 0.3,
    /** BytesPendingReplication, OperationsPendingReplication, ReplicationLatency, OperationsFailedReplication ("Replication metrics", S3 User Guide). */
    metricsPerRule: 4,
    /** S3 Replication Time Control data transfer, per GB. https://aws.amazon.com/s3/pricing/ (Replication) */
    timeControlPerGb: 0.015,
  },
  /** Data transfer from one Region to another, per GB (S3 and DynamoDB replication, Aurora's redo log). https://aws.amazon.com/ec2/pricing/on-demand/ */
  interRegionTransferPerGb: 0.02,
  secondRegionCopies: {
    /** DynamoDB Standard table class, data storage per GB-month (a replica stores its own copy). https://aws.amazon.com/dynamodb/pricing/on-demand/ */
    dynamoDbGbMonth: 0.25,
    /** S3 Standard, first 50 TB, per GB-month. https://aws.amazon.com/s3/pricing/ */
    s3StandardGbMonth: 0.023,
    /** Aurora Standard storage per GB-month (the secondary cluster's volume). https://aws.amazon.com/rds/aurora/pricing/ */
    auroraGbMonth: 0.1,
    /** Aurora Global Database on Aurora Standard: replicated write I/Os, per million. https://aws.amazon.com/rds/aurora/pricing/ */
    auroraReplicatedWriteIoPerMillion: 0.2,
  },
  backup: {
    /** AWS Backup, DynamoDB (advanced features) warm storage per GB-month; each recovery point is a full copy. https://aws.amazon.com/backup/pricing/ */
    dynamoDbGbMonth: 0.1,
    /** AWS Backup, Amazon S3 warm storage per GB-month; recovery points are incremental. https://aws.amazon.com/backup/pricing/ */
    s3GbMonth: 0.05,
    /** Aurora snapshot storage per GB-month beyond the free amount (the cluster's volume size). https://aws.amazon.com/rds/aurora/pricing/ */
    auroraSnapshotGbMonth: 0.021,
    /** Data transfer out to another Region, per GB (cross-Region copies). https://aws.amazon.com/ec2/pricing/on-demand/ */
    crossRegionTransferPerGb: 0.02,
    /** AWS Backup, restore of a DynamoDB recovery point, per GB restored (the weekly restore test). https://aws.amazon.com/backup/pricing/ */
    dynamoDbRestorePerGb: 0.15,
  },
};
