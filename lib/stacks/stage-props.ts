import { RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { StageConfig } from '../config';

/** Props every stack of the app takes: its stage's validated config. */
export interface StageStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Removal policy of stateful resources for the stage. */
export function dataRemovalPolicy(config: StageConfig): RemovalPolicy {
  return config.dataRemoval === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/** Log retention of the stage, as the enum CDK expects (validated in config). */
export function logRetention(config: StageConfig): logs.RetentionDays {
  return config.logRetentionDays;
}
