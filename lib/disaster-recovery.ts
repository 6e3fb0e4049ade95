/**
 * The names both Regions of a stage with `disasterRecovery` agree on, derived from the stage config
 * alone. Resources that the other Region's stacks (or the runbook) must name get a fixed name from
 * here instead of a cross-Region reference, as the backup copy vault does: a stack in one Region
 * then deploys without reading the other Region at all, which is what lets the second Region's
 * stacks be deployed while the first one is down.
 */
import { Aws, Fn } from 'aws-cdk-lib';
import type { DisasterRecoveryConfig, StageConfig } from './config';

export interface DisasterRecoveryPlan {
  /** The Region the stage deploys to (config `region`). */
  readonly primaryRegion: string;
  /** The second Region (config `disasterRecovery.region`). */
  readonly secondaryRegion: string;
  /** The Region that serves writes (config `disasterRecovery.activeRegion`, the primary by default). */
  readonly activeRegion: string;
  /** The Aurora Global Database (AWS::RDS::GlobalCluster), unique in the account. */
  readonly globalClusterIdentifier: string;
  /** The secondary Aurora cluster in the second Region, unique there. */
  readonly secondaryClusterIdentifier: string;
  /**
   * The photo bucket's replica in the second Region. S3 names are global, so the name carries the
   * account and the Region; at most 63 characters with a stage name of 16.
   */
  readonly replicaBucketName: string;
  readonly config: DisasterRecoveryConfig;
}

/** The plan of a stage's second Region, or undefined where the stage has none. */
export function disasterRecoveryPlan(config: StageConfig): DisasterRecoveryPlan | undefined {
  const dr = config.disasterRecovery;
  if (dr === undefined) return undefined;
  if (config.region === undefined) {
    throw new Error('disasterRecovery needs the stage pinned to a region (validated in lib/config)');
  }
  return {
    primaryRegion: config.region,
    secondaryRegion: dr.region,
    activeRegion: dr.activeRegion ?? config.region,
    globalClusterIdentifier: `photoapp-${config.stage}-profiles-global`,
    secondaryClusterIdentifier: `photoapp-${config.stage}-profiles`,
    replicaBucketName: Fn.join('', [`photoapp-${config.stage}-replica-`, Aws.ACCOUNT_ID, `-${dr.region}`]),
    config: dr,
  };
}

/** Whether the stacks of `region` serve writes: always in a stage without a second Region. */
export function servesWrites(plan: DisasterRecoveryPlan | undefined, region: string): boolean {
  return plan === undefined || plan.activeRegion === region;
}
