import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** The clients the checks use; each check takes only the ones it needs, so tests inject mocks. */
export interface PreflightClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly cloudFormation: CloudFormationClient;
  readonly rds: RDSClient;
  readonly elastiCache: ElastiCacheClient;
  readonly lambda: LambdaClient;
  readonly serviceQuotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
  readonly backup: BackupClient;
}

/** Milliseconds one request may take before it fails; a preflight must not hang on a dead endpoint. */
export const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Two attempts at most (one retry for a throttle or a dropped connection, no
 * retry storm), and a request timeout that really throws: without
 * `throwOnRequestTimeout` the node handler only logs a warning.
 */
export const CLIENT_CONFIG = {
  maxAttempts: 2,
  requestHandler: {
    connectionTimeout: 3_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  },
} as const;

export function createClients(region: string): PreflightClients {
  const config = { ...CLIENT_CONFIG, region };
  return {
    sts: new STSClient(config),
    ssm: new SSMClient(config),
    cloudFormation: new CloudFormationClient(config),
    rds: new RDSClient(config),
    elastiCache: new ElastiCacheClient(config),
    lambda: new LambdaClient(config),
    serviceQuotas: new ServiceQuotasClient(config),
    ec2: new EC2Client(config),
    backup: new BackupClient(config),
  };
}

/** The region the SDK's normal chain resolves (AWS_REGION, then the profile), or undefined when there is none. */
export async function resolveRegion(): Promise<string | undefined> {
  try {
    const region = await new STSClient({}).config.region();
    return region || undefined;
  } catch {
    // "Region is missing": the caller explains how to set one.
    return undefined;
  }
}
