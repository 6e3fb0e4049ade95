import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AppNetwork } from '../constructs/app-network';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

/** The VPC, its endpoints and the functions' security group. */
export class NetworkStack extends Stack {
  public readonly network: AppNetwork;

  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props);
    this.network = new AppNetwork(this, 'Network', {
      flowLogRetentionDays: logRetention(props.config),
      logRemovalPolicy: dataRemovalPolicy(props.config),
    });
  }
}
